"""Learner states the notebooks reach, built through the API on the test sandbox (for tests that
need "the state after notebook N"). Each needs sandbox mode and its own progress (see the callers'
fixtures)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import stripe

from helpers import progress
from helpers.forms import one_month_and_a_day
from helpers.show import request

GUIDE_SETUP = {
    "confirm": True,
    "payment_method_data": {"type": "amazon_pay"},
    "usage": "off_session",
    "mandate_data": progress.GUIDE_MANDATE,
    "return_url": "https://example.com/complete",
}
CLOCK_START = dt.datetime(2027, 1, 1, 12, tzinfo=dt.UTC)


def authorized_payment_method(client: stripe.StripeClient, customer: str) -> str:
    intent = client.v1.setup_intents.create(params={**GUIDE_SETUP, "customer": customer})
    progress.authorize_on_sandbox_page(intent.next_action.redirect_to_url.url)
    return client.v1.setup_intents.retrieve(intent.id).payment_method


def advance(client: stripe.StripeClient, clock_id: str, to: int) -> None:
    client.v1.test_helpers.test_clocks.advance(clock_id, params={"frozen_time": to})
    while client.v1.test_helpers.test_clocks.retrieve(clock_id).status != "ready":
        time.sleep(0.05)


def subscribed_on_a_clock(client: stripe.StripeClient, email: str, clock_name: str, prefix: str,
                          **subscription: Any) -> tuple[Any, Any]:
    """A test clock at ``CLOCK_START``, a customer on it with Amazon Pay authorized, and the guide's
    subscription, recorded as ``clock_name``, ``<prefix>_customer`` and ``<prefix>_subscription``."""
    price = progress.catch_up("price")["price"]
    clock = client.v1.test_helpers.test_clocks.create(params={"frozen_time": int(CLOCK_START.timestamp())})
    progress.remember(clock_name, clock.id)
    customer = client.v1.customers.create(params={"email": email, "test_clock": clock.id})
    progress.remember(f"{prefix}_customer", customer.id)
    created = client.v1.subscriptions.create(params={
        "customer": customer.id, "items": [{"price": price}], "off_session": True,
        "default_payment_method": authorized_payment_method(client, customer.id), **subscription,
    })
    progress.remember(f"{prefix}_subscription", created.id)
    return clock, created


def renewed(ns: dict[str, Any], months: int = 3) -> int:
    """Notebook 07's state: a customer on a test clock, subscribed, renewed ``months`` times.
    Returns the clock's time."""
    client = ns["client"]
    clock, _ = subscribed_on_a_clock(client, "renewals@example.com", "test_clock", "clock")
    now = CLOCK_START
    for _ in range(months):
        now = one_month_and_a_day(now)
        advance(client, clock.id, int(now.timestamp()))
    return int(now.timestamp())


def trial_started(ns: dict[str, Any]) -> None:
    """Notebook 07's trial: a customer on a clock of its own, subscribed with a 14-day trial, the
    clock at the moment Stripe sends ``customer.subscription.trial_will_end`` (three days left)."""
    client = ns["client"]
    clock, subscription = subscribed_on_a_clock(client, "trial@example.com", "trial_clock", "trial_clock",
                                                trial_period_days=14)
    to = subscription.trial_end - 3 * 24 * 3600
    request({"frozen_time": to})  # the notebook's own advance, as its cell makes it
    advance(client, clock.id, to)


def failed_renewal(ns: dict[str, Any]) -> None:
    """Notebook 08's state: the PaymentMethod detached, the next renewal failed (past_due)."""
    client = ns["client"]
    now = renewed(ns)
    subscription = client.v1.subscriptions.retrieve(progress.recall("clock_subscription"))
    client.v1.payment_methods.detach(subscription.default_payment_method)
    advance(client, progress.recall("test_clock"), int(one_month_and_a_day(
        dt.datetime.fromtimestamp(now, dt.UTC)).timestamp()))
    assert client.v1.subscriptions.retrieve(subscription.id).status == "past_due"


def webhook_endpoint(ns: dict[str, Any]) -> None:
    endpoint = ns["client"].v1.webhook_endpoints.create(
        params={"url": "http://127.0.0.1:9/webhooks", "enabled_events": ["*"]})
    progress.remember("webhook_endpoint", endpoint.id)
