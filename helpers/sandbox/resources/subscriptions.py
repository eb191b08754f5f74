"""Subscriptions and their items: create (first invoice charged off-session), retrieve, update,
cancel, list. Renewals on a test clock live in ``renewals``."""

from __future__ import annotations

import copy
from typing import Any

from ...limits import US_CURRENCIES
from ...urls import path_segment
from ..api.context import ApiRequest
from ..api.router import api
from ..api.schema import shape
from ..shared.errors import StripeError, missing
from ..shared.ids import new_id
from . import clock_limits, customers, events, invoices, payment_methods, payments
from .common import MAX_AMOUNT, MAX_TIMESTAMP, created_filter, metadata
from .periods import DAY, TRIAL_NOTICE, period_end

MAX_TRIAL_DAYS = 730
NO_SOURCE = (
    "This customer has no attached payment source or default payment method. Please consider adding a "
    "default payment method. For more information, visit "
    "https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority."
)
CANCELED_ONLY = "A canceled subscription can only update its cancellation_details and metadata."
# Parameters whose billing effect the sandbox does not emulate: refused rather than ignored.
NOT_EMULATED = (
    "add_invoice_items", "application_fee_percent", "backdate_start_date", "billing_cycle_anchor",
    "billing_cycle_anchor_config", "billing_schedules", "billing_thresholds", "discounts", "on_behalf_of",
    "pause_collection", "pending_invoice_item_interval", "proration_date", "transfer_data", "trial_from_plan",
    "days_until_due",
)


def not_emulated(params: dict[str, Any]) -> None:
    for name in NOT_EMULATED:
        if params.get(name) is not None:
            raise StripeError(
                f"The offline sandbox does not emulate `{name}` on subscriptions. Leave it out, or run this "
                "step in Stripe test mode (STRIPE_SECRET_KEY=sk_test_…).",
                param=name,
            )
    if params.get("collection_method", "charge_automatically") != "charge_automatically":
        raise StripeError(
            "The offline sandbox emulates collection_method=charge_automatically only (Amazon Pay, off-session).",
            param="collection_method",
        )
    if (params.get("automatic_tax") or {}).get("enabled"):
        raise StripeError("The offline sandbox does not calculate tax.", param="automatic_tax[enabled]")


# --------------------------------------------------------------------------- validation

def checked_price(req: Any, price_id: str | None, param: str) -> dict[str, Any]:
    if not price_id:
        raise StripeError(f"Missing required param: {param}.", code="parameter_missing", param=param)
    price = req.store.get("price", price_id, param)
    if not price["active"]:
        raise StripeError(
            "The price specified is inactive. This field only accepts active prices.", param=param
        )
    if price["type"] != "recurring":
        raise StripeError(
            "The price specified is set to `type=one_time` but this field only accepts prices with "
            "`type=recurring`.",
            param=param,
        )
    if price["unit_amount"] is None:
        raise StripeError(
            f"The price {price['id']} has a fractional unit_amount_decimal ({price['unit_amount_decimal']}); "
            "the offline sandbox bills whole amounts only. Use a price with a whole unit_amount.",
            param=param,
        )
    product = req.store.find(price["product"])
    if product is not None and not product["active"]:
        raise StripeError(
            f"The product {product['id']} of this price is archived (active=false); archived products "
            "cannot be subscribed to.",
            code="product_inactive", param=param,
        )
    return price


def checked_quantity(item: dict[str, Any], param: str) -> int:
    quantity = item.get("quantity")
    if quantity is None:
        return 1
    if quantity < 0:
        raise StripeError(
            "This value must be greater than or equal to 0.", code="parameter_invalid_integer", param=param
        )
    return quantity


def check_total(total: int, currency: str, param: str) -> None:
    """An invoice may not charge more than Stripe's maximum amount."""
    if total > MAX_AMOUNT:
        raise StripeError(
            f"Amount must be no more than {MAX_AMOUNT} in the currency's smallest unit ({MAX_AMOUNT / 100:,.2f} "
            f"{currency.upper()}); this subscription's invoice would total {total}.",
            code="amount_too_large", param=param,
        )


def check_compatible(prices: list[tuple[dict[str, Any], str]]) -> None:
    """Every item bills in one currency and on one interval."""
    first, _ = prices[0]
    for price, param in prices[1:]:
        if price["currency"] != first["currency"]:
            raise StripeError(
                f"The price specified ({price['id']}) has currency `{price['currency']}`, but this subscription's "
                f"other prices use `{first['currency']}`. All items of a subscription must share one currency.",
                param=param,
            )
        a, b = first["recurring"], price["recurring"]
        if (a["interval"], a["interval_count"]) != (b["interval"], b["interval_count"]):
            raise StripeError(
                "Currently, subscriptions only support items with the same recurring interval: "
                f"{price['id']} bills every {b['interval_count']} {b['interval']}, the others every "
                f"{a['interval_count']} {a['interval']}.",
                param=param,
            )


def checked_payment_method(req: Any, customer: dict[str, Any], pm_id: str, param: str) -> dict[str, Any]:
    pm = req.store.get("payment_method", pm_id, param)
    if pm["customer"] != customer["id"]:
        raise StripeError(
            f"The customer does not have a payment method with the ID {pm_id}. The payment method must be "
            "attached to the customer.",
            code="resource_missing", param=param,
        )
    return pm


def check_currency(pm: dict[str, Any] | None, currency: str, param: str) -> None:
    """Amazon Pay charges its presentment currencies; the sandbox's US account, USD only (limits.US_CURRENCIES)."""
    if pm is None or pm["type"] != "amazon_pay" or currency in payments.ACCOUNT_CURRENCIES:
        return
    if currency in payments.AMAZON_PAY_CURRENCIES:
        why = f"{US_CURRENCIES}."
    else:
        why = (f"Amazon Pay does not support `{currency}`. Its presentment currencies are "
               f"{', '.join(payments.AMAZON_PAY_CURRENCIES)}; {US_CURRENCIES}.")
    raise StripeError(
        f"The currency provided ({currency}) is invalid for the payment method amazon_pay. {why} "
        "(The sandbox's rule and wording: what Stripe answers here is not published.)",
        code="payment_method_currency_mismatch", param=param,
    )


def cancel_at_of(value: int | str | None, now: int, period_end: int) -> int | None:
    """``cancel_at`` as a time: the current period's end (``min_period_end``/``max_period_end``),
    or a timestamp after now and before the year 10000 (the last a date can show)."""
    if isinstance(value, str):
        return period_end if value in ("min_period_end", "max_period_end") else None
    if value is not None and not now < value <= MAX_TIMESTAMP:
        raise StripeError("Invalid timestamp: must be an integer Unix timestamp in the future.", param="cancel_at")
    return value


def trial_end_of(p: dict[str, Any], now: int) -> int | None:
    if p.get("trial_end") is not None and p.get("trial_period_days") is not None:
        raise StripeError(
            "You may only specify one of these parameters: trial_end, trial_period_days.",
            code="parameters_exclusive", param="trial_end",
        )
    if p.get("trial_period_days") is not None:
        days = p["trial_period_days"]
        if not 0 <= days <= MAX_TRIAL_DAYS:
            raise StripeError(
                f"Invalid trial_period_days: must be at most {MAX_TRIAL_DAYS} days.",
                code="parameter_invalid_integer", param="trial_period_days",
            )
        return now + days * DAY if days else None
    end = p.get("trial_end")
    if end is None or end == "now":
        return None
    if end <= now:
        raise StripeError(
            "Invalid timestamp: must be an integer Unix timestamp in the future.", param="trial_end"
        )
    if end > now + MAX_TRIAL_DAYS * DAY:
        raise StripeError(
            f"Invalid trial_end: a trial can last at most {MAX_TRIAL_DAYS} days.", param="trial_end"
        )
    return end


# --------------------------------------------------------------------------- objects

def plan_of(price: dict[str, Any]) -> dict[str, Any]:
    recurring = price["recurring"]
    return shape("plan", {
        "id": price["id"], "object": "plan", "active": price["active"], "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"], "billing_scheme": price["billing_scheme"],
        "created": price["created"], "currency": price["currency"], "interval": recurring["interval"],
        "interval_count": recurring["interval_count"], "livemode": False, "metadata": price["metadata"],
        "meter": recurring["meter"], "nickname": price["nickname"], "product": price["product"],
        "tiers_mode": None, "transform_usage": None, "trial_period_days": None,
        "usage_type": recurring["usage_type"],
    })


def new_item(
    sub_id: str, price: dict[str, Any], quantity: int, meta: dict[str, Any] | None, now: int,
    period: tuple[int, int],
) -> dict[str, Any]:
    return shape("subscription_item", {
        "id": new_id("si", 14),
        "object": "subscription_item",
        "billing_thresholds": None,
        "created": now,
        "current_period_end": period[1],
        "current_period_start": period[0],
        "current_trial": None,
        "discounts": [],
        "metadata": metadata({}, meta or {}),
        "plan": plan_of(price),
        "price": copy.deepcopy(price),
        "quantity": quantity,
        "subscription": sub_id,
        "tax_rates": [],
    })


def items_list(sub_id: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"object": "list", "data": items, "has_more": False, "url": f"/v1/subscription_items?subscription={path_segment(sub_id)}"}


def payment_method_of(store: Any, sub: dict[str, Any]) -> str | None:
    """The subscription's default PaymentMethod, else the customer's invoice default."""
    if sub.get("default_payment_method"):
        return sub["default_payment_method"]
    customer = store.find(sub["customer"]) or {}
    return (customer.get("invoice_settings") or {}).get("default_payment_method")


def product_name(store: Any, price: dict[str, Any]) -> str:
    product = store.find(price["product"])
    return product["name"] if product else price["product"]


def bill(
    actor: Any, sub: dict[str, Any], customer: dict[str, Any], *, invoice_id: str, reason: str,
    period: tuple[int, int], now: int, trial: bool = False,
) -> dict[str, Any]:
    """Create and finalize the invoice for the items' current period."""
    invoice = draft_invoice(actor, sub, customer, invoice_id=invoice_id, reason=reason, period=period, now=now,
                            trial=trial)
    invoices.finalize(actor, invoice, now)
    return invoice


def draft_invoice(
    actor: Any, sub: dict[str, Any], customer: dict[str, Any], *, invoice_id: str, reason: str,
    period: tuple[int, int], now: int, trial: bool = False,
) -> dict[str, Any]:
    """The draft invoice for the items' current period (``invoice.created``)."""
    lines = [
        invoices.line_for(
            sub, item, invoice_id, product_name(actor.store, item["price"]),
            (item["current_period_start"], item["current_period_end"]), trial=trial,
        )
        for item in sub["items"]["data"]
    ]
    return invoices.new_invoice(
        actor, sub, customer, lines, invoice_id=invoice_id, billing_reason=reason, period=period, now=now
    )


def amount_of(sub: dict[str, Any]) -> int:
    return sum(item["price"]["unit_amount"] * item["quantity"] for item in sub["items"]["data"])


def save_with_event(actor: Any, sub: dict[str, Any], before: dict[str, Any], now: int) -> None:
    actor.store.save(sub)
    changed = events.changed(before, sub)
    if changed:
        events.emit(actor, "customer.subscription.updated", sub, changed, created=now)


# --------------------------------------------------------------------------- create

@api.route("POST", "/v1/subscriptions", "SubscriptionCreateParams")
def create(req: ApiRequest) -> dict[str, Any]:
    p = req.params
    not_emulated(p)
    if not p.get("customer"):
        raise StripeError("Missing required param: customer.", code="parameter_missing", param="customer")
    customer = req.store.get("customer", p["customer"], "customer")
    clock_limits.check_room_for_subscription(req, customer)
    now = customers.clock_time(req, customer)
    given = p.get("items") or []
    if not given:
        raise StripeError("Missing required param: items.", code="parameter_missing", param="items")
    if len(given) > 20:
        raise StripeError("A subscription can have at most 20 items.", param="items")
    prices = [(checked_price(req, item.get("price"), f"items[{i}][price]"), f"items[{i}][price]")
              for i, item in enumerate(given)]
    check_compatible(prices)
    currency = prices[0][0]["currency"]
    if p.get("currency") and p["currency"].lower() != currency:
        raise StripeError(
            f"The currency {p['currency']} does not match the currency of the prices ({currency}).", param="currency"
        )
    pm = None
    if p.get("default_payment_method"):
        pm = checked_payment_method(req, customer, p["default_payment_method"], "default_payment_method")
    pm_id = pm["id"] if pm else customer["invoice_settings"]["default_payment_method"]
    check_currency(pm or (req.store.find(pm_id) if pm_id else None), currency, "items[0][price]")
    trial_end = trial_end_of(p, now)
    behavior = p.get("payment_behavior", "allow_incomplete")
    if behavior == "pending_if_incomplete":
        raise StripeError(
            "payment_behavior=pending_if_incomplete is only available when updating a subscription.",
            param="payment_behavior",
        )
    quantities = [checked_quantity(item, f"items[{i}][quantity]") for i, item in enumerate(given)]
    total = sum(pr["unit_amount"] * q for (pr, _), q in zip(prices, quantities, strict=True))
    check_total(total, currency, "items")
    decline = None
    if trial_end:
        status = "trialing"
    elif total == 0:
        status = "active"
    elif behavior == "default_incomplete":
        status = "incomplete"
    else:
        if not pm_id:
            raise StripeError(NO_SOURCE, code="resource_missing")
        decline = payments.decline_reason(req.store, customer["id"], pm_id)
        if decline is not None and behavior == "error_if_incomplete":
            raise payments.payment_error(decline, keep_state=False)  # rolls back: nothing left behind
        status = "incomplete" if decline else "active"

    # Validation passed: from here on, state is written.
    sub_id, invoice_id = new_id("sub", 24), new_id("in", 24)
    anchor = trial_end or now
    recurring = prices[0][0]["recurring"]
    period = (now, trial_end or period_end(anchor, recurring, 1))
    items = [new_item(sub_id, pr, q, item.get("metadata"), now, period)
             for (pr, _), q, item in zip(prices, quantities, given, strict=True)]
    billing_mode = (p.get("billing_mode") or {}).get("type", "flexible")
    sub = shape("subscription", {
        "id": sub_id,
        "object": "subscription",
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
        "billing_cycle_anchor": anchor,
        "billing_mode": {
            "type": billing_mode,
            "flexible": {"proration_discounts": "included"} if billing_mode == "flexible" else None,
            "updated_at": now,
        },
        "billing_schedules": [],
        "cancel_at": None,
        "cancel_at_period_end": False,
        "cancellation_details": {"comment": None, "feedback": None, "feedback_option": None, "reason": None},
        "collection_method": "charge_automatically",
        "created": now,
        "currency": currency,
        "customer": customer["id"],
        "default_payment_method": pm["id"] if pm else None,
        "default_tax_rates": [],
        "description": p.get("description"),
        "discounts": [],
        "invoice_settings": {
            "account_tax_ids": None, "custom_fields": None, "description": None, "footer": None,
            "issuer": {"account": None, "type": "self"},
        },
        "items": items_list(sub_id, items),
        "latest_invoice": invoice_id,
        "livemode": False,
        "metadata": metadata({}, p.get("metadata") or {}),
        "payment_settings": {
            "payment_method_options": None, "payment_method_types": None,
            "save_default_payment_method": (p.get("payment_settings") or {}).get("save_default_payment_method", "off"),
        },
        "start_date": now,
        "status": status,
        "test_clock": customer.get("test_clock"),
        "trial_end": trial_end,
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": now if trial_end else None,
        "_period": 0 if trial_end else 1,
    })
    if p.get("cancel_at_period_end"):
        sub.update({"cancel_at_period_end": True, "cancel_at": period[1]})
    if p.get("cancel_at") is not None:
        at = cancel_at_of(p["cancel_at"], now, period[1])
        sub.update({"cancel_at": at, "cancel_at_period_end": at == period[1]})
    if trial_end and trial_end - now <= TRIAL_NOTICE:  # a short trial: the notice comes at once
        sub["_trial_notice_sent"] = True
    req.store.insert(sub)
    events.emit(req, "customer.subscription.created", sub, created=now)
    if sub.get("_trial_notice_sent"):
        events.emit(req, "customer.subscription.trial_will_end", sub, created=now)

    invoice = bill(req, sub, customer, invoice_id=invoice_id, reason="subscription_create",
                   period=(now, now), now=now, trial=bool(trial_end))
    if invoice["status"] == "open":
        if behavior == "default_incomplete":
            invoices.payment_intent_for(req, invoice, pm_id, now)
        else:
            invoices.collect(req, invoice, pm_id, now)
    return req.store.get("subscription", sub_id)


# --------------------------------------------------------------------------- read

@api.route("GET", "/v1/subscriptions/{id}", "SubscriptionRetrieveParams")
def retrieve(req: ApiRequest) -> dict[str, Any]:
    return req.store.get("subscription", req.args["id"])


@api.route("GET", "/v1/subscriptions", "SubscriptionListParams")
def list_subscriptions(req: ApiRequest) -> dict[str, Any]:
    p = req.params
    where = {k: p[k] for k in ("customer", "test_clock") if k in p}
    status = p.get("status")
    if status and status not in ("all", "ended"):
        where["status"] = status
    price, created = p.get("price") or p.get("plan"), created_filter(req)

    def accept(sub: dict[str, Any]) -> bool:
        if status is None and sub["status"] in ("canceled", "incomplete_expired"):
            return False
        if status == "ended" and sub["status"] not in ("canceled", "incomplete_expired"):
            return False
        if price and all(item["price"]["id"] != price for item in sub["items"]["data"]):
            return False
        return created is None or created(sub)

    return req.list_of("subscription", where, accept=accept)


def _find_item(req: ApiRequest, item_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    for sub in req.store.query("subscription"):
        for item in sub["items"]["data"]:
            if item["id"] == item_id:
                return sub, item
    raise missing("subscription_item", item_id)


@api.route("GET", "/v1/subscription_items/{id}", "SubscriptionItemRetrieveParams")
def retrieve_item(req: ApiRequest) -> dict[str, Any]:
    return _find_item(req, req.args["id"])[1]


@api.route("GET", "/v1/subscription_items", "SubscriptionItemListParams")
def list_items(req: ApiRequest) -> dict[str, Any]:
    sub = req.store.get("subscription", req.params.get("subscription"), "subscription")
    return items_list(sub["id"], sub["items"]["data"])


# --------------------------------------------------------------------------- update and cancel

def _update_items(req: ApiRequest, sub: dict[str, Any], given: list[dict[str, Any]], now: int) -> None:
    items = {item["id"]: item for item in sub["items"]["data"]}
    current = sub["items"]["data"][0]
    for i, change in enumerate(given):
        if change.get("id") and change["id"] not in items:
            raise StripeError(
                f"The subscription item {change['id']} does not belong to subscription {sub['id']}.",
                param=f"items[{i}][id]",
            )
        if change.get("deleted"):
            if not change.get("id"):
                raise StripeError(
                    f"Missing required param: items[{i}][id]. Name the item to delete by its id (si_…).",
                    code="parameter_missing", param=f"items[{i}][id]",
                )
            items.pop(change["id"])
            continue
        if not change.get("id") and not change.get("price"):
            raise StripeError(
                f"Missing required param: items[{i}][price]. Each item needs an id (to change an existing "
                "item) or a price (to add one).",
                code="parameter_missing", param=f"items[{i}][price]",
            )
        price = checked_price(req, change["price"], f"items[{i}][price]") if change.get("price") else None
        quantity = checked_quantity(change, f"items[{i}][quantity]")
        if change.get("id"):
            item = items[change["id"]]
            if price:
                item.update({"price": copy.deepcopy(price), "plan": plan_of(price)})
            if change.get("quantity") is not None:
                item["quantity"] = quantity
            if "metadata" in change:
                item["metadata"] = metadata(item["metadata"], change["metadata"])
        elif price:
            period = (current["current_period_start"], current["current_period_end"])
            item = new_item(sub["id"], price, quantity, change.get("metadata"), now, period)
            items[item["id"]] = item
    if not items:
        raise StripeError("A subscription must keep at least one item.", param="items")
    data = list(items.values())
    check_compatible([(item["price"], "items") for item in data])
    old = current["price"]["recurring"]
    new = data[0]["price"]["recurring"]
    if (old["interval"], old["interval_count"]) != (new["interval"], new["interval_count"]):
        raise StripeError(
            "The offline sandbox does not emulate changing a subscription's billing interval (Stripe would "
            "reset the billing cycle and prorate). Keep the interval, or use Stripe test mode.",
            param="items",
        )
    if data[0]["price"]["currency"] != sub["currency"]:
        raise StripeError(
            f"The new price's currency ({data[0]['price']['currency']}) does not match the subscription's "
            f"({sub['currency']}).",
            param="items",
        )
    sub["items"] = items_list(sub["id"], data)
    check_total(amount_of(sub), sub["currency"], "items")


@api.route("POST", "/v1/subscriptions/{id}", "SubscriptionUpdateParams")
def update(req: ApiRequest) -> dict[str, Any]:
    sub = req.store.get("subscription", req.args["id"])
    p = req.params
    if sub["status"] == "canceled" and set(p) - {"metadata", "cancellation_details", "expand"}:
        raise StripeError(CANCELED_ONLY)
    not_emulated(p)
    if p.get("trial_end") is not None:
        raise StripeError(
            "The offline sandbox does not emulate changing a trial on an existing subscription.",
            param="trial_end",
        )
    customer = req.store.get("customer", sub["customer"])
    now = customers.clock_time(req, customer)
    before = copy.deepcopy(sub)
    if "metadata" in p:
        sub["metadata"] = metadata(sub["metadata"], p["metadata"])
    if "description" in p:
        sub["description"] = p["description"]
    if "cancellation_details" in p:
        sub["cancellation_details"] = {**sub["cancellation_details"], **(p["cancellation_details"] or {})}
    if "default_payment_method" in p:
        pm_id = p["default_payment_method"]
        if pm_id:
            pm = checked_payment_method(req, customer, pm_id, "default_payment_method")
            check_currency(pm, sub["currency"], "default_payment_method")
        sub["default_payment_method"] = pm_id
    if "items" in p:
        _update_items(req, sub, p["items"], now)
    end = sub["items"]["data"][0]["current_period_end"]
    if "cancel_at_period_end" in p:
        flag = bool(p["cancel_at_period_end"])
        sub.update({"cancel_at_period_end": flag, "cancel_at": end if flag else None})
    if "cancel_at" in p:
        at = cancel_at_of(p["cancel_at"], now, end)
        sub.update({"cancel_at": at, "cancel_at_period_end": at == end if at else False})
    save_with_event(req, sub, before, now)
    return sub


def cancel_now(actor: Any, sub: dict[str, Any], now: int, details: dict[str, Any] | None = None,
               reason: str = "cancellation_requested") -> None:
    before = copy.deepcopy(sub)
    sub.update({
        "status": "canceled", "canceled_at": now, "ended_at": now,
        "cancellation_details": {**sub["cancellation_details"], **(details or {}), "reason": reason},
    })
    actor.store.save(sub)
    events.emit(actor, "customer.subscription.deleted", sub, events.changed(before, sub), created=now)
    _stop_collecting(actor, sub, now)


def _stop_collecting(actor: Any, sub: dict[str, Any], now: int) -> None:
    """A canceled subscription is never charged again ("The customer won't be charged again for
    the subscription", docs.stripe.com/api/subscriptions/cancel): its open invoices stop automatic
    collection ("Stripe stops automatic collection of all finalized invoices"), and a renewal draft
    made before the cancel stops advancing (``auto_advance`` false, ``automatically_finalizes_at``
    null; what Stripe does with such a draft is unverified). Each change is an ``invoice.updated``."""
    where = {"parent.subscription_details.subscription": sub["id"]}
    for invoice in actor.store.query("invoice", where):
        if invoice["status"] not in ("draft", "open") or not invoice["auto_advance"]:
            continue
        before = copy.deepcopy(invoice)
        invoice.update({"auto_advance": False, "next_payment_attempt": None})
        if invoice["status"] == "draft":
            invoice["automatically_finalizes_at"] = None
        actor.store.save(invoice)
        events.emit(actor, "invoice.updated", invoice, events.changed(before, invoice), created=now)


@api.route("DELETE", "/v1/subscriptions/{id}", "SubscriptionCancelParams")
def cancel(req: ApiRequest) -> dict[str, Any]:
    sub = req.store.get("subscription", req.args["id"])
    if sub["status"] in ("canceled", "incomplete_expired"):
        raise StripeError(
            f"This subscription has already ended (status {sub['status']}); there is nothing to cancel.",
        )
    now = customers.clock_time(req, req.store.find(sub["customer"]))
    cancel_now(req, sub, now, req.params.get("cancellation_details"))
    return sub


# --------------------------------------------------------------------------- hooks

def _activate_after_paid(actor: Any, invoice: dict[str, Any], now: int) -> None:
    """Paying the latest invoice of an incomplete or past_due subscription makes it active."""
    sub = actor.store.find(invoice.get("_subscription") or "")
    if not sub or sub["latest_invoice"] != invoice["id"] or sub["status"] not in ("incomplete", "past_due"):
        return
    before = copy.deepcopy(sub)
    sub["status"] = "active"
    save_with_event(actor, sub, before, now)


def _cancel_for_deleted_customer(req: ApiRequest, customer: dict[str, Any]) -> None:
    now = customers.clock_time(req, customer)
    for sub in req.store.query("subscription", {"customer": customer["id"]}):
        if sub["status"] not in ("canceled", "incomplete_expired"):
            cancel_now(req, sub, now)


invoices.AFTER_PAID.append(_activate_after_paid)
customers.ON_DELETE.append(_cancel_for_deleted_customer)


def _forget_detached_payment_method(req: Any, pm_id: str, customer_id: str | None) -> None:
    """A detached PaymentMethod is no subscription's default any more (renewals then have none)."""
    for sub in req.store.query("subscription", {"customer": customer_id, "default_payment_method": pm_id}):
        sub["default_payment_method"] = None
        req.store.save(sub)
        events.emit(req, "customer.subscription.updated", sub, {"default_payment_method": pm_id})


payment_methods.ON_DETACH.append(_forget_detached_payment_method)
