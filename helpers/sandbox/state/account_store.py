"""One account's store: the only way to read and write objects.

As at Stripe, everything belongs to an account (``shared/contract.py``): objects, events,
idempotency keys, webhook deliveries. An :class:`AccountStore` is bound to one account when it
is made, and every statement it runs names that account, so an access to another account's
rows cannot be written with it: another account's IDs are simply not there. (Reads across
accounts, which the background workers and the trainer need, are :class:`~.room.Room`'s.)

Objects are stored as JSON, one row each, with an insertion sequence for Stripe's
newest-first lists. What lists filter on is indexed (``migrations.INDEXED``, ``created``
beside the insertion order), and the searchable fields of an object are copied, lowercased,
into ``search_terms``, so that filters and search stay fast at 50,000 customers.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..shared.errors import missing
from . import search
from .database import Database
from .deliveries import Deliveries
from .migrations import ACCOUNT_TABLES, ROOM_TABLES, indexed_expression
from .room_activity import RoomActivity

# Human names of object types, for "No such customer: 'cus_…'".
NAMES = {"payment_method": "PaymentMethod", "setup_intent": "setupintent", "test_helpers.test_clock": "test clock"}

# How many of the newest objects a broad search tries one by one before it uses the indexes.
RECENT_WINDOW = 1000

_NAME = re.compile(r"[a-z_]+(\[[0-9]+\])?(\.[a-z_]+(\[[0-9]+\])?)*")  # also a list's item: items.data[0]
_OPERATORS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


@dataclass(frozen=True)
class Glob:
    """A ``where`` value: the field matches one of these SQLite GLOB patterns."""

    patterns: tuple[str, ...]


def checked(name: str) -> str:
    """A type or field name that goes into SQL as text (so that its index applies)."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a type or field name: {name!r}")
    return name


class AccountStore:
    """The objects, idempotency keys, webhook deliveries and room activity of one account."""

    def __init__(self, db: Database, account: str) -> None:
        if not isinstance(account, str) or not account:
            raise ValueError("an AccountStore needs the account it belongs to")
        self.db = db
        self.account = account

    @cached_property
    def deliveries(self) -> Deliveries:
        """The account's webhook deliveries (``state/deliveries.py``)."""
        return Deliveries(self.db, self.account)

    @cached_property
    def activity(self) -> RoomActivity:
        """What a classroom knows of the account's learner (``state/room_activity.py``)."""
        return RoomActivity(self.db, self.account)

    # ------------------------------------------------------------------ transactions

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Every write in the block commits, or none does (:meth:`Database.transaction`)."""
        with self.db.transaction():
            yield

    def snapshot(self):
        return self.db.snapshot()

    def attempt(self):
        return self.db.attempt()

    # ------------------------------------------------------------------ objects

    def insert(self, obj: dict[str, Any]) -> dict[str, Any]:
        with self.db.transaction() as db:
            cur = db.execute(
                "INSERT INTO objects (id, type, created, data, account) VALUES (?, ?, ?, ?, ?)",
                (obj["id"], obj["object"], obj.get("created") or int(time.time()), json.dumps(obj), self.account),
            )
            if obj["object"] in search.SEARCHABLE:
                search.write_terms(db, self.account, cur.lastrowid, obj, new=True)
        return obj

    def save(self, obj: dict[str, Any]) -> dict[str, Any]:
        with self.db.transaction() as db:
            row = db.execute(
                "UPDATE objects SET data = ? WHERE account = ? AND id = ? RETURNING seq",
                (json.dumps(obj), self.account, obj["id"]),
            ).fetchone()
            if row is None:
                raise KeyError(obj["id"])
            if obj["object"] in search.SEARCHABLE:
                search.write_terms(db, self.account, row[0], obj)
        return obj

    def delete(self, object_id: str) -> None:
        with self.db.transaction() as db:
            rows = db.execute(
                "DELETE FROM objects WHERE account = ? AND id = ? RETURNING seq", (self.account, object_id)
            ).fetchall()
            for (seq,) in rows:
                db.execute("DELETE FROM search_terms WHERE seq = ?", (seq,))

    def tombstone(self, stub: dict[str, Any]) -> None:
        """Replace a deleted object by Stripe's stub ``{"id", "object", "deleted": true}``: found
        by ``find`` (a retrieve answers it), but no longer of its type (``query``, ``get``)."""
        with self.db.transaction() as db:
            rows = db.execute(
                "UPDATE objects SET type = 'deleted_object', data = ? WHERE account = ? AND id = ? RETURNING seq",
                (json.dumps(stub), self.account, stub["id"]),
            ).fetchall()
            for (seq,) in rows:
                db.execute("DELETE FROM search_terms WHERE seq = ?", (seq,))

    def find(self, object_id: str) -> dict[str, Any] | None:
        row = self._one("SELECT data FROM objects WHERE account = ? AND id = ?", object_id)
        return json.loads(row[0]) if row else None

    def get(self, object_type: str, object_id: Any, param: str = "id") -> dict[str, Any]:
        """The object, or Stripe's 404 ``resource_missing`` naming ``param``."""
        obj = self.find(object_id) if isinstance(object_id, str) else None
        if obj is None or obj["object"] != object_type or obj.get("deleted"):
            raise missing(NAMES.get(object_type, object_type), str(object_id), param)
        return obj

    def seq_of(self, object_id: str) -> int | None:
        row = self._one("SELECT seq FROM objects WHERE account = ? AND id = ?", object_id)
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
        sql, args = self.select_seqs(object_type, where, before_seq, after_seq, created)
        order = "DESC" if newest_first else "ASC"
        sql += f" ORDER BY seq {order}"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        # Pick the rows in the indexes first, then read only their JSON (by seq: the unary + keeps
        # SQLite from reading the whole account along its index instead).
        rows = self.db._connect().execute(
            f"SELECT data FROM objects WHERE +account = ? AND seq IN ({sql}) ORDER BY seq {order}",  # noqa: S608
            [self.account, *args],
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def select_seqs(
        self, object_type: str, where: dict[str, Any] | None, before_seq: int | None, after_seq: int | None,
        created: dict[str, int] | None,
    ) -> tuple[str, list[Any]]:
        """The SQL (and its arguments) that selects the ``seq`` of the matching objects."""
        # Names go into the SQL as text, so that SQLite matches them with their indexes.
        sql, args = [f"SELECT seq FROM objects WHERE account = ? AND type = '{checked(object_type)}'"], [self.account]
        for field, value in (where or {}).items():
            expression = indexed_expression(checked(field))
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

    def search(self, object_type: str, query: Any, *, limit: int, offset: int) -> list[dict[str, Any]]:
        """Objects of a type that match a parsed search query (``search.py``), newest first.
        A broad query first tries the newest RECENT_WINDOW objects one by one; when they hold
        the page, that is the answer, else the indexes give it."""
        kind = checked(object_type)
        if search.broad(query):
            # Newest first along the list index, each object's own terms tested, down to the
            # RECENT_WINDOW-th newest object; SQLite stops once the page is full.
            floor = self.db._connect().execute(
                f"SELECT seq FROM objects WHERE account = ? AND type = '{kind}' ORDER BY seq DESC LIMIT 1 OFFSET ?",  # noqa: S608
                (self.account, RECENT_WINDOW - 1),
            ).fetchone()
            condition, more = search.to_sql(query, object_type, self.account, per_row=True)
            found = self._rows(f"o.type = '{kind}' AND o.seq >= ? AND ({condition})",
                               [floor[0] if floor else 0, *more], limit, offset)
            if len(found) == limit or floor is None:  # the page is full, or that was everything
                return found
        condition, more = search.to_sql(query, object_type, self.account, fts=self.db.fts)
        return self._rows(f"o.type = '{kind}' AND ({condition})", more, limit, offset)

    def _rows(self, where: str, args: list[Any], limit: int, offset: int) -> list[dict[str, Any]]:
        rows = self.db._connect().execute(
            f"SELECT data FROM objects o WHERE o.account = ? AND {where} ORDER BY o.seq DESC LIMIT ? OFFSET ?",  # noqa: S608
            [self.account, *args, limit, offset],
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def _one(self, sql: str, *args: Any) -> tuple | None:
        return self.db._connect().execute(sql, (self.account, *args)).fetchone()

    # ------------------------------------------------------------------ what the Dashboard reads

    def count(self) -> int:
        return self._one("SELECT count(*) FROM objects WHERE account = ?")[0]

    def counts_by_type(self) -> dict[str, int]:
        rows = self.db._connect().execute(
            "SELECT type, count(*) FROM objects WHERE account = ? GROUP BY type", (self.account,)
        ).fetchall()
        return dict(rows)

    def events_about(self, object_id: str, limit: int) -> list[dict[str, Any]]:
        """The newest events whose object is ``object_id``, newest first."""
        rows = self.db._connect().execute(
            "SELECT data FROM objects WHERE account = ? AND type = 'event' "
            "AND json_extract(data, '$.data.object.id') = ? ORDER BY seq DESC LIMIT ?",
            (self.account, object_id, limit),
        ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def existing_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` name an object of this account."""
        wanted = sorted(set(ids))
        if not wanted:
            return set()
        rows = self.db._connect().execute(
            f"SELECT id FROM objects WHERE account = ? AND id IN ({', '.join('?' * len(wanted))})",  # noqa: S608
            (self.account, *wanted),
        ).fetchall()
        return {row[0] for row in rows}

    # ------------------------------------------------------------------ idempotency

    def idempotent_result(self, key: str) -> tuple[str, int, str] | None:
        row = self._one("SELECT fingerprint, status, body FROM idempotency WHERE account = ? AND key = ?", key)
        return (row[0], row[1], row[2]) if row else None

    def remember(self, key: str, fingerprint: str, status: int, body: str) -> None:
        with self.db.transaction() as db:
            db.execute(  # a plain INSERT: a key is saved once, by the request that checked it
                "INSERT INTO idempotency (account, key, fingerprint, status, body, created) VALUES (?, ?, ?, ?, ?, ?)",
                (self.account, key, fingerprint, status, body, int(time.time())),
            )

    # ------------------------------------------------------------------ reset

    def reset(self) -> int:
        """Empty the account (its objects, idempotency keys, webhook deliveries, the room's rows …); the account
        itself stays (its keys still work, its display name remains). How many objects it removed."""
        with self.db.transaction() as db:
            removed = db.execute("SELECT count(*) FROM objects WHERE account = ?", (self.account,)).fetchone()[0]
            for table in (*ACCOUNT_TABLES, *ROOM_TABLES):
                db.execute(f"DELETE FROM {table} WHERE account = ?", (self.account,))  # noqa: S608
        return removed
