"""Events: every state change leaves one, as Stripe records them.

``emit`` stores an Event holding the object as of that moment. Subscribers registered in
``SUBSCRIBERS`` (webhook delivery) are called in the same transaction, so an event and its
pending deliveries are written together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..api import schema, versions
from ..shared.ids import new_id
from ..state.account_store import AccountStore

SUBSCRIBERS: list[Callable[[AccountStore, dict[str, Any]], int]] = []


def copied(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, scalars): what ``copy.deepcopy`` does for it, in
    a third of the time (no memo; stored objects hold no cycles)."""
    if type(value) is dict:
        return {k: copied(v) for k, v in value.items()}
    if type(value) is list:
        return [copied(v) for v in value]
    return value


def public(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: copied(v) for k, v in obj.items() if not k.startswith("_")}


def emit(
    req: Any,
    event_type: str,
    obj: dict[str, Any],
    previous_attributes: dict[str, Any] | None = None,
    *,
    created: int | None = None,
) -> dict[str, Any]:
    """Record ``event_type`` for ``obj`` (a stored object) on behalf of request ``req``."""
    store: AccountStore = req.store
    version = req.account_version
    data: dict[str, Any] = {"object": versions.downgrade_response(version, public(obj))}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    request = getattr(req, "request_id", None)
    event = schema.shape(
        "event",
        {
            "id": new_id("evt"),
            "object": "event",
            "account": None,
            "api_version": version,
            "context": None,
            "created": created if created is not None else (clock_time(store, obj) or req.now()),
            "data": data,
            "livemode": False,
            "pending_webhooks": 0,
            "request": {
                "id": request,
                "idempotency_key": getattr(req, "idempotency_key", None) if request else None,
            },
            "type": event_type,
        },
    )
    with store.transaction():
        event["pending_webhooks"] = sum(subscriber(store, event) for subscriber in SUBSCRIBERS)
        store.insert(event)
    return event


def clock_time(store: AccountStore, obj: dict[str, Any]) -> int | None:
    """The frozen time of the test clock ``obj`` (or its customer) lives on, if any."""
    clock_id = obj.get("test_clock")
    if not clock_id and isinstance(obj.get("customer"), str):
        customer = store.find(obj["customer"])
        clock_id = customer.get("test_clock") if customer else None
    clock = store.find(clock_id) if isinstance(clock_id, str) else None
    return clock["frozen_time"] if clock and clock.get("object") == "test_helpers.test_clock" else None


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """``previous_attributes``: the old values of the top-level fields that changed."""
    return {
        k: copied(before.get(k))
        for k in after
        if not k.startswith("_") and before.get(k) != after.get(k)
    }
