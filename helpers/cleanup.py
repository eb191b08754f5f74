"""Notebook 09's clean-up: undo what the tutorial recorded (helpers.progress) and what the learner
made in the exercises (helpers.check's journal), nothing else in the account, one step per object,
each saying what it did or why it skipped it.

Subscriptions and SetupIntents still waiting are canceled, the customer the tutorial created is
deleted (one found by email is kept), the test clock (with its customers) and the webhook endpoint
are deleted, prices and the product are archived (``active=false``): Stripe keeps products that
have prices, because invoices refer to them.
"""

from __future__ import annotations

from collections.abc import Callable

import stripe

from helpers.check import journal
from helpers.progress import made_by_tutorial, note_retired
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


def _delete_exercise_customer(client: stripe.StripeClient, object_id: str) -> str:
    if getattr(client.v1.customers.retrieve(object_id), "deleted", False):
        return "skipped: already deleted"
    client.v1.customers.delete(object_id)
    return "done"


# What the learner's creates in the exercises made (the path they posted to), and how each is
# undone, in this order; made in an exercise, so the learner's own to remove.
EXERCISE_STEPS: dict[str, tuple[str, Callable[[stripe.StripeClient, str], str]]] = {
    "/v1/subscriptions": ("cancel subscription", _cancel_subscription),
    "/v1/setup_intents": ("cancel SetupIntent", _cancel_setup_intent),
    "/v1/customers": ("delete customer", _delete_exercise_customer),
    "/v1/test_helpers/test_clocks": ("delete test clock", lambda client, id_: client.v1.test_helpers.test_clocks.delete(id_) and "done"),
    "/v1/webhook_endpoints": ("delete webhook endpoint", lambda client, id_: client.v1.webhook_endpoints.delete(id_) and "done"),
    "/v1/prices": ("archive price", _archive("prices")),
    "/v1/products": ("archive product", _archive("products")),
}


def exercise_objects(records: list[dict] | None = None) -> list[tuple[str, str, str]]:
    """What the learner created in the exercises: (creation path, ID, exercise), in the order of
    :data:`EXERCISE_STEPS`, each once."""
    made = {}
    for record in journal.records() if records is None else records:
        if (record.get("kind") == "request" and record.get("method") == "POST" and record.get("status") == 200
                and record.get("path") in EXERCISE_STEPS and record.get("object_id")):
            made.setdefault(record["object_id"], (record["path"], record["object_id"], record["exercise"]))
    order = list(EXERCISE_STEPS)
    return sorted(made.values(), key=lambda found: order.index(found[0]))


def _step(step: str, do: Callable[[stripe.StripeClient, str], str], client: stripe.StripeClient,
          object_id: str) -> str:
    try:
        result = do(client, object_id)
    except stripe.InvalidRequestError as error:
        if error.http_status == 404 and error.code == "resource_missing":  # gone: say so only for a deletion
            return "skipped: already deleted" if step.startswith("delete") else "skipped: Stripe no longer has it (404)"
        return f"skipped: {error.user_message or error}"
    if result == "done":
        note_retired(object_id, f"{object_id} was removed on purpose: the clean-up (notebook 09) did "
                                f"'{step}'. Run the notebooks from 01 again to make new objects.")
    return result


def clean_up(recorded: dict[str, str], client: stripe.StripeClient) -> Table:
    """Undo each recorded object (see :data:`STEPS`), then what the exercises made (see
    :data:`EXERCISE_STEPS`); a table of steps and results, or one sentence when nothing is
    recorded (a second run)."""
    rows = [(step, _step(step, do, client, recorded[name])) for name, step, do in STEPS if name in recorded]
    ours = set(recorded.values())
    for path, object_id, exercise in exercise_objects():
        if object_id not in ours:
            step, do = EXERCISE_STEPS[path]
            rows.append((f"{step} {object_id} (exercise {exercise})", _step(step, do, client, object_id)))
    done = Table(rows, columns=["step", "result"])
    done.when_empty = NOTHING_RECORDED
    return done
