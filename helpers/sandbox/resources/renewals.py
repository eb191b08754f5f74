"""What happens to subscriptions while a test clock moves: renewals, trial ends, scheduled
cancellations and incomplete subscriptions expiring, each at its own moment, in time order."""

from __future__ import annotations

import copy
from typing import Any

from ..api.context import Actor
from ..shared.ids import new_id
from ..state.account_store import AccountStore
from . import invoices, payments, subscriptions
from .periods import period_end, two_years

INCOMPLETE_EXPIRES = 23 * 3600
BILLING = ("active", "past_due", "trialing")


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
    end = sub["items"]["data"][0]["current_period_end"]
    return min(end, sub["cancel_at"]) if sub["cancel_at"] else end


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


def run_until(store: AccountStore, account_version: str, clock_id: str, until: int) -> None:
    """Process every due moment up to ``until``, earliest first; each acts at its own time, in a
    transaction of its own (an API request waits for one step at most, never for the advance)."""
    while True:
        with store.transaction():
            due = [(at, sub["id"]) for sub in on_clock(store, clock_id)
                   if (at := due_at(sub)) is not None and at <= until]
            if not due:
                return
            at, sub_id = min(due)
            step(Actor(store, account_version, clock=at), store.get("subscription", sub_id), at)


def step(actor: Actor, sub: dict[str, Any], now: int) -> None:
    if sub["status"] == "incomplete":
        expire(actor, sub, now)
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


def renew(actor: Actor, sub: dict[str, Any], now: int) -> None:
    """A new period (or the trial's end): move the items on, invoice and charge it."""
    store = actor.store
    customer = store.get("customer", sub["customer"])
    before = copy.deepcopy(sub)
    first = sub["items"]["data"][0]
    previous = (first["current_period_start"], first["current_period_end"])
    sub["_period"] += 1
    for item in sub["items"]["data"]:
        item["current_period_start"] = item["current_period_end"]
        item["current_period_end"] = period_end(sub["billing_cycle_anchor"], item["price"]["recurring"], sub["_period"])
    pm_id = subscriptions.payment_method_of(store, sub)
    total = subscriptions.amount_of(sub)
    decline = payments.decline_reason(store, customer["id"], pm_id) if total else None
    invoice_id = new_id("in", 24)
    sub.update({"status": "past_due" if decline else "active", "latest_invoice": invoice_id})
    subscriptions.save_with_event(actor, sub, before, now)
    invoice = subscriptions.bill(actor, sub, customer, invoice_id=invoice_id, reason="subscription_cycle",
                                 period=previous, now=now)
    if invoice["status"] == "open":
        invoices.collect(actor, invoice, pm_id, now)
