"""Webhook delivery: events go out in the background, signed as Stripe signs them.

``queue`` (an ``events.SUBSCRIBERS`` hook) writes one delivery row per matching endpoint, in
the transaction that records the event. A daemon thread (:func:`start`) POSTs due deliveries
with ``Stripe-Signature: t=…,v1=…`` and retries failures with exponential backoff; every
attempt is recorded. Endpoints are served independently (one asyncio task each, in the
thread's own event loop), so a slow listener delays only its own deliveries; each attempt
ends after a total timeout, and at most ``MAX_RESPONSE_BYTES`` of an answer are read.
Tunables (seconds / count): ``SANDBOX_WEBHOOK_BACKOFF`` (first retry delay, default 0.5),
``SANDBOX_WEBHOOK_BACKOFF_MAX`` (cap, default 8), ``SANDBOX_WEBHOOK_ATTEMPTS`` (default 12),
``SANDBOX_WEBHOOK_TIMEOUT`` (one attempt, start to end, default 10).
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import json
import logging
import os
import threading
import time
from typing import Any

import httpx

from ..api import versions
from ..state.account_store import AccountStore
from ..state.room import Room
from . import events

log = logging.getLogger("helpers.sandbox")
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
POLL_SECONDS = 0.1
MAX_RESPONSE_BYTES = 64 * 1024  # what is read of an answer; the rest is never downloaded

def _setting(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def backoff(attempts: int) -> float:
    """Delay before the next try after ``attempts`` failures: 0.5, 1, 2, 4 … capped."""
    base = _setting("SANDBOX_WEBHOOK_BACKOFF", 0.5)
    return min(base * 2 ** (attempts - 1), _setting("SANDBOX_WEBHOOK_BACKOFF_MAX", 8.0))


def max_attempts() -> int:
    return int(_setting("SANDBOX_WEBHOOK_ATTEMPTS", 12))


def attempt_timeout() -> float:
    return _setting("SANDBOX_WEBHOOK_TIMEOUT", 10.0)


def sign(payload: str, secret: str, timestamp: int) -> str:
    """``t=<ts>,v1=<hex>``: HMAC-SHA256 of ``f"{t}.{payload}"`` keyed with the whsec_ secret as-is."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def matches(endpoint: dict[str, Any], event_type: str) -> bool:
    enabled = endpoint.get("enabled_events") or []
    return endpoint.get("status") == "enabled" and ("*" in enabled or event_type in enabled)


def queue(store: AccountStore, event: dict[str, Any]) -> int:
    """The SUBSCRIBERS hook: one pending delivery per matching endpoint; returns how many."""
    endpoints = [e["id"] for e in store.query("webhook_endpoint") if matches(e, event["type"])]
    if endpoints:
        store.deliveries.queue(endpoints, event["id"], time.time())
    return len(endpoints)


def body_for(event: dict[str, Any], endpoint: dict[str, Any]) -> str:
    """The event as the endpoint's API version shows it (the account's when it has none)."""
    out = copy.deepcopy(event)
    if endpoint.get("api_version") and endpoint["api_version"] != event["api_version"]:
        out["data"]["object"] = versions.downgrade_response(endpoint["api_version"], out["data"]["object"])
        out["api_version"] = endpoint["api_version"]
    return json.dumps(out, indent=2)


class Worker(threading.Thread):
    """Delivers due webhooks until the process ends: one task per endpoint with due
    deliveries, each draining that endpoint's queue in order, in the endpoint's own account."""

    def __init__(self, room: Room) -> None:
        super().__init__(name="sandbox-webhooks", daemon=True)
        self.room = room
        self.stopping = threading.Event()

    def run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        timeout = attempt_timeout()
        active: dict[tuple[str, str], asyncio.Task] = {}
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            while not self.stopping.is_set():
                try:
                    for account, endpoint_id in self.room.due_endpoints(time.time()):
                        if (account, endpoint_id) in active:
                            continue
                        task = asyncio.create_task(self._drain(client, self.room.account(account), endpoint_id, timeout))
                        active[(account, endpoint_id)] = task
                        task.add_done_callback(lambda _t, e=(account, endpoint_id): active.pop(e, None))
                except Exception as error:  # noqa: BLE001 - the worker must outlive any one failure
                    log.warning("webhook worker: %r", error)
                await asyncio.sleep(POLL_SECONDS)
            for task in active.values():
                task.cancel()

    async def _drain(self, client: httpx.AsyncClient, store: AccountStore, endpoint_id: str, timeout: float) -> None:
        while not self.stopping.is_set() and (due := store.deliveries.next_due(endpoint_id, time.time())) is not None:
            try:
                await deliver(client, store, *due, endpoint_id, timeout)
            except Exception as error:  # noqa: BLE001 - one bad delivery must not stop the others
                log.warning("webhook worker: %r", error)
                return


async def deliver(
    client: httpx.AsyncClient, store: AccountStore, delivery_id: int, event_id: str, attempts: int, endpoint_id: str,
    timeout: float,
) -> None:
    """One attempt to deliver an event of ``store``'s account to one of its endpoints."""
    endpoint, event = store.find(endpoint_id), store.find(event_id)
    if (endpoint is None or event is None or endpoint.get("object") != "webhook_endpoint"
            or event.get("object") != "event" or endpoint.get("status") != "enabled"):
        store.deliveries.finish(delivery_id, "canceled", attempts)
        return
    payload = body_for(event, endpoint)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "Stripe-Signature": sign(payload, endpoint["_secret"], int(time.time())),
    }
    started = time.time()
    code, error = None, None
    try:
        code = await asyncio.wait_for(_post(client, endpoint["url"], payload.encode(), headers), timeout)
    except TimeoutError:
        error = f"Timed out: no complete answer within {timeout:g} s"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    _record(store, delivery_id, event_id, attempts + 1, started, code, error)


def _record(
    store: AccountStore, delivery_id: int, event_id: str, attempts: int, started: float, code: int | None,
    error: str | None,
) -> None:
    ok = code is not None and 200 <= code < 300
    with store.transaction():
        store.deliveries.record_attempt(delivery_id, started, code, error, int((time.time() - started) * 1000))
        if ok:
            store.deliveries.finish(delivery_id, "succeeded", attempts)
            fresh = store.find(event_id)
            if fresh is not None and fresh.get("object") == "event":
                fresh["pending_webhooks"] = max(0, fresh["pending_webhooks"] - 1)
                store.save(fresh)
        elif attempts >= max_attempts():
            store.deliveries.finish(delivery_id, "failed", attempts)
        else:
            store.deliveries.retry_at(delivery_id, attempts, time.time() + backoff(attempts))


async def _post(client: httpx.AsyncClient, url: str, content: bytes, headers: dict[str, str]) -> int:
    """POST and return the status code, reading at most MAX_RESPONSE_BYTES of the answer."""
    async with client.stream("POST", url, content=content, headers=headers) as response:
        read = 0
        async for chunk in response.aiter_raw():
            read += len(chunk)
            if read >= MAX_RESPONSE_BYTES:
                break
        return response.status_code


_workers: dict[int, Worker] = {}
_lock = threading.Lock()


def start(room: Room) -> Worker:
    """Hook into events, and start the database's delivery thread (once). The tables are the
    state's (``state/migrations.py``, ``state/deliveries.py``)."""
    if queue not in events.SUBSCRIBERS:
        events.SUBSCRIBERS.append(queue)
    with _lock:
        worker = _workers.get(id(room.db))
        if worker is None or not worker.is_alive():
            worker = _workers[id(room.db)] = Worker(room)
            worker.start()
    return worker
