"""Invoices for subscriptions: draft → finalized (numbered) → paid, or open after a failed
attempt; InvoicePayments linking an invoice to its PaymentIntent; pay and void."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from ...urls import path_segment
from ..api.context import SITE, ApiRequest, includer
from ..api.router import api
from ..api.schema import shape
from ..shared.errors import StripeError
from ..shared.ids import new_id, random_token
from . import events, payments
from .common import created_filter
from .customers import clock_time

ACCOUNT_NAME = "Stock Photo Service (sandbox)"

# Called as hook(actor, invoice, now) after an invoice is paid (subscriptions become active).
AFTER_PAID: list[Callable[[Any, dict[str, Any], int], None]] = []


def _money(amount: int, currency: str) -> str:
    return f"{amount / 100:.2f} {currency.upper()}"


def line_for(
    sub: dict[str, Any], item: dict[str, Any], invoice_id: str, product_name: str,
    period: tuple[int, int], *, trial: bool = False,
) -> dict[str, Any]:
    """One subscription line: quantity × unit amount for ``period`` (0 during a trial)."""
    price, quantity = item["price"], item["quantity"]
    amount = 0 if trial else price["unit_amount"] * quantity
    interval = price["recurring"]["interval"]
    description = (
        f"Trial period for {product_name}" if trial
        else f"{quantity} × {product_name} (at {_money(price['unit_amount'], price['currency'])} / {interval})"
    )
    return shape("line_item", {
        "id": new_id("il", 24),
        "object": "line_item",
        "amount": amount,
        "currency": price["currency"],
        "description": description,
        "discount_amounts": [],
        "discountable": True,
        "discounts": [],
        "invoice": invoice_id,
        "livemode": False,
        "metadata": {},
        "parent": {
            "type": "subscription_item_details",
            "invoice_item_details": None,
            "subscription_item_details": {
                "invoice_item": None,
                "proration": False,
                "proration_details": {"credited_items": None},
                "subscription": sub["id"],
                "subscription_item": item["id"],
            },
        },
        "period": {"start": period[0], "end": period[1]},
        "pretax_credit_amounts": [],
        "pricing": {
            "type": "price_details",
            "price_details": {"price": price["id"], "product": price["product"]},
            "unit_amount_decimal": "0" if trial else str(price["unit_amount"]),
        },
        "quantity": quantity,
        "quantity_decimal": str(quantity),
        "subscription": sub["id"],
        "subtotal": amount,
        "taxes": [],
    })


def new_invoice(
    actor: Any, sub: dict[str, Any], customer: dict[str, Any], lines: list[dict[str, Any]], *,
    invoice_id: str, billing_reason: str, period: tuple[int, int], now: int,
) -> dict[str, Any]:
    """A draft invoice for ``sub`` holding ``lines``; emits invoice.created."""
    total = sum(line["amount"] for line in lines)
    invoice = shape("invoice", {
        "id": invoice_id,
        "object": "invoice",
        "account_country": payments.ACCOUNT_COUNTRY,
        "account_name": ACCOUNT_NAME,
        "account_tax_ids": None,
        "amount_due": total,
        "amount_overpaid": 0,
        "amount_paid": 0,
        "amount_paid_off_stripe": 0,
        "amount_remaining": total,
        "amount_shipping": 0,
        "attempt_count": 0,
        "attempted": False,
        "auto_advance": True,
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None, "provider": None, "status": None},
        "billing_reason": billing_reason,
        "collection_method": "charge_automatically",
        "created": now,
        "currency": sub["currency"],
        "customer": customer["id"],
        "customer_address": customer.get("address"),
        "customer_email": customer.get("email"),
        "customer_name": customer.get("name"),
        "customer_phone": customer.get("phone"),
        "customer_shipping": customer.get("shipping"),
        "customer_tax_exempt": customer.get("tax_exempt"),
        "customer_tax_ids": [],
        "default_tax_rates": [],
        "discounts": [],
        "issuer": {"account": None, "type": "self"},
        "lines": {"object": "list", "data": lines, "has_more": False, "url": f"/v1/invoices/{path_segment(invoice_id)}/lines"},
        "livemode": False,
        "metadata": {},
        "parent": {
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": {
                "metadata": dict(sub.get("metadata") or {}),
                "subscription": sub["id"],
                "subscription_proration_date": None,
            },
        },
        "payment_settings": {"default_mandate": None, "payment_method_options": None, "payment_method_types": None},
        "period_end": period[1],
        "period_start": period[0],
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "rendering": {"amount_tax_display": None, "pdf": {"page_size": "auto"}, "template": None, "template_version": None},
        "starting_balance": 0,
        "status": "draft",
        "status_transitions": {"finalized_at": None, "marked_uncollectible_at": None, "paid_at": None, "voided_at": None},
        "subtotal": total,
        "subtotal_excluding_tax": total,
        "test_clock": customer.get("test_clock"),
        "total": total,
        "total_discount_amounts": [],
        "total_excluding_tax": total,
        "total_pretax_credit_amounts": [],
        "total_taxes": [],
        "_subscription": sub["id"],
        "_payment_intent": None,
    })
    actor.store.insert(invoice)
    events.emit(actor, "invoice.created", invoice, created=now)
    return invoice


def hosted_urls(invoice_id: str) -> dict[str, str]:
    """The hosted invoice page and PDF of a finalized invoice (Stripe: "If the invoice has not been
    finalized yet, this will be null"). Like Stripe's, the URL is a capability: whoever has it may
    see and pay the invoice, so it holds a secret beside the invoice's ID."""
    token = f"{invoice_id}_secret_{random_token(24)}"
    return {
        "hosted_invoice_url": f"{SITE.base_url}/i/{token}",
        "invoice_pdf": f"{SITE.base_url}/invoice/{token}/pdf",
        "_hosted_token": token,
    }


def by_hosted_token(store: Any, token: str) -> dict[str, Any] | None:
    """The finalized invoice a hosted page token names, or None."""
    invoice_id = token.partition("_secret_")[0]
    invoice = store.find(invoice_id) if invoice_id else None
    if not invoice or invoice.get("object") != "invoice" or not invoice.get("_hosted_token"):
        return None
    return invoice if hmac.compare_digest(invoice["_hosted_token"], token) else None


def finalize(actor: Any, invoice: dict[str, Any], now: int) -> None:
    """Number it (customer prefix + sequence) and open it; a zero total is paid at once."""
    customer = actor.store.get("customer", invoice["customer"])
    sequence = customer.get("next_invoice_sequence") or 1
    customer["next_invoice_sequence"] = sequence + 1
    actor.store.save(customer)
    invoice.update({
        "number": f"{customer['invoice_prefix']}-{sequence:04d}",
        "status": "open",
        "effective_at": now,
        "ending_balance": 0,
        "webhooks_delivered_at": now,
        **hosted_urls(invoice["id"]),
    })
    invoice["status_transitions"]["finalized_at"] = now
    actor.store.save(invoice)
    events.emit(actor, "invoice.finalized", invoice, created=now)
    if invoice["amount_due"] == 0:
        _mark_paid(actor, invoice, now)


def _mark_paid(actor: Any, invoice: dict[str, Any], now: int) -> None:
    invoice.update({
        "status": "paid", "amount_paid": invoice["amount_due"], "amount_remaining": 0,
        "auto_advance": False, "next_payment_attempt": None,
    })
    invoice["status_transitions"]["paid_at"] = now
    actor.store.save(invoice)
    events.emit(actor, "invoice.paid", invoice, created=now)
    events.emit(actor, "invoice.payment_succeeded", invoice, created=now)
    for hook in AFTER_PAID:
        hook(actor, invoice, now)


def _invoice_payment(actor: Any, invoice: dict[str, Any], pi: dict[str, Any], now: int) -> dict[str, Any]:
    found = actor.store.query("invoice_payment", {"invoice": invoice["id"], "payment.payment_intent": pi["id"]})
    if found:
        return found[0]
    record = shape("invoice_payment", {
        "id": new_id("inpay", 24),
        "object": "invoice_payment",
        "amount_paid": None,
        "amount_requested": invoice["amount_due"],
        "created": now,
        "currency": invoice["currency"],
        "invoice": invoice["id"],
        "is_default": True,
        "livemode": False,
        "payment": {"type": "payment_intent", "payment_intent": pi["id"], "charge": None, "payment_record": None},
        "status": "open",
        "status_transitions": {"canceled_at": None, "paid_at": None},
    })
    actor.store.insert(record)
    return record


def payment_intent_for(actor: Any, invoice: dict[str, Any], pm_id: str | None, now: int) -> dict[str, Any]:
    """The invoice's PaymentIntent (reused while it is unpaid), with its InvoicePayment."""
    pi = actor.store.find(invoice["_payment_intent"]) if invoice.get("_payment_intent") else None
    if pi is None or pi["status"] in ("succeeded", "canceled"):
        pi = payments.new_payment_intent(
            actor, amount=invoice["amount_remaining"], currency=invoice["currency"], customer=invoice["customer"],
            payment_method=pm_id, now=now,
            description="Subscription creation" if invoice["billing_reason"] == "subscription_create" else "Subscription update",
        )
        invoice["_payment_intent"] = pi["id"]
        actor.store.save(invoice)
    elif pm_id and pi["payment_method"] != pm_id:
        pi.update({"payment_method": pm_id, "status": "requires_confirmation"})
        actor.store.save(pi)
    _invoice_payment(actor, invoice, pi, now)
    return pi


def collect(actor: Any, invoice: dict[str, Any], pm_id: str | None, now: int) -> payments.Decline | None:
    """Charge an open invoice off-session; None when it is paid."""
    pi = payment_intent_for(actor, invoice, pm_id, now)
    decline = payments.confirm_off_session(actor, pi, now)
    settle(actor, invoice, pi, decline, now)
    return decline


def settle(actor: Any, invoice: dict[str, Any], pi: dict[str, Any], decline: payments.Decline | None, now: int) -> None:
    """Record a confirmed PaymentIntent's outcome on its invoice."""
    invoice.update({"attempted": True, "attempt_count": invoice["attempt_count"] + 1})
    if decline is not None:
        invoice["next_payment_attempt"] = None  # the sandbox does not retry on its own
        actor.store.save(invoice)
        events.emit(actor, "invoice.payment_failed", invoice, created=now)
        return
    record = _invoice_payment(actor, invoice, pi, now)
    record.update({"status": "paid", "amount_paid": pi["amount"]})
    record["status_transitions"]["paid_at"] = now
    actor.store.save(record)
    events.emit(actor, "invoice_payment.paid", record, created=now)
    actor.store.save(invoice)
    events.emit(actor, "invoice.updated", invoice, {"attempt_count": invoice["attempt_count"] - 1}, created=now)
    _mark_paid(actor, invoice, now)


def void(actor: Any, invoice: dict[str, Any], now: int) -> None:
    if invoice["status"] != "open":
        raise StripeError(
            f"You can only pass in open invoices. This invoice isn't open: its status is {invoice['status']}.",
            code="invoice_not_editable" if invoice["status"] != "draft" else None,
        )
    if invoice.get("_payment_intent"):
        payments.cancel(actor, actor.store.get("payment_intent", invoice["_payment_intent"]), "void_invoice", now)
    for record in actor.store.query("invoice_payment", {"invoice": invoice["id"], "status": "open"}):
        record["status"] = "canceled"
        record["status_transitions"]["canceled_at"] = now
        actor.store.save(record)
    invoice.update({"status": "void", "amount_remaining": 0, "auto_advance": False})
    invoice["status_transitions"]["voided_at"] = now
    actor.store.save(invoice)
    events.emit(actor, "invoice.voided", invoice, created=now)


def _now(req: ApiRequest, invoice: dict[str, Any]) -> int:
    return clock_time(req, req.store.find(invoice["customer"]))


# --------------------------------------------------------------------------- includable fields

@includer("invoice", "payments")
def _payments(req: ApiRequest, invoice: dict[str, Any]) -> dict[str, Any]:
    rows = req.store.query("invoice_payment", {"invoice": invoice["id"]})
    return {"object": "list", "data": rows, "has_more": False, "url": f"/v1/invoices/{path_segment(invoice['id'])}/payments"}


@includer("invoice", "confirmation_secret")
def _confirmation_secret(req: ApiRequest, invoice: dict[str, Any]) -> dict[str, Any] | None:
    pi = req.store.find(invoice["_payment_intent"]) if invoice.get("_payment_intent") else None
    if pi is None:
        return None
    return {"client_secret": pi["client_secret"], "type": "payment_intent"}


# --------------------------------------------------------------------------- routes

@api.route("GET", "/v1/invoices/{id}", "InvoiceRetrieveParams")
def retrieve(req: ApiRequest) -> dict[str, Any]:
    return req.store.get("invoice", req.args["id"])


@api.route("GET", "/v1/invoices", "InvoiceListParams")
def list_invoices(req: ApiRequest) -> dict[str, Any]:
    p = req.params
    where = {k: p[k] for k in ("customer", "status", "collection_method") if k in p}
    if "subscription" in p:
        where["parent.subscription_details.subscription"] = p["subscription"]
    return req.list_of("invoice", where, accept=created_filter(req))


@api.route("GET", "/v1/invoices/{id}/lines", "InvoiceListLinesParams")
def list_lines(req: ApiRequest) -> dict[str, Any]:
    invoice = req.store.get("invoice", req.args["id"])
    return {**invoice["lines"], "url": f"/v1/invoices/{path_segment(invoice['id'])}/lines"}


@api.route("POST", "/v1/invoices/{id}/pay", "InvoicePayParams")
def pay(req: ApiRequest) -> dict[str, Any]:
    invoice = req.store.get("invoice", req.args["id"])
    if invoice["status"] == "paid":
        raise StripeError("Invoice is already paid.")
    if invoice["status"] != "open":
        raise StripeError(
            f"This invoice can no longer be paid: its status is {invoice['status']}.",
            code="invoice_not_editable" if invoice["status"] == "void" else None,
        )
    now = _now(req, invoice)
    if req.params.get("paid_out_of_band"):
        invoice["amount_paid_off_stripe"] = invoice["amount_remaining"]
        _mark_paid(req, invoice, now)
        return invoice
    pm_id = req.params.get("payment_method") or default_payment_method(req, invoice)
    if pm_id:
        req.store.get("payment_method", pm_id, "payment_method")
    decline = collect(req, invoice, pm_id, now)
    if decline is not None:
        raise payments.payment_error(decline, keep_state=True, payment_intent=req.render(
            req.store.get("payment_intent", invoice["_payment_intent"]), expand=[]))
    return invoice


def default_payment_method(req: Any, invoice: dict[str, Any]) -> str | None:
    """Stripe's order: the invoice's, the subscription's, the customer's default."""
    if invoice.get("default_payment_method"):
        return invoice["default_payment_method"]
    sub = req.store.find(invoice.get("_subscription") or "")
    if sub and sub.get("default_payment_method"):
        return sub["default_payment_method"]
    customer = req.store.find(invoice["customer"])
    return (customer or {}).get("invoice_settings", {}).get("default_payment_method")


@api.route("POST", "/v1/invoices/{id}/void", "InvoiceVoidInvoiceParams")
def void_route(req: ApiRequest) -> dict[str, Any]:
    invoice = req.store.get("invoice", req.args["id"])
    void(req, invoice, _now(req, invoice))
    return invoice


@api.route("POST", "/v1/payment_intents/{id}/confirm", "PaymentIntentConfirmParams")
def confirm_payment_intent(req: ApiRequest) -> dict[str, Any]:
    """Confirm an invoice's PaymentIntent (``default_incomplete``) off-session, as a server does."""
    pi = req.store.get("payment_intent", req.args["id"])
    if pi["status"] not in ("requires_confirmation", "requires_payment_method"):
        raise StripeError(
            f"You cannot confirm this PaymentIntent because it has a status of {pi['status']}.",
            code="payment_intent_unexpected_state",
        )
    if req.params.get("payment_method"):
        pi["payment_method"] = req.store.get("payment_method", req.params["payment_method"], "payment_method")["id"]
    if not pi["payment_method"]:
        raise StripeError(
            "You cannot confirm this PaymentIntent because it's missing a payment method. Pass "
            "payment_method (an amazon_pay PaymentMethod attached to the customer).",
            code="payment_intent_unexpected_state",
        )
    invoices = req.store.query("invoice", {"_payment_intent": pi["id"]}, limit=1)
    now = _now(req, invoices[0]) if invoices else req.now()
    decline = payments.confirm_off_session(req, pi, now)
    if invoices:
        settle(req, invoices[0], pi, decline, now)
    if decline is not None:
        raise payments.payment_error(decline, keep_state=True, payment_intent=req.render(pi, expand=[]))
    return pi


@api.route("GET", "/v1/invoice_payments/{id}", "InvoicePaymentRetrieveParams")
def retrieve_invoice_payment(req: ApiRequest) -> dict[str, Any]:
    return req.store.get("invoice_payment", req.args["id"])


@api.route("GET", "/v1/invoice_payments", "InvoicePaymentListParams")
def list_invoice_payments(req: ApiRequest) -> dict[str, Any]:
    p = req.params
    where = {k: p[k] for k in ("invoice", "status") if k in p}
    if "payment" in p and p["payment"].get("payment_intent"):
        where["payment.payment_intent"] = p["payment"]["payment_intent"]
    return req.list_of("invoice_payment", where, accept=created_filter(req))
