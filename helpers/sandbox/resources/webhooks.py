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
import os
import threading
import time
from typing import Any

import httpx

from ..api import versions
from ..state.store import Store
from . import events

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


def queue(store: Store, event: dict[str, Any]) -> int:
    """The SUBSCRIBERS hook: one pending delivery per matching endpoint; returns how many."""
    endpoints = [e for e in store.query("webhook_endpoint") if matches(e, event["type"])]
    if not endpoints:
        return 0
    now = time.time()
    with store.transaction() as db:
        for endpoint in endpoints:
            db.execute(
                "INSERT INTO webhook_deliveries (endpoint, event, status, next_attempt_at, created, account) "
                "VALUES (?, ?, 'pending', ?, ?, ?)",
                (endpoint["id"], event["id"], now, now, store.account),
            )
    return len(endpoints)


def cancel_for_endpoint(store: Store, endpoint_id: str) -> None:
    with store.transaction() as db:
        db.execute(
            "UPDATE webhook_deliveries SET status = 'canceled' WHERE endpoint = ? AND status = 'pending'",
            (endpoint_id,),
        )


def attempts_for(store: Store, event_id: str, endpoint_id: str | None = None) -> list[dict[str, Any]]:
    """Every recorded attempt to deliver an event (to one endpoint, or all), oldest first."""
    with store.transaction() as db:
        rows = db.execute(
            "SELECT d.endpoint, d.status, a.attempted_at, a.status_code, a.error FROM webhook_attempts a "
            "JOIN webhook_deliveries d ON d.id = a.delivery WHERE d.event = ? AND d.endpoint = coalesce(?, d.endpoint) "
            "ORDER BY a.id",
            (event_id, endpoint_id),
        ).fetchall()
    keys = ("endpoint", "delivery_status", "attempted_at", "status_code", "error")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def body_for(event: dict[str, Any], endpoint: dict[str, Any]) -> str:
    """The event as the endpoint's API version shows it (the account's when it has none)."""
    out = copy.deepcopy(event)
    if endpoint.get("api_version") and endpoint["api_version"] != event["api_version"]:
        out["data"]["object"] = versions.downgrade_response(endpoint["api_version"], out["data"]["object"])
        out["api_version"] = endpoint["api_version"]
    return json.dumps(out, indent=2)


class Worker(threading.Thread):
    """Delivers due webhooks until the process ends: one task per endpoint with due
    deliveries, each draining that endpoint's queue in order."""

    def __init__(self, store: Store) -> None:
        super().__init__(name="sandbox-webhooks", daemon=True)
        self.store = store
        self.stopping = threading.Event()

    def run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        timeout = attempt_timeout()
        active: dict[str, asyncio.Task] = {}
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            while not self.stopping.is_set():
                try:
                    for endpoint_id in self._endpoints_due(exclude=set(active)):
                        task = asyncio.create_task(self._drain(client, endpoint_id, timeout))
                        active[endpoint_id] = task
                        task.add_done_callback(lambda _t, e=endpoint_id: active.pop(e, None))
                except Exception as error:  # noqa: BLE001 - the worker must outlive any one failure
                    print(f"webhook worker: {error!r}", flush=True)
                await asyncio.sleep(POLL_SECONDS)
            for task in active.values():
                task.cancel()

    def _endpoints_due(self, exclude: set[str]) -> list[str]:
        rows = self.store.read(
            "SELECT DISTINCT endpoint FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ?",
            (time.time(),),
        )
        return [row[0] for row in rows if row[0] not in exclude]

    def _next_due(self, endpoint_id: str) -> tuple[int, str, int] | None:
        rows = self.store.read(
            "SELECT id, event, attempts FROM webhook_deliveries WHERE endpoint = ? AND status = 'pending' "
            "AND next_attempt_at <= ? ORDER BY id LIMIT 1",
            (endpoint_id, time.time()),
        )
        return rows[0] if rows else None

    async def _drain(self, client: httpx.AsyncClient, endpoint_id: str, timeout: float) -> None:
        while not self.stopping.is_set() and (due := self._next_due(endpoint_id)) is not None:
            try:
                await self.deliver(client, *due, endpoint_id, timeout)
            except Exception as error:  # noqa: BLE001 - one bad delivery must not stop the others
                print(f"webhook worker: {error!r}", flush=True)
                return

    async def deliver(
        self, client: httpx.AsyncClient, delivery_id: int, event_id: str, attempts: int, endpoint_id: str,
        timeout: float,
    ) -> None:
        endpoint, event = self.store.find(endpoint_id), self.store.find(event_id)
        if endpoint is None or event is None or endpoint.get("status") != "enabled":
            self._finish(delivery_id, "canceled", attempts)
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
        self._record(delivery_id, event_id, attempts + 1, started, code, error)

    def _record(
        self, delivery_id: int, event_id: str, attempts: int, started: float, code: int | None, error: str | None
    ) -> None:
        ok = code is not None and 200 <= code < 300
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO webhook_attempts (delivery, attempted_at, status_code, error, duration_ms, account) "
                "SELECT ?, ?, ?, ?, ?, account FROM webhook_deliveries WHERE id = ?",
                (delivery_id, started, code, error, int((time.time() - started) * 1000), delivery_id),
            )
            if ok:
                self._finish(delivery_id, "succeeded", attempts)
                fresh = self.store.find(event_id)
                if fresh is not None:
                    fresh["pending_webhooks"] = max(0, fresh["pending_webhooks"] - 1)
                    self.store.save(fresh)
            elif attempts >= max_attempts():
                self._finish(delivery_id, "failed", attempts)
            else:
                db.execute(
                    "UPDATE webhook_deliveries SET attempts = ?, next_attempt_at = ? WHERE id = ?",
                    (attempts, time.time() + backoff(attempts), delivery_id),
                )

    def _finish(self, delivery_id: int, status: str, attempts: int) -> None:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE webhook_deliveries SET status = ?, attempts = ? WHERE id = ?", (status, attempts, delivery_id)
            )


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


def start(store: Store) -> Worker:
    """Hook into events, and start the store's delivery thread (once). The tables are the
    store's (``store.WEBHOOK_TABLES`` and its migrations)."""
    if queue not in events.SUBSCRIBERS:
        events.SUBSCRIBERS.append(queue)
    with _lock:
        worker = _workers.get(id(store))
        if worker is None or not worker.is_alive():
            worker = _workers[id(store)] = Worker(store)
            worker.start()
    return worker
