"""Reads and writes across accounts, each by name: the accounts table, an object's owner (for a
hosted page, which has no API key), the clocks and deliveries due in any account (for the
background workers), the trainer's counts and every learner's room rows, a reset of everything
(and the trainer's forgetting of every account).

This is the one place where a statement may leave out the account; each method says what it
reads. What then acts on an account's objects does it through :meth:`Room.account`, an
:class:`~.account_store.AccountStore` bound to that account.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..shared.contract import secret_hash
from .account_store import AccountStore, checked
from .database import Database
from .migrations import open_account
from .room_activity import LEARNER_COLUMNS, LearnerRow, Note

CLOCK = "test_helpers.test_clock"


@dataclass(frozen=True)
class Account:
    id: str
    publishable_key: str
    display_name: str | None
    created: int


@dataclass(frozen=True)
class EventRule:
    """Events of one of ``types`` whose object's ``field`` (a path such as ``recurring.interval``
    or ``items.data[0].price``), when given, equals ``value``, or, without one, has a value."""

    types: tuple[str, ...]
    field: str | None = None
    value: str | None = None


class Room:
    """Every account of one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def account(self, account_id: str) -> AccountStore:
        """The store of one account: what acts on its objects uses this."""
        return AccountStore(self.db, account_id)

    # ------------------------------------------------------------------ the accounts table

    def open_account(self, secret_key: str) -> str:
        """The account of ``secret_key``, opened if new."""
        with self.db.transaction() as db:
            return open_account(db, secret_key)

    def account_for_secret_key(self, secret_key: str) -> str | None:
        row = self._one("SELECT id FROM accounts WHERE secret_hash = ?", secret_hash(secret_key))
        return row[0] if row else None

    def account_for_publishable_key(self, key: str) -> str | None:
        row = self._one("SELECT id FROM accounts WHERE publishable_key = ?", key)
        return row[0] if row else None

    def get(self, account_id: str) -> Account | None:
        row = self._one("SELECT id, publishable_key, display_name, created FROM accounts WHERE id = ?", account_id)
        return Account(*row) if row else None

    def accounts(self) -> list[Account]:
        """Every account, oldest first."""
        rows = self.db._connect().execute(
            "SELECT id, publishable_key, display_name, created FROM accounts ORDER BY created, id"
        ).fetchall()
        return [Account(*row) for row in rows]

    def set_display_name(self, account_id: str, name: str) -> None:
        with self.db.transaction() as db:
            db.execute("UPDATE accounts SET display_name = ? WHERE id = ?", (name, account_id))

    # ------------------------------------------------------------------ owners, for pages and workers

    def owner_of(self, object_id: str, object_type: str) -> str | None:
        """The account of the ``object_type`` object ``object_id`` (a hosted page's link names
        one, without a key); None when there is none, or more than one."""
        rows = self.db._connect().execute(
            "SELECT account FROM objects WHERE id = ? AND type = ? LIMIT 2", (object_id, checked(object_type))
        ).fetchall()
        return rows[0][0] if len(rows) == 1 else None

    def advancing_clocks(self) -> list[tuple[str, str]]:
        """(account, clock ID) of every test clock that is advancing, oldest first."""
        rows = self.db._connect().execute(
            f"SELECT account, id FROM objects WHERE type = '{CLOCK}' "  # noqa: S608 - a constant
            "AND json_extract(data, '$.status') = 'advancing' ORDER BY seq"
        ).fetchall()
        return [(account, clock_id) for account, clock_id in rows]

    def due_endpoints(self, now: float) -> list[tuple[str, str]]:
        """(account, endpoint ID) of every webhook endpoint with a delivery due."""
        rows = self.db._connect().execute(
            "SELECT DISTINCT account, endpoint FROM webhook_deliveries WHERE status = 'pending' "
            "AND next_attempt_at <= ?",
            (now,),
        ).fetchall()
        return [(account, endpoint) for account, endpoint in rows]

    # ------------------------------------------------------------------ the trainer's view

    def accounts_with_events(self, rules: dict[str, EventRule]) -> dict[str, set[str]]:
        """For every account with any matching event: the keys of the rules its events match.
        One pass over the events of the rules' types (indexed by type)."""
        columns, args, kinds = [], [], []
        for rule in rules.values():
            condition = f"kind IN ({', '.join('?' * len(rule.types))})"
            args += rule.types
            if rule.field is not None:
                condition += f" AND json_extract(data, '$.data.object.{checked(rule.field)}')"
                if rule.value is None:
                    condition += " IS NOT NULL"
                else:
                    condition += " = ?"
                    args.append(rule.value)
            columns.append(f"max({condition})")
            kinds += [k for k in rule.types if k not in kinds]
        sql = (f"SELECT account, {', '.join(columns)} FROM (SELECT account, json_extract(data, '$.type') AS kind, "  # noqa: S608
               f"data FROM objects WHERE type = 'event' AND json_extract(data, '$.type') IN "
               f"({', '.join('?' * len(kinds))})) GROUP BY account")
        done: dict[str, set[str]] = {}
        for account, *flags in self.db._connect().execute(sql, (*args, *kinds)).fetchall():
            if met := {key for key, flag in zip(rules, flags, strict=True) if flag}:
                done[account] = met
        return done

    def accounts_with_delivered_webhooks(self) -> set[str]:
        """Accounts one of whose endpoints answered a delivery with a 2xx."""
        rows = self.db._connect().execute(
            "SELECT DISTINCT account FROM webhook_attempts WHERE status_code BETWEEN 200 AND 299"
        ).fetchall()
        return {row[0] for row in rows}

    # ------------------------------------------------------------------ what the room knows of every learner

    def learner_rows(self) -> dict[str, LearnerRow]:
        """account -> its learner's row (``room_activity.py``), for every learner the room knows."""
        rows = self.db._connect().execute(f"SELECT {LEARNER_COLUMNS} FROM room_learners").fetchall()  # noqa: S608
        return {row[0]: LearnerRow.from_row(row) for row in rows}

    def outcomes(self) -> dict[str, dict[str, dict[str, Any]]]:
        """account -> item -> its latest outcome."""
        found: dict[str, dict[str, dict[str, Any]]] = {}
        for account, item, detail in self.db._connect().execute("SELECT account, item, detail FROM room_outcomes"):
            found.setdefault(account, {})[item] = json.loads(detail)
        return found

    def notes(self) -> dict[str, Note]:
        """account -> its sticky note."""
        rows = self.db._connect().execute("SELECT account, kind, text, at FROM room_notes").fetchall()
        return {account: Note(kind, text, at) for account, kind, text, at in rows}

    def passes(self) -> dict[str, dict[str, float]]:
        """account -> exercise -> when the learner's kernel first reported it passed."""
        found: dict[str, dict[str, float]] = {}
        for account, exercise, at in self.db._connect().execute("SELECT account, exercise, at FROM room_passes"):
            found.setdefault(account, {})[exercise] = at
        return found

    def evidence(self) -> dict[str, set[str]]:
        """account -> the exercises whose evidence the sandbox recorded from its own requests."""
        found: dict[str, set[str]] = {}
        for account, exercise in self.db._connect().execute("SELECT account, exercise FROM room_evidence"):
            found.setdefault(account, set()).add(exercise)
        return found

    # ------------------------------------------------------------------ everything

    def count_objects(self) -> int:
        return self._one("SELECT count(*) FROM objects")[0]

    def count_accounts(self) -> int:
        return self._one("SELECT count(*) FROM accounts")[0]

    def reset_all(self) -> int:
        """Empty every account (the accounts themselves stay: their keys still work, their
        display names remain); how many objects it removed."""
        with self.db.transaction() as db:
            removed = db.execute("SELECT count(*) FROM objects").fetchone()[0]
            tables = [row[0] for row in db.execute(  # the trigram index's own tables empty with search_terms
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name NOT LIKE 'search_fts%' AND name != 'accounts'"
            )]
            for table in tables:
                db.execute(f'DELETE FROM "{table}"')  # noqa: S608 - names from sqlite_master
        return removed

    def forget_accounts(self) -> int:
        """Remove every account itself (``reset --all --forget-accounts``, after :meth:`reset_all`):
        their keys open new, empty accounts. How many there were."""
        with self.db.transaction() as db:
            return db.execute("DELETE FROM accounts").rowcount

    def _one(self, sql: str, *args: object) -> tuple | None:
        return self.db._connect().execute(sql, args).fetchone()
