"""Test clocks: frozen time for the customers on them. Advancing runs, synchronously and in
time order, everything that falls due (renewals, trial ends, cancellations) and answers once
the clock is ``ready`` again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .. import events
from ..context import Actor, ApiRequest
from ..errors import StripeError
from ..router import api
from ..store import new_id
from . import renewals
from .common import deleted
from .periods import DAY, two_years

KIND = "test_helpers.test_clock"
DELETES_AFTER = 7 * DAY
# What belongs to a customer on a clock, and goes when the clock is deleted.
OWNED = ("subscription", "invoice", "payment_intent", "charge", "setup_intent", "setup_attempt", "payment_method")


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@api.route("POST", "/v1/test_helpers/test_clocks", "TestClockCreateParams")
def create(req: ApiRequest) -> dict[str, Any]:
    p = req.params
    if p.get("customer"):
        raise StripeError(
            "The offline sandbox attaches customers to a clock when they are created: create the customer "
            "with test_clock=clock_… instead of passing customer here.",
            param="customer",
        )
    now = req.now()
    if p["frozen_time"] > two_years(now) or p["frozen_time"] < now - 5 * 365 * DAY:
        raise StripeError(
            "frozen_time must lie within five years before and two years after now.", param="frozen_time"
        )
    clock = req.shape(KIND, {
        "id": new_id("clock", 24),
        "object": KIND,
        "created": now,
        "deletes_after": now + DELETES_AFTER,
        "frozen_time": p["frozen_time"],
        "livemode": False,
        "name": p.get("name"),
        "status": "ready",
        "status_details": {},
    })
    req.store.insert(clock)
    events.emit(req, "test_helpers.test_clock.created", clock)
    return clock


@api.route("GET", "/v1/test_helpers/test_clocks/{id}", "TestClockRetrieveParams")
def retrieve(req: ApiRequest) -> dict[str, Any]:
    return req.store.get(KIND, req.args["id"])


@api.route("GET", "/v1/test_helpers/test_clocks", "TestClockListParams")
def list_clocks(req: ApiRequest) -> dict[str, Any]:
    return req.list_of(KIND)


@api.route("POST", "/v1/test_helpers/test_clocks/{id}/advance", "TestClockAdvanceParams")
def advance(req: ApiRequest) -> dict[str, Any]:
    clock = req.store.get(KIND, req.args["id"])
    target = req.params["frozen_time"]
    if clock["status"] != "ready":
        raise StripeError(
            f"The test clock {clock['id']} is {clock['status']}; wait until its status is ready.",
        )
    if target <= clock["frozen_time"]:
        raise StripeError(
            f"The frozen_time must be after the test clock's current frozen time ({clock['frozen_time']}, "
            f"{_iso(clock['frozen_time'])}); a test clock only moves forward.",
            param="frozen_time",
        )
    limit, why = renewals.furthest(req.store, clock)
    if target > limit:
        raise StripeError(
            f"Cannot advance the test clock {clock['id']} beyond {limit} ({_iso(limit)}): a clock may move at "
            f"most {why} at a time. Advance in smaller steps.",
            param="frozen_time",
        )
    before = clock["frozen_time"]
    clock["status"] = "advancing"
    req.store.save(clock)
    events.emit(req, "test_helpers.test_clock.advancing", clock, {"status": "ready"}, created=before)
    renewals.run_until(req.store, req.account_version, clock["id"], target)
    clock.update({"frozen_time": target, "status": "ready"})
    req.store.save(clock)
    actor = Actor(req.store, req.account_version, clock=target)
    events.emit(actor, "test_helpers.test_clock.ready", clock, {"status": "advancing", "frozen_time": before})
    return clock


@api.route("DELETE", "/v1/test_helpers/test_clocks/{id}", "TestClockDeleteParams")
def delete(req: ApiRequest) -> dict[str, Any]:
    """Delete the clock with its customers and everything they own, as Stripe does."""
    clock = req.store.get(KIND, req.args["id"])
    for customer in req.store.query("customer", {"test_clock": clock["id"]}):
        _delete_customer_objects(req, customer["id"])
        req.store.delete(customer["id"])
    req.store.delete(clock["id"])
    events.emit(req, "test_helpers.test_clock.deleted", clock)
    return deleted(KIND, clock["id"])


def _delete_customer_objects(req: ApiRequest, customer_id: str) -> None:
    for kind in OWNED:
        for obj in req.store.query(kind, {"customer": customer_id}):
            if kind == "invoice":
                for record in req.store.query("invoice_payment", {"invoice": obj["id"]}):
                    req.store.delete(record["id"])
            if kind == "payment_method":
                for mandate in req.store.query("mandate", {"payment_method": obj["id"]}):
                    req.store.delete(mandate["id"])
            req.store.delete(obj["id"])
