"""Webhook endpoints and signed, retried deliveries, received by a server the test runs."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator

import httpx
import pytest
import stripe

from helpers.sandbox.client import process
from support.receiver import Receiver
from support.stripe_objects import (
    SECRET,
    account_store,
    authorized_customer,
    check_shape,
    make_client,
    monthly_price,
    subscribe,
)
from support.waiting import PATIENCE, wait_until

# One worker runs this module's tests (make test runs them in parallel, --dist loadgroup): its
# module-scoped server starts once, not once per worker.
pytestmark = pytest.mark.xdist_group("webhook-sandbox")


@pytest.fixture(scope="module")
def fast_sandbox(tmp_path_factory) -> Iterator[process.SandboxProcess]:
    """A sandbox of its own whose webhook retries come quickly (0.1 s, capped at 0.4 s)."""
    directory = tmp_path_factory.mktemp("webhooks")
    mp = pytest.MonkeyPatch()
    mp.setenv("SANDBOX_WEBHOOK_BACKOFF", "0.1")
    mp.setenv("SANDBOX_WEBHOOK_BACKOFF_MAX", "0.4")
    proc = process.start(directory / "sandbox.sqlite3", log=directory / "sandbox.log")
    mp.undo()
    yield proc
    proc.stop()


@pytest.fixture
def wh_client(fast_sandbox) -> stripe.StripeClient:
    return make_client(fast_sandbox.url)


def events_since(client, event_id: str | None) -> list[stripe.Event]:
    """Events recorded after ``event_id`` (all of them when it is None), oldest first."""
    params = {"ending_before": event_id, "limit": 100} if event_id else {"limit": 100}
    return sorted(client.v1.events.list(params=params).data, key=lambda e: e.created)


def latest_event_id(client) -> str | None:
    latest = client.v1.events.list(params={"limit": 1}).data
    return latest[0].id if latest else None


def test_endpoint_crud(wh_client):
    endpoint = wh_client.v1.webhook_endpoints.create(params={
        "url": "http://127.0.0.1:9/hooks", "enabled_events": ["invoice.paid", "charge.failed"],
        "description": "billing", "metadata": {"team": "billing"},
    })
    assert endpoint.secret.startswith("whsec_") and endpoint.status == "enabled"
    check_shape(endpoint)
    fetched = wh_client.v1.webhook_endpoints.retrieve(endpoint.id)
    assert fetched.secret is None and fetched.enabled_events == ["invoice.paid", "charge.failed"]
    updated = wh_client.v1.webhook_endpoints.update(endpoint.id, params={"disabled": True, "enabled_events": ["*"]})
    assert updated.status == "disabled" and updated.enabled_events == ["*"]
    assert endpoint.id in [e.id for e in wh_client.v1.webhook_endpoints.list(params={"limit": 100}).data]
    assert wh_client.v1.webhook_endpoints.delete(endpoint.id).deleted is True
    with pytest.raises(stripe.InvalidRequestError):
        wh_client.v1.webhook_endpoints.create(params={"url": "ftp://x", "enabled_events": ["*"]})
    with pytest.raises(stripe.InvalidRequestError, match="enabled_events"):
        wh_client.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/", "enabled_events": ["no.such"]})


def test_guide_events_arrive_signed(wh_client):
    receiver = Receiver().start()
    before = latest_event_id(wh_client)
    endpoint = wh_client.v1.webhook_endpoints.create(params={"url": receiver.url, "enabled_events": ["*"]})
    try:
        customer, si = authorized_customer(wh_client)
        sub = subscribe(wh_client, customer.id, monthly_price(wh_client).id, si.payment_method)
        assert sub.status == "active"
        expected = {e.id for e in events_since(wh_client, before)}
        assert len(expected) > 15
        receiver.wait_for(expected)
        for body, headers in receiver.received:
            event = stripe.Webhook.construct_event(body, headers["Stripe-Signature"], endpoint.secret)
            assert event.id in expected and event.object == "event"
            assert headers["User-Agent"] == "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
            assert headers["Content-Type"].startswith("application/json")
        types = {json.loads(b)["type"] for b, _ in receiver.received}
        assert {"customer.subscription.created", "invoice.paid", "payment_intent.succeeded"} <= types

        body, headers = receiver.received[0]
        tampered = body.replace('"livemode": false', '"livemode": true')
        assert tampered != body
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(tampered, headers["Stripe-Signature"], endpoint.secret)
    finally:
        wh_client.v1.webhook_endpoints.delete(endpoint.id)
        receiver.stop()


def test_receiver_down_at_first_gets_everything(wh_client, fast_sandbox):
    receiver = Receiver()  # not started: connection refused
    endpoint = wh_client.v1.webhook_endpoints.create(params={
        "url": receiver.url, "enabled_events": ["customer.created", "invoice.paid"],
    })
    try:
        before = latest_event_id(wh_client)
        customer, si = authorized_customer(wh_client)
        subscribe(wh_client, customer.id, monthly_price(wh_client).id, si.payment_method)
        wanted = {e.id for e in events_since(wh_client, before) if e.type in ("customer.created", "invoice.paid")}
        assert len(wanted) == 2
        paid = next(e for e in events_since(wh_client, before) if e.type == "invoice.paid")
        wait_until(lambda: [a for a in account_store(fast_sandbox.db).deliveries.attempts(paid.id, endpoint.id)
                            if a["status_code"] is None], "a refused attempt to deliver invoice.paid")
        assert wh_client.v1.events.retrieve(paid.id).pending_webhooks == 1
        receiver.start()
        receiver.wait_for(wanted)
        assert set(receiver.event_ids()) == wanted  # nothing it did not subscribe to
        deadline = time.monotonic() + PATIENCE
        while wh_client.v1.events.retrieve(paid.id).pending_webhooks and time.monotonic() < deadline:
            time.sleep(0.05)
        assert wh_client.v1.events.retrieve(paid.id).pending_webhooks == 0
        attempts = account_store(fast_sandbox.db).deliveries.attempts(paid.id, endpoint.id)
        refused = [a for a in attempts if a["status_code"] is None]
        assert refused and refused[0]["error"] and attempts[-1]["status_code"] == 200
        assert [a["attempted_at"] for a in attempts] == sorted(a["attempted_at"] for a in attempts)
    finally:
        wh_client.v1.webhook_endpoints.delete(endpoint.id)
        receiver.stop()


def test_failing_receiver_is_retried(wh_client, fast_sandbox):
    receiver = Receiver(failures=2).start()
    endpoint = wh_client.v1.webhook_endpoints.create(params={"url": receiver.url, "enabled_events": ["customer.created"]})
    try:
        customer = wh_client.v1.customers.create(params={"email": "retry@example.com"})
        event = wh_client.v1.events.list(params={"type": "customer.created", "limit": 1}).data[0]
        assert event.data.object.id == customer.id
        receiver.wait_for({event.id})
        # The receiver has the event; the sandbox records the 200 just after it answered.
        store, deadline = account_store(fast_sandbox.db), time.monotonic() + PATIENCE
        while True:
            codes = [a["status_code"] for a in store.deliveries.attempts(event.id, endpoint.id)]
            if len(codes) >= 3 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert codes == [500, 500, 200]
        body, headers = receiver.received[0]
        assert stripe.Webhook.construct_event(body, headers["Stripe-Signature"], endpoint.secret).id == event.id
    finally:
        wh_client.v1.webhook_endpoints.delete(endpoint.id)
        receiver.stop()


def test_reset_forgets_pending_deliveries_too(tmp_path):

    proc = process.start(tmp_path / "db.sqlite3")
    try:
        client = make_client(proc.url)
        client.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/nobody", "enabled_events": ["*"]})
        client.v1.customers.create()
        db = sqlite3.connect(tmp_path / "db.sqlite3")
        assert db.execute("SELECT count(*) FROM webhook_deliveries").fetchone()[0] > 0
        answer = httpx.post(f"{proc.url}/_sandbox/reset",
                            headers={**dict([process.RESET_HEADER]), "Authorization": f"Bearer {SECRET}"})
        assert answer.status_code == 200
        assert db.execute("SELECT count(*) FROM webhook_deliveries").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM objects").fetchone()[0] == 0
    finally:
        proc.stop()
