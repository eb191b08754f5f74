"""PaymentIntents and Charges: off-session Amazon Pay charges against a mandate.

The sandbox charges only what it can emulate: an ``amazon_pay`` PaymentMethod attached to the
customer with an active mandate. Anything else leaves a failed Charge and a PaymentIntent
back in ``requires_payment_method`` with ``last_payment_error``, as Stripe does.
"""

from __future__ import annotations

import secrets
from typing import Any

from helpers import limits

from ..api.context import ApiRequest
from ..api.router import api
from ..api.schema import shape
from ..shared.errors import StripeError
from ..shared.ids import new_id
from ..state.account_store import AccountStore
from . import events
from .common import created_filter

# Amazon Pay's presentment currencies, and what the sandbox account (a US business) may charge.
AMAZON_PAY_CURRENCIES = tuple(limits.AMAZON_PAY_CURRENCIES)
ACCOUNT_COUNTRY = "US"
ACCOUNT_CURRENCIES = limits.SANDBOX_ACCOUNT_CURRENCIES

MANDATE_INVALID = "payment_intent_mandate_invalid"
NO_PAYMENT_METHOD = "payment_intent_payment_attempt_failed"
AUTHENTICATION_FAILURE = "payment_intent_authentication_failure"


class Decline(dict):
    """Why an off-session charge cannot be made: {code, message}."""


def decline_reason(store: AccountStore, customer_id: str | None, pm_id: str | None) -> Decline | None:
    """None when ``pm_id`` can be charged off-session for ``customer_id``; else why not."""
    if not pm_id:
        return Decline(
            code=NO_PAYMENT_METHOD,
            message="There is no payment method to charge: attach one to the customer (a succeeded "
            "SetupIntent does that) and set it as the subscription's default_payment_method.",
        )
    pm = store.find(pm_id)
    if pm is None or pm.get("customer") != customer_id:
        return Decline(
            code=MANDATE_INVALID,
            message=f"The PaymentMethod {pm_id} is no longer attached to customer {customer_id} (it was "
            "detached), so its Amazon Pay mandate cannot be used. Collect a new one with a SetupIntent.",
        )
    if not store.query("mandate", {"payment_method": pm_id, "status": "active"}, limit=1):
        return Decline(
            code=MANDATE_INVALID,
            message=f"The PaymentMethod {pm_id} has no active Amazon Pay mandate, so it cannot be charged "
            "off-session. Collect a new mandate with a SetupIntent (usage=off_session).",
        )
    return None


def new_payment_intent(
    actor: Any, *, amount: int, currency: str, customer: str | None, payment_method: str | None,
    description: str | None, now: int,
) -> dict[str, Any]:
    pi_id = new_id("pi", 24)
    pi = shape("payment_intent", {
        "id": pi_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "automatic_payment_methods": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic",
        "client_secret": f"{pi_id}_secret_{secrets.token_urlsafe(18).replace('-', 'a').replace('_', 'b')}",
        "confirmation_method": "automatic",
        "created": now,
        "currency": currency,
        "customer": customer,
        "description": description,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "metadata": {},
        "payment_method": payment_method,
        "payment_method_options": {"amazon_pay": {"capture_method": None, "setup_future_usage": None}},
        "payment_method_types": ["amazon_pay"],
        "setup_future_usage": None,
        "status": "requires_confirmation" if payment_method else "requires_payment_method",
    })
    actor.store.insert(pi)
    events.emit(actor, "payment_intent.created", pi, created=now)
    return pi


def _charge(actor: Any, pi: dict[str, Any], pm: dict[str, Any] | None, decline: Decline | None, now: int) -> dict[str, Any]:
    ok = decline is None
    outcome = {
        "advice_code": None, "network_advice_code": None, "network_decline_code": None,
        "network_status": "approved_by_network" if ok else "not_sent_to_network",
        "reason": None if ok else "mandate_invalid",
        "risk_level": "normal", "risk_score": None, "rule": None,
        "seller_message": "Payment complete." if ok else decline["message"],
        "type": "authorized" if ok else "invalid",
    }
    charge = shape("charge", {
        "id": new_id("ch", 24),
        "object": "charge",
        "amount": pi["amount"],
        "amount_captured": pi["amount"] if ok else 0,
        "amount_refunded": 0,
        "billing_details": (pm or {}).get("billing_details"),
        "calculated_statement_descriptor": "SANDBOX",
        "captured": ok,
        "created": now,
        "currency": pi["currency"],
        "customer": pi["customer"],
        "description": pi["description"],
        "disputed": False,
        "failure_code": None if ok else decline["code"],
        "failure_message": None if ok else decline["message"],
        "fraud_details": {},
        "livemode": False,
        "metadata": {},
        "outcome": outcome,
        "paid": ok,
        "payment_intent": pi["id"],
        "payment_method": pi["payment_method"],
        "payment_method_details": {
            "amazon_pay": {
                "funding": None,
                "transaction_id": f"P01-{secrets.randbelow(10**7):07d}-{secrets.randbelow(10**7):07d}-C{secrets.randbelow(10**6):06d}" if ok else None,
            },
            "type": "amazon_pay",
        },
        "refunded": False,
        "status": "succeeded" if ok else "failed",
    })
    actor.store.insert(charge)
    return charge


def confirm_off_session(actor: Any, pi: dict[str, Any], now: int) -> Decline | None:
    """Charge ``pi`` off-session against its PaymentMethod's mandate; None when it succeeded."""
    decline = decline_reason(actor.store, pi["customer"], pi["payment_method"])
    pm = actor.store.find(pi["payment_method"]) if pi["payment_method"] else None
    return record_attempt(actor, pi, pm, decline, now)


def record_attempt(actor: Any, pi: dict[str, Any], pm: dict[str, Any] | None, decline: Decline | None,
                   now: int) -> Decline | None:
    """The outcome of charging ``pi`` with ``pm``: a Charge (unless there was nothing to charge),
    the intent succeeded or back to ``requires_payment_method``, and their events."""
    if pm is None and decline is not None:  # nothing to charge: no Charge, the intent waits
        pi.update({"status": "requires_payment_method", "last_payment_error": _error(decline, pi, None)})
        actor.store.save(pi)
        events.emit(actor, "payment_intent.payment_failed", pi, created=now)
        return decline
    charge = _charge(actor, pi, pm, decline, now)
    pi["latest_charge"] = charge["id"]
    if decline is None:
        pi.update({"status": "succeeded", "amount_received": pi["amount"], "last_payment_error": None})
        actor.store.save(pi)
        events.emit(actor, "payment_intent.succeeded", pi, created=now)
        events.emit(actor, "charge.succeeded", charge, created=now)
        return None
    pi.update({"status": "requires_payment_method", "last_payment_error": _error(decline, pi, pm, charge["id"])})
    actor.store.save(pi)
    events.emit(actor, "payment_intent.payment_failed", pi, created=now)
    events.emit(actor, "charge.failed", charge, created=now)
    return decline


def authentication_failed(actor: Any, pi: dict[str, Any], message: str, now: int) -> None:
    """The customer did not authorize a redirect payment: no Charge; the intent waits for another
    payment method, with Stripe's ``payment_intent_authentication_failure``."""
    pm = actor.store.find(pi["payment_method"]) if pi["payment_method"] else None
    error = _error(Decline(code=AUTHENTICATION_FAILURE, message=message), pi, pm)
    error["type"] = "invalid_request_error"
    pi.update({"status": "requires_payment_method", "next_action": None, "payment_method": None,
               "last_payment_error": error})
    actor.store.save(pi)
    events.emit(actor, "payment_intent.payment_failed", pi, created=now)


def _error(decline: Decline, pi: dict[str, Any], pm: dict[str, Any] | None, charge: str | None = None) -> dict[str, Any]:
    return {
        "advice_code": None,
        "charge": charge,
        "code": decline["code"],
        "decline_code": None,
        "doc_url": "https://stripe.com/docs/error-codes/" + decline["code"].replace("_", "-"),
        "message": decline["message"],
        "network_advice_code": None,
        "network_decline_code": None,
        "param": None,
        "payment_method": events.public(pm) if pm else None,
        "payment_method_type": "amazon_pay",
        "type": "card_error",
    }


def payment_error(decline: Decline, *, keep_state: bool, **extra: Any) -> StripeError:
    """The 402 Stripe answers when a payment the request asked for fails."""
    return StripeError(
        decline["message"], status=402, type="card_error", code=decline["code"], keep_state=keep_state, **extra
    )


def cancel(actor: Any, pi: dict[str, Any], reason: str, now: int) -> None:
    if pi["status"] in ("succeeded", "canceled"):
        return
    pi.update({"status": "canceled", "canceled_at": now, "cancellation_reason": reason})
    actor.store.save(pi)
    events.emit(actor, "payment_intent.canceled", pi, created=now)


# --------------------------------------------------------------------------- routes

@api.route("GET", "/v1/payment_intents/{id}", "PaymentIntentRetrieveParams", publishable=True)
def retrieve_payment_intent(req: ApiRequest) -> dict[str, Any]:
    pi = req.store.get("payment_intent", req.args["id"])
    if req.publishable and req.params.get("client_secret") != pi["client_secret"]:
        raise StripeError(
            "The client_secret provided does not match the client_secret associated with the PaymentIntent.",
            code="payment_intent_invalid_parameter", param="client_secret",
        )
    return pi


@api.route("GET", "/v1/payment_intents", "PaymentIntentListParams")
def list_payment_intents(req: ApiRequest) -> dict[str, Any]:
    where = {"customer": req.params["customer"]} if "customer" in req.params else {}
    return req.list_of("payment_intent", where, accept=created_filter(req))


@api.route("GET", "/v1/charges/{id}", "ChargeRetrieveParams")
def retrieve_charge(req: ApiRequest) -> dict[str, Any]:
    return req.store.get("charge", req.args["id"])


@api.route("GET", "/v1/charges", "ChargeListParams")
def list_charges(req: ApiRequest) -> dict[str, Any]:
    where = {k: req.params[k] for k in ("customer", "payment_intent") if k in req.params}
    return req.list_of("charge", where, accept=created_filter(req))
