"""Paying an open invoice on its hosted invoice page (``hosted_invoice_url``) with Amazon Pay.

The customer clicks "Pay with Amazon Pay"; the invoice's PaymentIntent gets a new ``amazon_pay``
PaymentMethod and waits in ``requires_action`` while the customer decides on the same hosted
authorization page a SetupIntent uses; back on the invoice page, the invoice is paid (or the
intent waits for another try). This is the way back after a renewal that could not be charged
(Stripe does not retry Amazon Pay renewals on its own). When the subscription has
``payment_settings[save_default_payment_method]=on_subscription`` ("Configure whether Stripe
updates `subscription.default_payment_method` when payment succeeds", stripe-python), the new
PaymentMethod is attached, gets a mandate and becomes the subscription's default.
"""

from __future__ import annotations

import copy
import dataclasses
import urllib.parse
from typing import Any

from ..api.context import SITE, Actor
from . import events, invoices, payment_methods, payments, subscriptions
from .customers import clock_time

AUTH_FAILED = "The customer did not authorize this Amazon Pay payment on the authorization page."


def payable(invoice: dict[str, Any]) -> bool:
    return invoice["status"] == "open" and invoice["amount_remaining"] > 0


def _on_clock(actor: Actor, invoice: dict[str, Any]) -> tuple[Actor, int]:
    """The actor at the invoice's customer's time (a test clock's frozen time, if any)."""
    now = clock_time(actor, actor.store.find(invoice["customer"]))
    return dataclasses.replace(actor, clock=now), now


def start(actor: Actor, invoice: dict[str, Any]) -> str:
    """The customer chose Amazon Pay: the URL of the authorization page to send them to."""
    actor, now = _on_clock(actor, invoice)
    customer = actor.store.get("customer", invoice["customer"])
    pm = payment_methods.new_payment_method(actor, {
        "type": "amazon_pay", "billing_details": {"email": customer.get("email"), "name": customer.get("name")},
    }, "payment_method_data")
    pi = invoices.payment_intent_for(actor, invoice, pm["id"], now)
    pi.update({"status": "requires_action", "next_action": {
        "type": "redirect_to_url",
        "redirect_to_url": {
            "url": f"{SITE.base_url}/pm-redirects/authorize/{pi['id']}",
            "return_url": invoice["hosted_invoice_url"],
        },
    }})
    actor.store.save(pi)
    events.emit(actor, "payment_intent.requires_action", pi, created=now)
    return pi["next_action"]["redirect_to_url"]["url"]


def payment_for_page(store: Any, pi_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The PaymentIntent and its invoice while the authorization page may still decide it."""
    pi = store.find(pi_id)
    if not pi or pi.get("object") != "payment_intent" or pi["status"] != "requires_action":
        return None
    found = store.query("invoice", {"_payment_intent": pi_id}, limit=1)
    return (pi, found[0]) if found and payable(found[0]) else None


def authorize(actor: Actor, pi: dict[str, Any], invoice: dict[str, Any], client_ip: str, user_agent: str) -> str:
    """The customer authorized: the charge succeeds and the invoice is paid."""
    actor, now = _on_clock(actor, invoice)
    pm = actor.store.get("payment_method", pi["payment_method"])
    pi["next_action"] = None
    payments.record_attempt(actor, pi, pm, None, now)
    invoices.settle(actor, invoice, pi, None, now)
    _save_for_subscription(actor, invoice, pm, client_ip, user_agent, now)
    return _return_to(invoice, pi, "succeeded")


def fail(actor: Actor, pi: dict[str, Any], invoice: dict[str, Any]) -> str:
    """The customer declined: the intent waits for another payment method; the invoice stays open."""
    actor, now = _on_clock(actor, invoice)
    payments.authentication_failed(actor, pi, AUTH_FAILED, now)
    return _return_to(invoice, pi, "failed")


def _save_for_subscription(
    actor: Actor, invoice: dict[str, Any], pm: dict[str, Any], client_ip: str, user_agent: str, now: int
) -> None:
    sub = actor.store.find(invoice.get("_subscription") or "")
    if not sub or (sub.get("payment_settings") or {}).get("save_default_payment_method") != "on_subscription":
        return
    payment_methods.attach(actor, pm, invoice["customer"])
    payment_methods.new_mandate(actor, pm, {
        "accepted_at": now, "offline": None, "type": "online",
        "online": {"ip_address": client_ip, "user_agent": user_agent},
    })
    before = copy.deepcopy(sub)
    sub["default_payment_method"] = pm["id"]
    subscriptions.save_with_event(actor, sub, before, now)


def _return_to(invoice: dict[str, Any], pi: dict[str, Any], redirect_status: str) -> str:
    query = urllib.parse.urlencode({"payment_intent": pi["id"], "redirect_status": redirect_status})
    return f"{invoice['hosted_invoice_url']}?{query}"
