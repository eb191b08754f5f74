"""Test clocks in the sandbox: renewals, a failed renewal, a trial's end, limits, deletion."""

from __future__ import annotations

import time

import pytest
import stripe

from helpers.sandbox.api import versions
from helpers.sandbox.resources import test_clocks
from helpers.sandbox.state.room import Room
from support.stripe_objects import (
    HOUR,
    JAN_31,
    account_store,
    advance,
    authorized_customer,
    check_shape,
    error_of,
    monthly_price,
    new_clock,
    subscribe,
    ts,
)
from support.waiting import PATIENCE


def cycle_invoices(client, sub_id: str) -> list[stripe.Invoice]:
    invoices = client.v1.invoices.list(params={"subscription": sub_id, "limit": 100}).data
    return [i for i in reversed(invoices) if i.billing_reason == "subscription_cycle"]


def test_three_renewals_then_a_failed_one(client):
    clock = new_clock(client)
    customer, si = authorized_customer(client, test_clock=clock.id)
    price = monthly_price(client)
    sub = subscribe(client, customer.id, price.id, si.payment_method)
    assert sub.status == "active" and sub.test_clock == clock.id and sub.created == JAN_31
    item = sub["items"].data[0]
    assert (item.current_period_start, item.current_period_end) == (JAN_31, ts(2026, 2, 28))

    for frozen in (ts(2026, 2, 28), ts(2026, 3, 31), ts(2026, 4, 30)):
        clock = advance(client, clock, frozen + HOUR)  # each renewal's hour in draft is over
        assert clock.frozen_time == frozen + HOUR
    sub = client.v1.subscriptions.retrieve(sub.id)
    item = sub["items"].data[0]
    assert sub.status == "active"
    assert (item.current_period_start, item.current_period_end) == (ts(2026, 4, 30), ts(2026, 5, 31))
    renewals = cycle_invoices(client, sub.id)
    assert [i.status for i in renewals] == ["paid"] * 3
    assert [i.created for i in renewals] == [ts(2026, 2, 28), ts(2026, 3, 31), ts(2026, 4, 30)]
    assert [i.number for i in renewals] == [f"{customer.invoice_prefix}-000{n}" for n in (2, 3, 4)]
    assert [i.lines.data[0].period.start for i in renewals] == [ts(2026, 2, 28), ts(2026, 3, 31), ts(2026, 4, 30)]
    assert sub.latest_invoice == renewals[-1].id
    for invoice in renewals:
        check_shape(invoice)
    updates = client.v1.events.list(params={"type": "customer.subscription.updated", "limit": 10}).data
    ours = [e for e in updates if e.data.object.id == sub.id]
    assert len(ours) == 3 and ours[0].created == ts(2026, 4, 30)
    previous = ours[0].data.previous_attributes
    assert previous["items"]["data"][0]["current_period_end"] == ts(2026, 4, 30)

    client.v1.payment_methods.detach(si.payment_method)
    # Detaching takes the PaymentMethod off the subscription too: the renewal has nothing to charge.
    assert client.v1.subscriptions.retrieve(sub.id).default_payment_method is None
    advance(client, clock, ts(2026, 5, 31) + HOUR)
    sub = client.v1.subscriptions.retrieve(sub.id)
    assert sub.status == "past_due"
    failed = client.v1.invoices.retrieve(sub.latest_invoice)
    assert (failed.status, failed.attempt_count, failed.billing_reason) == ("open", 1, "subscription_cycle")
    failures = client.v1.events.list(params={"type": "invoice.payment_failed", "limit": 5}).data
    assert failures[0].data.object.id == failed.id and failures[0].created == ts(2026, 5, 31) + HOUR
    charges = client.v1.charges.list(params={"customer": customer.id, "limit": 100}).data
    assert charges and all(c.status == "succeeded" for c in charges)  # no PaymentMethod: no Charge


def events_of(client, object_ids: set[str], since: int) -> list[tuple[str, int]]:
    """(type, created) of the events about ``object_ids`` at or after ``since``, oldest first."""
    found = client.v1.events.list(params={"limit": 100}).data
    return [(e.type, e.created) for e in reversed(found)
            if e.data.object.id in object_ids and e.created >= since]


def test_a_renewal_waits_an_hour_in_draft_then_is_finalized_and_paid(client):
    """Issue 19, item 3: "When subscriptions renew, Stripe: creates an invoice; leaves the invoice in
    a draft state for about an hour; attempts to finalize and pay the invoice"
    (docs.stripe.com/billing/invoices/subscription), in the clock's time."""
    clock = new_clock(client)
    customer, si = authorized_customer(client, test_clock=clock.id)
    sub = subscribe(client, customer.id, monthly_price(client).id, si.payment_method)
    end = ts(2026, 2, 28)

    advance(client, clock, end)  # the period's end: a new period, its invoice a draft
    sub = client.v1.subscriptions.retrieve(sub.id)
    assert sub.status == "active" and sub["items"].data[0].current_period_start == end
    draft = client.v1.invoices.retrieve(sub.latest_invoice)
    assert (draft.status, draft.billing_reason, draft.created) == ("draft", "subscription_cycle", end)
    assert (draft.auto_advance, draft.automatically_finalizes_at) == (True, end + HOUR)
    assert (draft.number, draft.hosted_invoice_url, draft.amount_paid, draft.attempt_count) == (None, None, 0, 0)
    assert draft.status_transitions.finalized_at is None
    check_shape(draft)
    assert events_of(client, {sub.id, draft.id}, end) == [
        ("customer.subscription.updated", end), ("invoice.created", end)]

    advance(client, clock, end + HOUR - 1)  # a second before the hour is over: still a draft
    assert client.v1.invoices.retrieve(draft.id).status == "draft"

    advance(client, clock, end + HOUR)
    paid = client.v1.invoices.retrieve(draft.id)
    assert (paid.status, paid.amount_paid, paid.automatically_finalizes_at) == ("paid", 1500, None)
    assert paid.status_transitions.finalized_at == paid.status_transitions.paid_at == end + HOUR
    assert paid.number == f"{customer.invoice_prefix}-0002"
    after = [t for t, _ in events_of(client, {draft.id}, end + HOUR)]
    assert after[0] == "invoice.finalized" and "invoice.paid" in after and "invoice.payment_failed" not in after
    assert all(created == end + HOUR for _, created in events_of(client, {draft.id}, end + HOUR))
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"


def test_a_renewal_that_cannot_be_charged_goes_past_due_at_the_end_of_its_hour(client):
    clock = new_clock(client)
    customer, si = authorized_customer(client, test_clock=clock.id)
    sub = subscribe(client, customer.id, monthly_price(client).id, si.payment_method)
    client.v1.payment_methods.detach(si.payment_method)
    end = ts(2026, 2, 28)
    advance(client, clock, end)
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"  # not charged yet
    assert client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice).status == "draft"
    advance(client, clock, end + HOUR)
    sub = client.v1.subscriptions.retrieve(sub.id)
    failed = client.v1.invoices.retrieve(sub.latest_invoice)
    assert sub.status == "past_due"
    assert (failed.status, failed.attempt_count, failed.next_payment_attempt) == ("open", 1, None)
    kinds = events_of(client, {sub.id, failed.id}, end + HOUR)
    assert ("invoice.finalized", end + HOUR) in kinds and ("invoice.payment_failed", end + HOUR) in kinds
    assert kinds[-1] == ("customer.subscription.updated", end + HOUR)  # active → past_due
    update = client.v1.events.list(params={"type": "customer.subscription.updated", "limit": 1}).data[0]
    assert update.data.previous_attributes["status"] == "active" and update.data.object.status == "past_due"


def test_trial_ends_into_a_paid_invoice(client):
    clock = new_clock(client, ts(2026, 3, 1))
    customer, si = authorized_customer(client, test_clock=clock.id)
    price = monthly_price(client)
    sub = subscribe(client, customer.id, price.id, si.payment_method, trial_period_days=14)
    assert sub.status == "trialing" and sub.trial_end == ts(2026, 3, 15)
    first = client.v1.invoices.retrieve(sub.latest_invoice)
    assert (first.status, first.total, first.billing_reason) == ("paid", 0, "subscription_create")
    assert first.lines.data[0].description.startswith("Trial period for")

    advance(client, clock, ts(2026, 3, 16))
    sub = client.v1.subscriptions.retrieve(sub.id)
    assert sub.status == "active" and sub.billing_cycle_anchor == ts(2026, 3, 15)
    item = sub["items"].data[0]
    assert (item.current_period_start, item.current_period_end) == (ts(2026, 3, 15), ts(2026, 4, 15))
    invoice = client.v1.invoices.retrieve(sub.latest_invoice)
    assert (invoice.status, invoice.amount_paid, invoice.created) == ("paid", 1500, ts(2026, 3, 15))


def trial_notices(client, sub_id: str) -> list[stripe.Event]:
    found = client.v1.events.list(params={"type": "customer.subscription.trial_will_end", "limit": 10}).data
    return [e for e in found if e.data.object.id == sub_id]


def test_trial_will_end_comes_three_days_before_the_trial_ends(client):
    clock = new_clock(client, ts(2026, 3, 1))
    customer, si = authorized_customer(client, test_clock=clock.id)
    sub = subscribe(client, customer.id, monthly_price(client).id, si.payment_method, trial_period_days=14)
    advance(client, clock, ts(2026, 3, 11))
    assert trial_notices(client, sub.id) == []  # four days left
    advance(client, clock, ts(2026, 3, 12) + 3600)
    notices = trial_notices(client, sub.id)
    assert [(e.created, e.data.object.status) for e in notices] == [(ts(2026, 3, 12), "trialing")]
    assert "_trial_notice_sent" not in notices[0].data.object.to_dict()
    advance(client, clock, ts(2026, 3, 16))
    assert len(trial_notices(client, sub.id)) == 1  # once
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"


def test_a_trial_shorter_than_three_days_is_noticed_at_once(client):
    clock = new_clock(client, ts(2026, 3, 1))
    customer, si = authorized_customer(client, test_clock=clock.id)
    sub = subscribe(client, customer.id, monthly_price(client).id, si.payment_method, trial_period_days=2)
    assert [e.created for e in trial_notices(client, sub.id)] == [ts(2026, 3, 1)]
    advance(client, clock, ts(2026, 3, 4))
    assert len(trial_notices(client, sub.id)) == 1


def test_advance_limits(client):
    clock = new_clock(client)
    with pytest.raises(stripe.InvalidRequestError, match="after the test clock's current frozen time"):
        client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": JAN_31 - 60})
    with pytest.raises(stripe.InvalidRequestError, match="two years"):
        client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": ts(2028, 2, 1)})
    customer, si = authorized_customer(client, test_clock=clock.id)
    subscribe(client, customer.id, monthly_price(client).id, si.payment_method)
    with pytest.raises(stripe.InvalidRequestError, match="two intervals") as err:
        client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": ts(2026, 4, 1)})
    assert err.value.param == "frozen_time"
    assert advance(client, clock, ts(2026, 3, 31)).frozen_time == ts(2026, 3, 31)
    types = [e.type for e in client.v1.events.list(params={"type": "test_helpers.test_clock.*", "limit": 3}).data]
    assert types == ["test_helpers.test_clock.ready", "test_helpers.test_clock.advancing",
                     "test_helpers.test_clock.created"]


def test_delete_clock_deletes_its_customers(client):
    clock = new_clock(client)
    customer, si = authorized_customer(client, test_clock=clock.id)
    sub = subscribe(client, customer.id, monthly_price(client).id, si.payment_method)
    assert clock.id in [c.id for c in client.v1.test_helpers.test_clocks.list(params={"limit": 100}).data]
    gone = client.v1.test_helpers.test_clocks.delete(clock.id)
    assert gone.deleted is True
    for retrieve, object_id in (
        (client.v1.test_helpers.test_clocks.retrieve, clock.id),
        (client.v1.customers.retrieve, customer.id),
        (client.v1.subscriptions.retrieve, sub.id),
        (client.v1.invoices.retrieve, sub.latest_invoice),
    ):
        with pytest.raises(stripe.InvalidRequestError) as err:
            retrieve(object_id)
        assert err.value.http_status == 404


def test_events_of_a_clock_customer_happen_on_the_clock(client):
    clock = new_clock(client, ts(2026, 3, 1))
    customer, si = authorized_customer(client, test_clock=clock.id)
    for event_type in ("customer.created", "setup_intent.created", "setup_intent.succeeded",
                       "payment_method.attached"):
        events = client.v1.events.list(params={"type": event_type, "limit": 20}).data
        mine = [e for e in events if customer.id in (e.data.object.id, getattr(e.data.object, "customer", None))]
        assert mine and all(e.created == ts(2026, 3, 1) for e in mine), event_type


def test_advance_answers_advancing_then_the_worker_makes_it_ready(in_process_sandbox):
    store, session = in_process_sandbox
    frozen = int(time.time())
    clock = session.post("/v1/test_helpers/test_clocks", data={"frozen_time": frozen}).json()
    started = session.post(f"/v1/test_helpers/test_clocks/{clock['id']}/advance", data={"frozen_time": frozen + 86400})
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "advancing"
    assert started.json()["status_details"] == {"advancing": {"target_frozen_time": frozen + 86400}}
    assert started.json()["frozen_time"] == frozen
    again = session.post(f"/v1/test_helpers/test_clocks/{clock['id']}/advance", data={"frozen_time": frozen + 2 * 86400})
    assert again.status_code == 400
    assert "currently advancing" in error_of(again)["message"]
    deleting = session.delete(f"/v1/test_helpers/test_clocks/{clock['id']}")
    assert deleting.status_code == 400
    assert session.get(f"/v1/test_helpers/test_clocks/{clock['id']}").json()["status"] == "advancing"

    worker = test_clocks.Worker(Room(store.db), versions.LATEST)
    worker.start()
    try:
        deadline = time.monotonic() + PATIENCE
        while (found := session.get(f"/v1/test_helpers/test_clocks/{clock['id']}").json())["status"] == "advancing":
            assert time.monotonic() < deadline, "the worker never finished the advance"
            time.sleep(0.02)
    finally:
        worker.stopping.set()
    assert (found["status"], found["frozen_time"], found["status_details"]) == ("ready", frozen + 86400, {})
    events = session.get("/v1/events", params={"type": "test_helpers.test_clock.*"}).json()["data"]
    assert [e["type"] for e in events] == [
        "test_helpers.test_clock.ready", "test_helpers.test_clock.advancing", "test_helpers.test_clock.created",
    ]
    assert session.delete(f"/v1/test_helpers/test_clocks/{clock['id']}").status_code == 200


def test_a_failed_simulation_ends_internal_failure(in_process_sandbox, monkeypatch):
    store, session = in_process_sandbox
    frozen = int(time.time())
    clock = session.post("/v1/test_helpers/test_clocks", data={"frozen_time": frozen}).json()
    session.post(f"/v1/test_helpers/test_clocks/{clock['id']}/advance", data={"frozen_time": frozen + 60})

    def broken(*args, **kwargs):
        raise RuntimeError("simulated sandbox bug")

    monkeypatch.setattr(test_clocks.renewals, "run_until", broken)
    test_clocks.finish_advance(store, versions.LATEST, clock["id"])
    found = session.get(f"/v1/test_helpers/test_clocks/{clock['id']}").json()
    assert (found["status"], found["frozen_time"]) == ("internal_failure", frozen)


def renewal_in_its_hour(client):
    """A monthly subscription on a clock advanced to its period's end: the renewal is a draft."""
    clock = new_clock(client)
    customer, si = authorized_customer(client, test_clock=clock.id)
    sub = subscribe(client, customer.id, monthly_price(client).id, si.payment_method)
    end = ts(2026, 2, 28)
    advance(client, clock, end)
    return clock, customer, sub, end, client.v1.subscriptions.retrieve(sub.id).latest_invoice


def test_a_subscription_canceled_during_its_renewal_hour_is_not_charged(client):
    """A cancel "won't charge the customer again for the subscription"
    (docs.stripe.com/api/subscriptions/cancel): the renewal draft made before the cancel stops
    advancing (what Stripe does with such a draft is unverified; the sandbox never charges it)."""
    clock, customer, sub, end, draft_id = renewal_in_its_hour(client)
    assert client.v1.invoices.retrieve(draft_id).auto_advance is True

    canceled = client.v1.subscriptions.cancel(sub.id)
    assert canceled.status == "canceled"
    draft = client.v1.invoices.retrieve(draft_id)
    assert (draft.status, draft.auto_advance, draft.automatically_finalizes_at) == ("draft", False, None)
    update = client.v1.events.list(params={"type": "invoice.updated", "limit": 1}).data[0]
    assert update.data.object.id == draft_id and update.data.previous_attributes["auto_advance"] is True

    advance(client, clock, end + 2 * HOUR)
    draft = client.v1.invoices.retrieve(draft_id)
    assert (draft.status, draft.amount_paid, draft.attempt_count) == ("draft", 0, 0)
    assert not [t for t, _ in events_of(client, {draft_id}, end + HOUR)]
    charges = client.v1.charges.list(params={"customer": customer.id, "limit": 100}).data
    assert len(charges) == 1  # the first invoice's only


def test_canceling_a_past_due_subscription_stops_collecting_its_open_invoice(client):
    """"Stripe stops automatic collection of all finalized invoices" on a cancel
    (docs.stripe.com/api/subscriptions/cancel): the open renewal invoice's auto_advance is false."""
    clock = new_clock(client)
    customer, si = authorized_customer(client, test_clock=clock.id)
    sub = subscribe(client, customer.id, monthly_price(client).id, si.payment_method)
    client.v1.payment_methods.detach(si.payment_method)
    advance(client, clock, ts(2026, 2, 28) + HOUR)
    sub = client.v1.subscriptions.retrieve(sub.id)
    assert sub.status == "past_due"
    assert client.v1.invoices.retrieve(sub.latest_invoice).auto_advance is True
    client.v1.subscriptions.cancel(sub.id)
    failed = client.v1.invoices.retrieve(sub.latest_invoice)
    assert (failed.status, failed.auto_advance, failed.next_payment_attempt) == ("open", False, None)


def test_a_draft_still_advancing_after_its_subscription_was_canceled_is_not_charged(client, sandbox):
    """A database written before cancels stopped the drafts (the draft still auto_advance): its
    hour ends without finalizing or charging it."""
    clock, customer, sub, end, draft_id = renewal_in_its_hour(client)
    client.v1.subscriptions.cancel(sub.id)
    store = account_store(sandbox.db)
    with store.transaction():
        stale = store.get("invoice", draft_id)
        stale.update({"auto_advance": True, "automatically_finalizes_at": end + HOUR})
        store.save(stale)

    advance(client, clock, end + 2 * HOUR)
    draft = client.v1.invoices.retrieve(draft_id)
    assert (draft.status, draft.amount_paid, draft.auto_advance, draft.automatically_finalizes_at) == (
        "draft", 0, False, None)
    assert len(client.v1.charges.list(params={"customer": customer.id, "limit": 100}).data) == 1
