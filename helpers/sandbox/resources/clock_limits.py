"""Stripe's limits on test clocks, which keep every advance small.

* At most three subscriptions for a customer on a clock: docs.stripe.com/billing/testing/
  test-clocks/simulate-subscriptions ("attached to more than three subscriptions, including
  scheduled subscriptions" makes a customer ineligible).
* At most three customers on a clock: the limit integrators report from Stripe's answers
  (unverified in Stripe's docs from here).
"""

from __future__ import annotations

from typing import Any

from ..api.context import ApiRequest
from ..shared.errors import StripeError

MAX_CUSTOMERS = 3  # per clock
MAX_SUBSCRIPTIONS = 3  # per customer on a clock (ended ones do not count)
ENDED = ("canceled", "incomplete_expired")


def check_room_for_customer(req: ApiRequest, clock: dict[str, Any]) -> None:
    """Stripe's limit: at most three customers on one test clock."""
    if len(req.store.query("customer", {"test_clock": clock["id"]}, limit=MAX_CUSTOMERS)) >= MAX_CUSTOMERS:
        raise StripeError(
            f"The test clock {clock['id']} already has {MAX_CUSTOMERS} customers, the most a test clock can "
            "have at Stripe. Create another test clock for more customers.",
            param="test_clock",
        )


def check_room_for_subscription(req: ApiRequest, customer: dict[str, Any]) -> None:
    """Stripe's limit: at most three subscriptions for a customer on a test clock."""
    if not customer.get("test_clock"):
        return
    current = [s for s in req.store.query("subscription", {"customer": customer["id"]}) if s["status"] not in ENDED]
    if len(current) >= MAX_SUBSCRIPTIONS:
        raise StripeError(
            f"The customer {customer['id']} is on a test clock and already has {MAX_SUBSCRIPTIONS} subscriptions, "
            "the most Stripe allows there. Cancel one, or create another customer on the clock.",
            param="customer",
        )
