"""How far each account has come in the guide, read from its own records.

Each step is done once the account's events show it (events stay when the tutorial's clean-up
deletes the objects, so a step never goes back to "not yet"): ``price.created`` for a recurring
price, ``customer.created``, ``setup_intent.created``, ``setup_intent.succeeded`` (the customer
authorized on the Amazon Pay page), a subscription event whose subscription is ``active``, an
``invoice.paid`` whose ``billing_reason`` is ``subscription_cycle`` (a renewal), and a webhook
delivery that the learner's endpoint answered with a 2xx. "Exercises passed" is what the
learner's helpers report (``accounts.Activity``).
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

# Every event-derived step in one pass over the events of those types (they are indexed by type).
_QUERY = (
    "SELECT account, " + ", ".join(f"max({condition})" for condition in _EVENT_STEPS.values())
    + " FROM (SELECT account, json_extract(data, '$.type') AS kind, data FROM objects"
    " WHERE type = 'event' AND json_extract(data, '$.type') IN (" + ", ".join(f"'{k}'" for k in _KINDS) + "))"
    " GROUP BY account"
)
_WEBHOOKS = "SELECT DISTINCT account FROM webhook_attempts WHERE status_code BETWEEN 200 AND 299"


def done_by_account(store: Store) -> dict[str, set[str]]:
    """For every account with any step done: the keys of its steps done."""
    with store.snapshot():
        rows = store.read(_QUERY)
        webhooks = store.read(_WEBHOOKS)
    done: dict[str, set[str]] = {}
    for account, *flags in rows:
        done[account] = {key for key, flag in zip(_EVENT_STEPS, flags, strict=True) if flag}
    for (account,) in webhooks:
        done.setdefault(account, set()).add("webhook")
    return done
