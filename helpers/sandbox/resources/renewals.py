"""What happens to subscriptions while a test clock moves: renewals, trial ends (and the notice
three days before), scheduled cancellations and incomplete subscriptions expiring, each at its own
moment, in time order.

A renewal happens in two moments, as at Stripe ("When subscriptions renew, Stripe: creates an
invoice; leaves the invoice in a draft state for about an hour; attempts to finalize and pay the
invoice", docs.stripe.com/billing/invoices/subscription). At the period's end the items move on
(``customer.subscription.updated``) and the period's invoice is made as a draft
(``invoice.created``, ``auto_advance`` true, ``automatically_finalizes_at`` an hour on); an hour
of clock time later it is finalized and charged (``invoice.finalized``, then ``invoice.paid`` or
``invoice.payment_failed`` with the subscription ``past_due``)."""

from __future__ import annotations

import copy
from typing import Any

from ..api.context import Actor
from ..shared.ids import new_id
from ..state.account_store import AccountStore
from . import events, invoices, subscriptions
from .periods import TRIAL_NOTICE, period_end, two_years

INCOMPLETE_EXPIRES = 23 * 3600
BILLING = ("active", "past_due", "trialing")
DRAFT_SECONDS = 3600  # a renewal invoice's hour in draft (the account's default grace period)


def on_clock(store: AccountStore, clock_id: str) -> list[dict[str, Any]]:
    subs = []
    for customer in store.query("customer", {"test_clock": clock_id}):
        subs += store.query("subscription", {"customer": customer["id"]})
    return subs


def due_at(sub: dict[str, Any]) -> int | None:
    """When the subscription next needs the clock's attention (None: never)."""
    if sub["status"] == "incomplete":
        return sub["created"] + INCOMPLETE_EXPIRES
    if sub["status"] not in BILLING:
        return None
    if (notice := trial_notice_at(sub)) is not None:
        return notice
    end = sub["items"]["data"][0]["current_period_end"]
    return min(end, sub["cancel_at"]) if sub["cancel_at"] else end


def trial_notice_at(sub: dict[str, Any]) -> int | None:
    """When ``customer.subscription.trial_will_end`` is due (None: not trialing, or sent)."""
    if sub["status"] != "trialing" or sub.get("_trial_notice_sent") or not sub["trial_end"]:
        return None
    return max(sub["trial_end"] - TRIAL_NOTICE, sub["created"])


def furthest(store: AccountStore, clock: dict[str, Any]) -> tuple[int, str]:
    """How far the clock may move: two intervals of its shortest subscription, else two years."""
    frozen = clock["frozen_time"]
    limits = []
    for sub in on_clock(store, clock["id"]):
        if sub["status"] in BILLING or sub["status"] == "incomplete":
            recurring = sub["items"]["data"][0]["price"]["recurring"]
            limit = period_end(frozen, recurring, 2)
            limits.append((limit, f"two intervals of its shortest subscription ({sub['id']}, every "
                                  f"{recurring['interval_count']} {recurring['interval']})"))
    if not limits:
        return two_years(frozen), "two years, as it has no subscriptions"
    return min(limits)


def drafts_due(store: AccountStore, clock_id: str) -> list[tuple[int, str]]:
    """(when, invoice ID) of the clock's draft invoices that finalize on their own."""
    return [(invoice["automatically_finalizes_at"], invoice["id"])
            for invoice in store.query("invoice", {"test_clock": clock_id, "status": "draft"})
            if invoice["auto_advance"] and invoice.get("automatically_finalizes_at")]


def run_until(store: AccountStore, account_version: str, clock_id: str, until: int) -> None:
    """Process every due moment up to ``until``, earliest first; each acts at its own time, in a
    transaction of its own (an API request waits for one step at most, never for the advance).
    At the same second a draft's hour ends before a new period begins."""
    while True:
        with store.transaction():
            due = [(at, "invoice", invoice_id) for at, invoice_id in drafts_due(store, clock_id) if at <= until]
            due += [(at, "subscription", sub["id"]) for sub in on_clock(store, clock_id)
                    if (at := due_at(sub)) is not None and at <= until]
            if not due:
                return
            at, kind, object_id = min(due)
            actor = Actor(store, account_version, clock=at)
            if kind == "invoice":
                finalize_draft(actor, store.get("invoice", object_id), at)
            else:
                step(actor, store.get("subscription", object_id), at)


def step(actor: Actor, sub: dict[str, Any], now: int) -> None:
    if sub["status"] == "incomplete":
        expire(actor, sub, now)
    elif trial_notice_at(sub) is not None:
        notify_trial_end(actor, sub, now)
    elif sub["cancel_at"] and sub["cancel_at"] <= now:
        subscriptions.cancel_now(actor, sub, now)
    else:
        renew(actor, sub, now)


def expire(actor: Actor, sub: dict[str, Any], now: int) -> None:
    """Unpaid 23 hours after creation: incomplete_expired, its first invoice voided."""
    before = copy.deepcopy(sub)
    sub.update({"status": "incomplete_expired", "ended_at": now})
    subscriptions.save_with_event(actor, sub, before, now)
    invoice = actor.store.find(sub["latest_invoice"])
    if invoice and invoice["status"] == "open":
        invoices.void(actor, invoice, now)


def notify_trial_end(actor: Actor, sub: dict[str, Any], now: int) -> None:
    """Three days before the trial ends (at once, for a shorter trial): tell the merchant."""
    sub["_trial_notice_sent"] = True
    actor.store.save(sub)
    events.emit(actor, "customer.subscription.trial_will_end", sub, created=now)


def renew(actor: Actor, sub: dict[str, Any], now: int) -> None:
    """A new period (or the trial's end): the items move on, and the period just ended is
    invoiced as a draft that :func:`finalize_draft` finalizes and charges an hour later."""
    store = actor.store
    customer = store.get("customer", sub["customer"])
    before = copy.deepcopy(sub)
    first = sub["items"]["data"][0]
    previous = (first["current_period_start"], first["current_period_end"])
    sub["_period"] += 1
    for item in sub["items"]["data"]:
        item["current_period_start"] = item["current_period_end"]
        item["current_period_end"] = period_end(sub["billing_cycle_anchor"], item["price"]["recurring"], sub["_period"])
    invoice_id = new_id("in", 24)
    sub["latest_invoice"] = invoice_id
    if sub["status"] == "trialing":  # the trial ends: the subscription is active, its first charge an hour away
        sub["status"] = "active"
    subscriptions.save_with_event(actor, sub, before, now)
    invoice = subscriptions.draft_invoice(actor, sub, customer, invoice_id=invoice_id, reason="subscription_cycle",
                                          period=previous, now=now)
    invoice["automatically_finalizes_at"] = now + DRAFT_SECONDS
    store.save(invoice)


def finalize_draft(actor: Actor, invoice: dict[str, Any], now: int) -> None:
    """A renewal's hour in draft is over: finalize the invoice and charge the subscription's
    PaymentMethod off-session; a failed charge makes the subscription ``past_due`` (Amazon Pay is
    not retried: the invoice stays ``open``, ``next_payment_attempt`` null). A draft whose
    subscription has ended is left a draft and stops advancing: nothing is charged after a cancel
    (``subscriptions.cancel_now`` stops such drafts; this covers one saved before it did)."""
    store = actor.store
    sub = store.get("subscription", invoice["_subscription"])
    invoice["automatically_finalizes_at"] = None
    if sub["status"] in ("canceled", "incomplete_expired"):  # never charged after a cancel
        invoice["auto_advance"] = False
        store.save(invoice)
        return
    invoices.finalize(actor, invoice, now)
    if invoice["status"] != "open":  # nothing to pay
        return
    decline = invoices.collect(actor, invoice, subscriptions.payment_method_of(store, sub), now)
    if decline is not None and sub["status"] in ("active", "trialing"):
        before = copy.deepcopy(sub)
        sub["status"] = "past_due"
        subscriptions.save_with_event(actor, sub, before, now)
