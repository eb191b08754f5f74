"""Notebook 09's clean-up: undo what the tutorial recorded (helpers.progress), nothing else in the
account, one step per object, each saying what it did or why it skipped it.

Subscriptions and SetupIntents still waiting are canceled, the customer the tutorial created is
deleted (one found by email is kept), the test clock (with its customers) and the webhook endpoint
are deleted, prices and the product are archived (``active=false``): Stripe keeps products that
have prices, because invoices refer to them.
"""

from __future__ import annotations

from collections.abc import Callable

import stripe

from helpers.progress import made_by_tutorial
from helpers.show import Table

NOTHING_RECORDED = "Nothing recorded: nothing to clean up."
ENDED = ("canceled", "incomplete_expired")  # a subscription that cannot be canceled again


def _cancel_subscription(client: stripe.StripeClient, object_id: str) -> str:
    if client.v1.subscriptions.retrieve(object_id).status in ENDED:
        return "skipped: already canceled"
    client.v1.subscriptions.cancel(object_id)
    return "done"


def _cancel_setup_intent(client: stripe.StripeClient, object_id: str) -> str:
    status = client.v1.setup_intents.retrieve(object_id).status
    if status == "canceled":
        return "skipped: already canceled"
    if status == "succeeded":
        return "skipped: succeeded (nothing waits; its PaymentMethod goes with the customer)"
    client.v1.setup_intents.cancel(object_id)
    return "done"


def _delete_customer(client: stripe.StripeClient, object_id: str) -> str:
    customer = client.v1.customers.retrieve(object_id)
    if getattr(customer, "deleted", False):
        return "skipped: already deleted"
    if not made_by_tutorial(customer):
        return "skipped: kept, not made by the tutorial (found by email)"
    client.v1.customers.delete(object_id)
    return "done"


def _archive(resource: str) -> Callable[[stripe.StripeClient, str], str]:
    def archive(client: stripe.StripeClient, object_id: str) -> str:
        service = getattr(client.v1, resource)
        if not service.retrieve(object_id).active:
            return "skipped: already archived"
        service.update(object_id, params={"active": False})
        return "done"

    return archive


# (recorded name, step, what it does), in order: subscriptions before their customer, prices
# before their product. A deleted object answers 404 resource_missing: "already deleted".
STEPS: list[tuple[str, str, Callable[[stripe.StripeClient, str], str]]] = [
    ("subscription", "cancel subscription", _cancel_subscription),
    ("trial_subscription", "cancel trial_subscription", _cancel_subscription),
    ("guide_setup_intent", "cancel guide_setup_intent", _cancel_setup_intent),
    ("declined_setup_intent", "cancel declined_setup_intent", _cancel_setup_intent),
    ("setup_intent", "cancel setup_intent", _cancel_setup_intent),
    ("customer", "delete customer", _delete_customer),
    ("test_clock", "delete test clock (and its customers)",
     lambda client, id_: client.v1.test_helpers.test_clocks.delete(id_) and "done"),
    ("trial_clock", "delete trial_clock (and its customer)",
     lambda client, id_: client.v1.test_helpers.test_clocks.delete(id_) and "done"),
    ("webhook_endpoint", "delete webhook endpoint",
     lambda client, id_: client.v1.webhook_endpoints.delete(id_) and "done"),
    ("yearly_price", "archive yearly_price", _archive("prices")),  # exercise 01-yearly-price, if made
    ("price", "archive price", _archive("prices")),
    ("product", "archive product", _archive("products")),
]


def _step(do: Callable[[stripe.StripeClient, str], str], client: stripe.StripeClient, object_id: str) -> str:
    try:
        return do(client, object_id)
    except stripe.InvalidRequestError as error:
        if error.http_status == 404 and error.code == "resource_missing":
            return "skipped: already deleted"
        return f"skipped: {error.user_message or error}"


def clean_up(recorded: dict[str, str], client: stripe.StripeClient) -> Table:
    """Undo each recorded object (see :data:`STEPS`); a table of steps and results, or one
    sentence when nothing is recorded (a second run)."""
    done = Table([(step, _step(do, client, recorded[name])) for name, step, do in STEPS if name in recorded],
                 columns=["step", "result"])
    done.when_empty = NOTHING_RECORDED
    return done
