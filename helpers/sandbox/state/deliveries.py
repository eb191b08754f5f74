"""One account's webhook deliveries and their attempts (the tables of ``resources/webhooks.py``).

Bound to one account like :class:`~.account_store.AccountStore` (which holds one as
``store.deliveries``): every statement names the account, so a delivery or an attempt of
another account cannot be read or changed through it.
"""

from __future__ import annotations

from typing import Any

from .database import Database

ATTEMPT_FIELDS = ("endpoint", "delivery_status", "attempted_at", "status_code", "error")


class Deliveries:
    def __init__(self, db: Database, account: str) -> None:
        self.db, self.account = db, account

    def queue(self, endpoint_ids: list[str], event_id: str, now: float) -> None:
        """One pending delivery of ``event_id`` to each endpoint, due at once."""
        with self.db.transaction() as db:
            db.executemany(
                "INSERT INTO webhook_deliveries (endpoint, event, status, next_attempt_at, created, account) "
                "VALUES (?, ?, 'pending', ?, ?, ?)",
                [(endpoint_id, event_id, now, now, self.account) for endpoint_id in endpoint_ids],
            )

    def cancel(self, endpoint_id: str) -> None:
        """The endpoint's pending deliveries are canceled (it was deleted or disabled)."""
        with self.db.transaction() as db:
            db.execute(
                "UPDATE webhook_deliveries SET status = 'canceled' WHERE account = ? AND endpoint = ? "
                "AND status = 'pending'",
                (self.account, endpoint_id),
            )

    def next_due(self, endpoint_id: str, now: float) -> tuple[int, str, int] | None:
        """(delivery, event ID, attempts so far) of the endpoint's oldest due delivery."""
        row = self.db._connect().execute(
            "SELECT id, event, attempts FROM webhook_deliveries WHERE account = ? AND endpoint = ? "
            "AND status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT 1",
            (self.account, endpoint_id, now),
        ).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def record_attempt(
        self, delivery_id: int, started: float, code: int | None, error: str | None, duration_ms: int,
    ) -> None:
        with self.db.transaction() as db:
            db.execute(
                "INSERT INTO webhook_attempts (delivery, attempted_at, status_code, error, duration_ms, account) "
                "SELECT id, ?, ?, ?, ?, account FROM webhook_deliveries WHERE account = ? AND id = ?",
                (started, code, error, duration_ms, self.account, delivery_id),
            )

    def finish(self, delivery_id: int, status: str, attempts: int) -> None:
        """The delivery ends: ``succeeded``, ``failed`` (no attempts left) or ``canceled``."""
        with self.db.transaction() as db:
            db.execute(
                "UPDATE webhook_deliveries SET status = ?, attempts = ? WHERE account = ? AND id = ?",
                (status, attempts, self.account, delivery_id),
            )

    def retry_at(self, delivery_id: int, attempts: int, at: float) -> None:
        with self.db.transaction() as db:
            db.execute(
                "UPDATE webhook_deliveries SET attempts = ?, next_attempt_at = ? WHERE account = ? AND id = ?",
                (attempts, at, self.account, delivery_id),
            )

    def attempts(self, event_id: str, endpoint_id: str | None = None) -> list[dict[str, Any]]:
        """Every recorded attempt to deliver an event (to one endpoint, or all), oldest first."""
        rows = self.db._connect().execute(
            "SELECT d.endpoint, d.status, a.attempted_at, a.status_code, a.error FROM webhook_attempts a "
            "JOIN webhook_deliveries d ON d.id = a.delivery WHERE a.account = ? AND d.account = ? AND d.event = ? "
            "AND d.endpoint = coalesce(?, d.endpoint) ORDER BY a.id",
            (self.account, self.account, event_id, endpoint_id),
        ).fetchall()
        return [dict(zip(ATTEMPT_FIELDS, row, strict=True)) for row in rows]
