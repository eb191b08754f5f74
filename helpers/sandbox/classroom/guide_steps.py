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

from ..state.store import Store


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

# One condition per step, over an event row (its type as ``kind``, its JSON as ``data``).
_EVENT_STEPS = {
    "product_price": "kind = 'price.created' AND json_extract(data, '$.data.object.type') = 'recurring'",
    "customer": "kind = 'customer.created'",
    "setup_intent": "kind = 'setup_intent.created'",
    "authorized": "kind = 'setup_intent.succeeded'",
    "subscription_active": "kind IN ('customer.subscription.created', 'customer.subscription.updated') "
                           "AND json_extract(data, '$.data.object.status') = 'active'",
    "renewal": "kind = 'invoice.paid' AND json_extract(data, '$.data.object.billing_reason') = 'subscription_cycle'",
}
_KINDS = ("price.created", "customer.created", "setup_intent.created", "setup_intent.succeeded",
          "customer.subscription.created", "customer.subscription.updated", "invoice.paid")
_WEBHOOKS = "SELECT DISTINCT account FROM webhook_attempts WHERE status_code BETWEEN 200 AND 299"

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


def event_flags(store: Store, conditions: dict[str, str], kinds: tuple[str, ...]) -> dict[str, set[str]]:
    """For every account with any: the keys of ``conditions`` (SQL over an event row's ``kind``
    and ``data``) that one of its events of ``kinds`` meets, in one pass over those events
    (they are indexed by type)."""
    query = (
        "SELECT account, " + ", ".join(f"max({condition})" for condition in conditions.values())
        + " FROM (SELECT account, json_extract(data, '$.type') AS kind, data FROM objects"
        " WHERE type = 'event' AND json_extract(data, '$.type') IN (" + ", ".join(f"'{k}'" for k in kinds) + "))"
        " GROUP BY account"
    )
    found: dict[str, set[str]] = {}
    for account, *flags in store.read(query):
        met = {key for key, flag in zip(conditions, flags, strict=True) if flag}
        if met:
            found[account] = met
    return found


def done_by_account(store: Store) -> dict[str, set[str]]:
    """For every account with any step done: the keys of its steps done."""
    with store.snapshot():
        done = event_flags(store, _EVENT_STEPS, _KINDS)
        webhooks = store.read(_WEBHOOKS)
    for (account,) in webhooks:
        done.setdefault(account, set()).add("webhook")
    return done


def step_of_path(path: str) -> str | None:
    """The step of the guide a call serves (``POST /v1/setup_intents`` -> ``setup_intent``)."""
    return next((step for prefix, step in _PATH_STEPS if path == prefix or path.startswith(prefix + "/")), None)
