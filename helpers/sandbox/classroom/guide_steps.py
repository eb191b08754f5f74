"""How far each account has come in the guide, read from its own records.

Each step is done once the account's events show it (events stay when the tutorial's clean-up
deletes the objects, so a step never goes back to "not yet"): ``price.created`` for a recurring
price, ``customer.created``, ``setup_intent.created``, ``setup_intent.succeeded`` (the customer
authorized on the Amazon Pay page), a subscription event whose subscription is ``active``, an
``invoice.paid`` whose ``billing_reason`` is ``subscription_cycle`` (a renewal), and a webhook
delivery that the learner's endpoint answered with a 2xx. A failed call or cell belongs to the
step its path or its notebook serves (``step_of_path``, ``NOTEBOOK_STEPS``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..state.room import EventRule, Room


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    german: str  # the guide's own title for it, where it has one


STEPS = (
    Step("product_price", "Product and price", "Produkt und Preis erstellen"),
    Step("customer", "Customer", "Kundinnen/Kunden erstellen oder abrufen"),
    Step("setup_intent", "SetupIntent", "Einen SetupIntent erstellen"),
    Step("authorized", "Authorized", "Client-Geheimnis abrufen"),  # its section authorizes
    Step("subscription_active", "Subscription active", "Abonnement erstellen"),
    Step("renewal", "Renewal", "(beyond the guide)"),
    Step("webhook", "Webhook received", "(beyond the guide)"),
)

# What each step's events look like (``state.room.EventRule``): their types, and a field of
# their object with the value it must have.
_EVENT_STEPS = {
    "product_price": EventRule(("price.created",), "type", "recurring"),
    "customer": EventRule(("customer.created",)),
    "setup_intent": EventRule(("setup_intent.created",)),
    "authorized": EventRule(("setup_intent.succeeded",)),
    "subscription_active": EventRule(("customer.subscription.created", "customer.subscription.updated"),
                                     "status", "active"),
    "renewal": EventRule(("invoice.paid",), "billing_reason", "subscription_cycle"),
}

# Where a failed call belongs, by its path (the first match): the step of the guide it serves.
_PATH_STEPS = (
    ("/v1/prices", "product_price"), ("/v1/products", "product_price"), ("/v1/customers", "customer"),
    ("/v1/setup_intents", "setup_intent"), ("/v1/payment_methods", "authorized"),
    ("/v1/subscriptions", "subscription_active"), ("/v1/invoices", "subscription_active"),
    ("/v1/test_helpers/test_clocks", "renewal"), ("/v1/webhook_endpoints", "webhook"), ("/v1/events", "webhook"),
)
# Where a notebook's cells belong: the step of the guide it teaches (00, 08 and 09 teach none).
NOTEBOOK_STEPS = {"01": "product_price", "02": "customer", "03": "setup_intent", "04": "authorized",
                  "05": "subscription_active", "06": "webhook", "07": "renewal"}


def done_by_account(room: Room) -> dict[str, set[str]]:
    """For every account with any step done: the keys of its steps done."""
    with room.db.snapshot():
        done = room.accounts_with_events(_EVENT_STEPS)
        delivered = room.accounts_with_delivered_webhooks()
    for account in delivered:
        done.setdefault(account, set()).add("webhook")
    return done


def step_of_path(path: str) -> str | None:
    """The step of the guide a call serves (``POST /v1/setup_intents`` -> ``setup_intent``)."""
    return next((step for prefix, step in _PATH_STEPS if path == prefix or path.startswith(prefix + "/")), None)
