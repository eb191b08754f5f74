"""The sandbox's state: one SQLite file (WAL), one transaction per request.

Objects are stored as JSON, one row each, with an insertion sequence for Stripe's
newest-first lists. Every write happens inside :meth:`Store.transaction`, which holds a
process-wide lock, so concurrent writes never interleave and a ``kill -9`` loses at most
the request that was in flight. Reads never take that lock: a GET runs in a
:meth:`Store.snapshot` (WAL readers do not wait for the writer, nor it for them).

What lists filter on is indexed (the fields in ``INDEXED``, ``created`` beside the insertion
order), and the searchable fields of an object are copied, lowercased, into
``search_terms``, so that filters and search stay fast at 50,000 customers.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import sqlite3
import string
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import StripeError, missing

# The first schema; MIGRATIONS take it from there.
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS objects (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT UNIQUE NOT NULL,
        type TEXT NOT NULL,
        created INTEGER NOT NULL,
        data TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS objects_type_seq ON objects(type, seq)",
    """CREATE TABLE IF NOT EXISTS idempotency (
        key TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        status INTEGER NOT NULL,
        body TEXT NOT NULL,
        created INTEGER NOT NULL
    )""",
)

# Fields that lists filter by (and the store's own lookups follow), each with an index on
# (type, field, seq) over the objects that have it. A field outside this list still works
# as a filter, by reading every object of the type.
INDEXED = ("customer", "email", "invoice", "payment_method", "product", "setup_intent", "subscription",
           "test_clock", "type")

# What search looks in, per object type (plus every metadata key); see ``search.py``.
SEARCHABLE = {"customer": ("email", "name", "phone")}


def _indexed_expression(field: str) -> str:
    return f"json_extract(data, '$.{field}')"


# Each migration brings a database from the previous ``user_version`` to its own number.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: lists by type (with created, for created[…] filters), filters by INDEXED fields, search.
    (
        "DROP INDEX IF EXISTS objects_type_seq",
        "CREATE INDEX objects_list ON objects(type, seq, created)",
        *(
            f"CREATE INDEX objects_by_{f} ON objects(type, {_indexed_expression(f)}, seq) "
            f"WHERE {_indexed_expression(f)} IS NOT NULL"
            for f in INDEXED
        ),
        """CREATE TABLE search_terms (
            seq INTEGER NOT NULL,       -- of the object
            type TEXT NOT NULL,
            field TEXT NOT NULL,        -- "email", or "metadata:<key>"
            value TEXT NOT NULL         -- lowercased
        )""",
        "CREATE INDEX search_terms_lookup ON search_terms(type, field, value, seq)",
        "CREATE INDEX search_terms_seq ON search_terms(seq)",
    ),
)

_NAME = re.compile(r"[a-z_]+(\.[a-z_]+)*")
_OPERATORS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


@dataclass(frozen=True)
class Glob:
    """A ``where`` value: the field matches one of these SQLite GLOB patterns."""

    patterns: tuple[str, ...]


def _checked(name: str) -> str:
    """A type or field name that goes into SQL as text (so that its index applies)."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a type or field name: {name!r}")
    return name


def search_terms(obj: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, lowercased value) for every searchable value of ``obj``."""
    fields = SEARCHABLE.get(obj.get("object", ""))
    if fields is None or obj.get("deleted"):
        return []
    terms = [(f, str(obj[f]).lower()) for f in fields if obj.get(f) is not None]
    terms += [(f"metadata:{k}", str(v).lower()) for k, v in (obj.get("metadata") or {}).items() if v is not None]
    return terms

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
        self._connect().execute("PRAGMA journal_mode=WAL")
        self._migrate()

    def _migrate(self) -> None:
        """Create the schema, or bring an older database up to date (in one transaction)."""
        with self.transaction() as db:
            for statement in SCHEMA:
                db.execute(statement)
            version = db.execute("PRAGMA user_version").fetchone()[0]
            for number, statements in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in statements:
                    db.execute(statement)
                if number == 1:  # search terms for the objects stored before
                    for seq, data in db.execute("SELECT seq, data FROM objects").fetchall():
                        self._write_terms(db, seq, json.loads(data))
                db.execute(f"PRAGMA user_version = {number}")

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
        if getattr(self._local, "snapshot", False):
            raise RuntimeError("a write inside a read-only snapshot (a GET must not change state)")
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
    def snapshot(self) -> Iterator[None]:
        """A consistent view for a read-only request, without the write lock: WAL readers do
        not wait for the writer, nor it for them. A write inside is a bug, and raises."""
        db = self._connect()
        if db.in_transaction:
            yield
            return
        db.execute("BEGIN DEFERRED")
        self._local.snapshot = True
        try:
            yield
        finally:
            self._local.snapshot = False
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

    def _write_terms(self, db: sqlite3.Connection, seq: int, obj: dict[str, Any]) -> None:
        db.execute("DELETE FROM search_terms WHERE seq = ?", (seq,))
        db.executemany(
            "INSERT INTO search_terms (seq, type, field, value) VALUES (?, ?, ?, ?)",
            [(seq, obj["object"], field, value) for field, value in search_terms(obj)],
        )

    def insert(self, obj: dict[str, Any]) -> dict[str, Any]:
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO objects (id, type, created, data) VALUES (?, ?, ?, ?)",
                (obj["id"], obj["object"], obj.get("created") or int(time.time()), json.dumps(obj)),
            )
            if obj["object"] in SEARCHABLE:
                self._write_terms(db, cur.lastrowid, obj)
        return obj

    def save(self, obj: dict[str, Any]) -> dict[str, Any]:
        with self.transaction() as db:
            row = db.execute("UPDATE objects SET data = ? WHERE id = ? RETURNING seq", (json.dumps(obj), obj["id"]))
            found = row.fetchone()
            if found is None:
                raise KeyError(obj["id"])
            if obj["object"] in SEARCHABLE:
                self._write_terms(db, found[0], obj)
        return obj

    def delete(self, object_id: str) -> None:
        with self.transaction() as db:
            for (seq,) in db.execute("DELETE FROM objects WHERE id = ? RETURNING seq", (object_id,)).fetchall():
                db.execute("DELETE FROM search_terms WHERE seq = ?", (seq,))

    def tombstone(self, stub: dict[str, Any]) -> None:
        """Replace a deleted object by Stripe's stub ``{"id", "object", "deleted": true}``: found
        by ``find`` (a retrieve answers it), but no longer of its type (``query``, ``get``)."""
        with self.transaction() as db:
            rows = db.execute(
                "UPDATE objects SET type = 'deleted_object', data = ? WHERE id = ? RETURNING seq",
                (json.dumps(stub), stub["id"]),
            ).fetchall()
            for (seq,) in rows:
                db.execute("DELETE FROM search_terms WHERE seq = ?", (seq,))

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
        created: dict[str, int] | None = None,
        limit: int | None = None,
        newest_first: bool = True,
    ) -> list[dict[str, Any]]:
        """Objects of a type; ``where`` compares top-level (or dotted) JSON fields for equality,
        ``created`` bounds the creation time (``{"gte": ts, "lt": ts}``, Stripe's operators)."""
        sql, args = self._select_seqs(object_type, where, before_seq, after_seq, created)
        sql += " ORDER BY seq " + ("DESC" if newest_first else "ASC")
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        # Pick the rows in the indexes first, then read only their JSON.
        rows = self._connect().execute(
            f"SELECT data FROM objects WHERE seq IN ({sql}) ORDER BY seq {'DESC' if newest_first else 'ASC'}",  # noqa: S608
            args,
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def _select_seqs(
        self, object_type: str, where: dict[str, Any] | None, before_seq: int | None, after_seq: int | None,
        created: dict[str, int] | None,
    ) -> tuple[str, list[Any]]:
        # Names go into the SQL as text, so that SQLite matches them with their indexes.
        sql = [f"SELECT seq FROM objects WHERE type = '{_checked(object_type)}'"]
        args: list[Any] = []
        for field, value in (where or {}).items():
            expression = _indexed_expression(_checked(field))
            if value is None:
                sql.append(f"AND {expression} IS NULL")
            elif isinstance(value, Glob):
                sql.append("AND (" + " OR ".join([f"{expression} GLOB ?"] * len(value.patterns)) + ")")
                args += value.patterns
            else:
                sql.append(f"AND {expression} = ?")
                args.append(int(value) if isinstance(value, bool) else value)
        for operator, value in (created or {}).items():
            sql.append(f"AND created {_OPERATORS[operator]} ?")
            args.append(value)
        if before_seq is not None:
            sql.append("AND seq < ?")
            args.append(before_seq)
        if after_seq is not None:
            sql.append("AND seq > ?")
            args.append(after_seq)
        return " ".join(sql), args

    def search(self, object_type: str, condition: str, args: list[Any], *, limit: int, offset: int) -> list[dict]:
        """Objects of a type for which ``condition`` holds (SQL over ``objects o``, built by
        ``search.to_sql``), newest first."""
        rows = self._connect().execute(
            f"SELECT data FROM objects o WHERE o.type = '{_checked(object_type)}' AND ({condition}) "  # noqa: S608
            "ORDER BY o.seq DESC LIMIT ? OFFSET ?",
            [*args, limit, offset],
        ).fetchall()
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
