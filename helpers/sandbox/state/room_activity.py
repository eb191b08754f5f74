"""What the room knows of each learner besides their objects, in the database, so that a restart
of the classroom sandbox forgets nothing: the learner's latest outcome and how long they have
been stuck (``room_learners``), the latest outcome of each step and exercise
(``room_outcomes``), sticky notes (``room_notes``), exercise passes the learner's kernel
reported (``room_passes``) and what the sandbox saw itself that an exercise was done
(``room_evidence``).

Each read or write is one small function here (the classroom's ``room.py`` decides what to
write); a write takes the connection of the caller's transaction. The tables are made on first
use, beside the store's own schema. Every row names its account, and an account's reset or the
trainer's ``reset --all`` removes its rows like the rest of its data.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from .store import Store

TABLES = (
    """CREATE TABLE IF NOT EXISTS room_learners (
        account TEXT PRIMARY KEY,
        latest TEXT,                     -- the latest outcome (JSON), whatever its step
        failing_since REAL,              -- when the current run of failures began; NULL when none
        stuck_seconds REAL NOT NULL DEFAULT 0,   -- earlier runs of failures, added up
        stuck_times INTEGER NOT NULL DEFAULT 0,
        place TEXT,                      -- where the learner's kernel last ran a cell (JSON)
        last_error TEXT                  -- the last API error the sandbox answered (JSON)
    )""",
    """CREATE TABLE IF NOT EXISTS room_outcomes (
        account TEXT NOT NULL,
        item TEXT NOT NULL,              -- a step of the guide, an exercise, or a notebook
        at REAL NOT NULL,
        ok INTEGER NOT NULL,
        detail TEXT NOT NULL,            -- JSON
        PRIMARY KEY (account, item)
    )""",
    """CREATE TABLE IF NOT EXISTS room_notes (
        account TEXT PRIMARY KEY,
        kind TEXT NOT NULL,              -- stuck | done
        text TEXT NOT NULL,
        at REAL NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS room_passes (
        account TEXT NOT NULL,
        exercise TEXT NOT NULL,
        at REAL NOT NULL,
        PRIMARY KEY (account, exercise)
    )""",
    """CREATE TABLE IF NOT EXISTS room_evidence (
        account TEXT NOT NULL,
        exercise TEXT NOT NULL,
        at REAL NOT NULL,
        request_id TEXT,
        PRIMARY KEY (account, exercise)
    )""",
)
ROOM_TABLES = ("room_learners", "room_outcomes", "room_notes", "room_passes", "room_evidence")


@dataclass(frozen=True)
class LearnerRow:
    account: str
    latest: dict[str, Any] | None
    failing_since: float | None
    stuck_seconds: float
    stuck_times: int
    place: dict[str, Any] | None
    last_error: dict[str, Any] | None


@dataclass(frozen=True)
class Note:
    kind: str
    text: str
    at: float

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "at": self.at}


def _json(value: str | None) -> Any:
    return json.loads(value) if value else None


def ensure_tables(store: Store) -> None:
    with store.transaction() as db:
        for statement in TABLES:
            db.execute(statement)


# ------------------------------------------------------------------ learners


_LEARNER = "SELECT account, latest, failing_since, stuck_seconds, stuck_times, place, last_error FROM room_learners"


def _learner_row(row: tuple) -> LearnerRow:
    return LearnerRow(row[0], _json(row[1]), row[2], row[3], row[4], _json(row[5]), _json(row[6]))


def learner(db: sqlite3.Connection, account: str) -> LearnerRow:
    """One learner's row (an empty one when the room knows nothing of them yet)."""
    row = db.execute(_LEARNER + " WHERE account = ?", (account,)).fetchone()
    return _learner_row(row) if row else LearnerRow(account, None, None, 0.0, 0, None, None)


def read_learner(store: Store, account: str) -> LearnerRow:
    """One learner's row, read outside a transaction."""
    rows = store.read(_LEARNER + " WHERE account = ?", (account,))
    return _learner_row(rows[0]) if rows else LearnerRow(account, None, None, 0.0, 0, None, None)


def learners(store: Store) -> dict[str, LearnerRow]:
    return {row[0]: _learner_row(row) for row in store.read(_LEARNER)}


def save_learner(db: sqlite3.Connection, row: LearnerRow) -> None:
    db.execute(
        "INSERT OR REPLACE INTO room_learners (account, latest, failing_since, stuck_seconds, stuck_times, place, "
        "last_error) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (row.account, json.dumps(row.latest) if row.latest else None, row.failing_since, row.stuck_seconds,
         row.stuck_times, json.dumps(row.place) if row.place else None,
         json.dumps(row.last_error) if row.last_error else None),
    )


# ------------------------------------------------------------------ outcomes per step and exercise


def record_outcome(db: sqlite3.Connection, account: str, item: str, detail: dict[str, Any]) -> None:
    """The latest outcome of ``item`` for ``account`` (an older one than what is kept is ignored)."""
    db.execute(
        "INSERT INTO room_outcomes (account, item, at, ok, detail) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (account, item) DO UPDATE SET at = excluded.at, ok = excluded.ok, detail = excluded.detail "
        "WHERE excluded.at >= room_outcomes.at",
        (account, item, detail["at"], int(bool(detail["ok"])), json.dumps(detail)),
    )


def outcomes(store: Store, account: str | None = None) -> dict[str, dict[str, dict[str, Any]]]:
    """account -> item -> its latest outcome (only ``account``'s, if given)."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    where, args = ("WHERE account = ?", (account,)) if account else ("", ())
    for account, item, detail in store.read(f"SELECT account, item, detail FROM room_outcomes {where}", args):  # noqa: S608
        found.setdefault(account, {})[item] = json.loads(detail)
    return found


# ------------------------------------------------------------------ sticky notes


def set_note(db: sqlite3.Connection, account: str, note: Note) -> None:
    db.execute("INSERT OR REPLACE INTO room_notes (account, kind, text, at) VALUES (?, ?, ?, ?)",
               (account, note.kind, note.text, note.at))


def clear_note(db: sqlite3.Connection, account: str) -> bool:
    """Remove an account's note; whether there was one."""
    return db.execute("DELETE FROM room_notes WHERE account = ?", (account,)).rowcount > 0


def notes(store: Store) -> dict[str, Note]:
    return {a: Note(k, t, at) for a, k, t, at in store.read("SELECT account, kind, text, at FROM room_notes")}


# ------------------------------------------------------------------ exercises: reported, and seen


def add_passes(db: sqlite3.Connection, account: str, exercises: list[str], at: float) -> None:
    db.executemany("INSERT OR IGNORE INTO room_passes (account, exercise, at) VALUES (?, ?, ?)",
                   [(account, e, at) for e in exercises])


def passes(store: Store) -> dict[str, dict[str, float]]:
    """account -> exercise -> when the learner's kernel first reported it passed."""
    found: dict[str, dict[str, float]] = {}
    for account, exercise, at in store.read("SELECT account, exercise, at FROM room_passes"):
        found.setdefault(account, {})[exercise] = at
    return found


def add_evidence(db: sqlite3.Connection, account: str, exercise: str, at: float, request_id: str | None) -> None:
    db.execute("INSERT OR IGNORE INTO room_evidence (account, exercise, at, request_id) VALUES (?, ?, ?, ?)",
               (account, exercise, at, request_id))


def evidence(store: Store) -> dict[str, set[str]]:
    """account -> the exercises whose evidence the sandbox recorded from the account's requests."""
    found: dict[str, set[str]] = {}
    for account, exercise in store.read("SELECT account, exercise FROM room_evidence"):
        found.setdefault(account, set()).add(exercise)
    return found


# ------------------------------------------------------------------ forgetting


def forget(db: sqlite3.Connection, account: str | None = None) -> None:
    """Remove an account's rows (None: everyone's)."""
    for table in ROOM_TABLES:
        if account is None:
            db.execute(f"DELETE FROM {table}")  # noqa: S608 - names from ROOM_TABLES
        else:
            db.execute(f"DELETE FROM {table} WHERE account = ?", (account,))  # noqa: S608


def forget_accounts(db: sqlite3.Connection) -> int:
    """Remove every account itself (``reset --all --forget-accounts``); how many there were."""
    return db.execute("DELETE FROM accounts").rowcount
