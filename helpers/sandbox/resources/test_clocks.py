"""Test clocks: frozen time for the customers on them.

As at Stripe, advancing is asynchronous: the request sets the clock ``advancing`` and answers
at once; a background thread (:func:`start`) then runs, in time order, everything that falls
due (renewals, trial ends, cancellations), each moment in a transaction of its own so that API
requests wait for one step at most, and sets the clock ``ready``. Clients poll ``retrieve``
until then. While a clock advances, advancing it again and deleting it are refused (400); a
clock whose simulation failed ends ``internal_failure`` (the steps done before stay done).

Stripe's limits keep each clock small (``clock_limits``).
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any

from ..api.context import Actor, ApiRequest
from ..api.router import api
from ..shared.errors import StripeError
from ..shared.ids import new_id
from ..state.account_store import AccountStore
from ..state.room import Room
from . import events, renewals
from .common import deleted
from .periods import DAY, two_years

log = logging.getLogger("helpers.sandbox")
KIND = "test_helpers.test_clock"
DELETES_AFTER = 7 * DAY
POLL_SECONDS = 0.05  # how often the worker looks for clocks to finish advancing
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
    _check_ready(clock, "advance")
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
            f"most {why} at a time. Advance in smaller steps. (The rule is Stripe's; this wording is "
            "the sandbox's.)",
            param="frozen_time",
        )
    clock.update({"status": "advancing", "status_details": {"advancing": {"target_frozen_time": target}}})
    req.store.save(clock)
    events.emit(
        req, "test_helpers.test_clock.advancing", clock, {"status": "ready", "status_details": {}},
        created=clock["frozen_time"],
    )
    return clock  # the worker thread finishes the advance


def _check_ready(clock: dict[str, Any], action: str) -> None:
    if clock["status"] == "advancing":
        target = clock["status_details"]["advancing"]["target_frozen_time"]
        raise StripeError(
            f"The test clock {clock['id']} is currently advancing (to {target}, {_iso(target)}); you cannot "
            f"{action} it until it has finished. Retrieve it until its status is ready.",
        )
    if clock["status"] != "ready":
        raise StripeError(f"The test clock {clock['id']} is {clock['status']}; you cannot {action} it.")


def finish_advance(store: AccountStore, account_version: str, clock_id: str) -> None:
    """Run everything due up to the clock's target time, one moment per transaction, then set
    it ready. If that fails, the clock ends ``internal_failure``; the steps done stay done."""
    try:
        clock = store.find(clock_id)
        if clock is None or clock["object"] != KIND or clock["status"] != "advancing":
            return
        target = clock["status_details"]["advancing"]["target_frozen_time"]
        renewals.run_until(store, account_version, clock_id, target)
        with store.transaction():
            clock = store.get(KIND, clock_id)
            previous = {"status": "advancing", "status_details": clock["status_details"],
                        "frozen_time": clock["frozen_time"]}
            clock.update({"frozen_time": target, "status": "ready", "status_details": {}})
            store.save(clock)
            events.emit(Actor(store, account_version, clock=target), "test_helpers.test_clock.ready", clock, previous)
    except Exception:  # noqa: BLE001 - a sandbox bug: the clock says so instead of advancing forever
        log.exception("test clock %s: the simulation failed", clock_id)
        with store.transaction():
            clock = store.find(clock_id)
            if clock is not None and clock["status"] == "advancing":
                clock.update({"status": "internal_failure", "status_details": {}})
                store.save(clock)
                actor = Actor(store, account_version, clock=clock["frozen_time"])
                events.emit(actor, "test_helpers.test_clock.internal_failure", clock, {"status": "advancing"})


class Worker(threading.Thread):
    """Finishes the advances that requests start, until the process ends."""

    def __init__(self, room: Room, account_version: str) -> None:
        super().__init__(name="sandbox-test-clocks", daemon=True)
        self.room = room
        self.account_version = account_version
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                for account, clock_id in self.room.advancing_clocks():
                    finish_advance(self.room.account(account), self.account_version, clock_id)
            except Exception as error:  # noqa: BLE001 - the worker must outlive any one failure
                log.warning("test clock worker: %r", error)
            self.stopping.wait(POLL_SECONDS)


_workers: dict[int, Worker] = {}
_lock = threading.Lock()


def start(room: Room, account_version: str) -> Worker:
    """Start the database's test clock thread (once). It also finishes advances that a stopped
    sandbox left ``advancing``."""
    with _lock:
        worker = _workers.get(id(room.db))
        if worker is None or not worker.is_alive():
            worker = _workers[id(room.db)] = Worker(room, account_version)
            worker.start()
    return worker


@api.route("DELETE", "/v1/test_helpers/test_clocks/{id}", "TestClockDeleteParams")
def delete(req: ApiRequest) -> dict[str, Any]:
    """Delete the clock with its customers and everything they own, as Stripe does (not while
    it advances: refused, like a second advance)."""
    clock = req.store.get(KIND, req.args["id"])
    if clock["status"] == "advancing":
        _check_ready(clock, "delete")
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
