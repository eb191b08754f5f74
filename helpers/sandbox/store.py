"""The sandbox's state: one SQLite file (WAL), one transaction per request.

Objects are stored as JSON, one row each, with an insertion sequence for Stripe's
newest-first lists. Every write happens inside :meth:`Store.transaction`, which holds a
process-wide lock, so concurrent requests never interleave and a ``kill -9`` loses at most
the request that was in flight.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import sqlite3
import string
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import StripeError, missing

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    type TEXT NOT NULL,
    created INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS objects_type_seq ON objects(type, seq);
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created INTEGER NOT NULL
);
"""

_ALPHABET = string.ascii_letters + string.digits

# Human names of object types, for "No such customer: 'cus_…'".
NAMES = {"payment_method": "PaymentMethod", "setup_intent": "setupintent", "test_helpers.test_clock": "test clock"}


_RANDOM = secrets.SystemRandom()


def random_token(length: int) -> str:
    return "".join(_RANDOM.choices(_ALPHABET, k=length))


def new_id(prefix: str, length: int = 24) -> str:
    return f"{prefix}_{random_token(length)}"


class Store:
    """A thin, typed layer over one SQLite database."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.lock = threading.RLock()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA busy_timeout=30000")
            self._local.db = db
        return db

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Serialize a whole request: every write in it commits, or none does."""
        with self.lock:
            db = self._connect()
            if db.in_transaction:  # nested: join the outer transaction
                yield db
                return
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except StripeError as error:
                # An error answered to the client; keep what it recorded only if it says so
                # (a failed payment attempt is state; a refused request is not).
                db.execute("COMMIT" if error.keep_state else "ROLLBACK")
                raise
            except BaseException:
                db.execute("ROLLBACK")
                raise
            else:
                db.execute("COMMIT")

    @contextlib.contextmanager
    def attempt(self) -> Iterator[None]:
        """Inside a transaction: a StripeError undoes what the block wrote (unless it says to
        keep it) and propagates; the transaction itself goes on (to save the answer)."""
        db = self._connect()
        db.execute("SAVEPOINT attempt")
        try:
            yield
        except StripeError as error:
            if not error.keep_state:
                db.execute("ROLLBACK TO attempt")
            db.execute("RELEASE attempt")
            raise
        except BaseException:
            db.execute("ROLLBACK TO attempt")
            db.execute("RELEASE attempt")
            raise
        db.execute("RELEASE attempt")

    # ------------------------------------------------------------------ objects

    def insert(self, obj: dict[str, Any]) -> dict[str, Any]:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO objects (id, type, created, data) VALUES (?, ?, ?, ?)",
                (obj["id"], obj["object"], obj.get("created") or int(time.time()), json.dumps(obj)),
            )
        return obj

    def save(self, obj: dict[str, Any]) -> dict[str, Any]:
        with self.transaction() as db:
            cur = db.execute("UPDATE objects SET data = ? WHERE id = ?", (json.dumps(obj), obj["id"]))
            if cur.rowcount == 0:
                raise KeyError(obj["id"])
        return obj

    def delete(self, object_id: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM objects WHERE id = ?", (object_id,))

    def tombstone(self, stub: dict[str, Any]) -> None:
        """Replace a deleted object by Stripe's stub ``{"id", "object", "deleted": true}``: found
        by ``find`` (a retrieve answers it), but no longer of its type (``query``, ``get``)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE objects SET type = 'deleted_object', data = ? WHERE id = ?", (json.dumps(stub), stub["id"])
            )

    def find(self, object_id: str) -> dict[str, Any] | None:
        row = self._connect().execute("SELECT data FROM objects WHERE id = ?", (object_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def get(self, object_type: str, object_id: Any, param: str = "id") -> dict[str, Any]:
        """The object, or Stripe's 404 ``resource_missing`` naming ``param``."""
        obj = self.find(object_id) if isinstance(object_id, str) else None
        if obj is None or obj["object"] != object_type or obj.get("deleted"):
            raise missing(NAMES.get(object_type, object_type), str(object_id), param)
        return obj

    def seq_of(self, object_id: str) -> int | None:
        row = self._connect().execute("SELECT seq FROM objects WHERE id = ?", (object_id,)).fetchone()
        return row[0] if row else None

    def query(
        self,
        object_type: str,
        where: dict[str, Any] | None = None,
        *,
        before_seq: int | None = None,
        after_seq: int | None = None,
        limit: int | None = None,
        newest_first: bool = True,
    ) -> list[dict[str, Any]]:
        """Objects of a type; ``where`` compares top-level (or dotted) JSON fields for equality."""
        sql = ["SELECT data FROM objects WHERE type = ?"]
        args: list[Any] = [object_type]
        for field, value in (where or {}).items():
            path = "$." + field
            if value is None:
                sql.append("AND json_extract(data, ?) IS NULL")
                args.append(path)
            else:
                sql.append("AND json_extract(data, ?) = ?")
                args += [path, int(value) if isinstance(value, bool) else value]
        if before_seq is not None:
            sql.append("AND seq < ?")
            args.append(before_seq)
        if after_seq is not None:
            sql.append("AND seq > ?")
            args.append(after_seq)
        sql.append("ORDER BY seq " + ("DESC" if newest_first else "ASC"))
        if limit is not None:
            sql.append("LIMIT ?")
            args.append(limit)
        rows = self._connect().execute(" ".join(sql), args).fetchall()
        return [json.loads(r[0]) for r in rows]

    def read(self, sql: str, args: tuple = ()) -> list[tuple]:
        """The rows of a read-only statement; no lock (WAL readers never wait for the writer)."""
        return self._connect().execute(sql, args).fetchall()

    def count_all(self) -> int:
        return self._connect().execute("SELECT count(*) FROM objects").fetchone()[0]


    # ------------------------------------------------------------------ idempotency

    def idempotent_result(self, key: str) -> tuple[str, int, str] | None:
        row = self._connect().execute(
            "SELECT fingerprint, status, body FROM idempotency WHERE key = ?", (key,)
        ).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def remember(self, key: str, fingerprint: str, status: int, body: str) -> None:
        with self.transaction() as db:
            db.execute(  # a plain INSERT: a key is saved once, by the request that checked it
                "INSERT INTO idempotency VALUES (?, ?, ?, ?, ?)",
                (key, fingerprint, status, body, int(time.time())),
            )

    def reset(self) -> None:
        """Empty every table (objects, idempotency keys, webhook deliveries …)."""
        with self.transaction() as db:
            tables = [row[0] for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )]
            for table in tables:
                db.execute(f'DELETE FROM "{table}"')  # noqa: S608 - names from sqlite_master
