"""What the room knows of one learner besides their objects, in the database, so that a restart
of the classroom sandbox forgets nothing: the learner's latest outcome and how long they have
been stuck (``room_learners``), the latest outcome of each step and exercise
(``room_outcomes``), a sticky note (``room_notes``), exercise passes the learner's kernel
reported (``room_passes``) and what the sandbox saw itself that an exercise was done
(``room_evidence``). The tables are migration 7's (``migrations.ROOM_TABLES``).

Bound to one account like :class:`~.deliveries.Deliveries` (``AccountStore`` holds one as
``store.activity``; the classroom's ``learners.py`` decides what to write): every statement
names the account. The trainer's reads of every learner at once are :class:`~.room.Room`'s;
an account's reset, and the trainer's reset of everything, remove these rows with the rest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .database import Database

LEARNER_COLUMNS = "account, latest, failing_since, stuck_seconds, stuck_times, place, last_error"


@dataclass(frozen=True)
class LearnerRow:
    account: str
    latest: dict[str, Any] | None
    failing_since: float | None
    stuck_seconds: float
    stuck_times: int
    place: dict[str, Any] | None
    last_error: dict[str, Any] | None

    @classmethod
    def empty(cls, account: str) -> LearnerRow:
        """The row of a learner the room knows nothing of yet."""
        return cls(account, None, None, 0.0, 0, None, None)

    @classmethod
    def from_row(cls, row: tuple) -> LearnerRow:
        return cls(row[0], _json(row[1]), row[2], row[3], row[4], _json(row[5]), _json(row[6]))


@dataclass(frozen=True)
class Note:
    kind: str
    text: str
    at: float

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "at": self.at}


def _json(value: str | None) -> Any:
    return json.loads(value) if value else None


def _text(value: dict[str, Any] | None) -> str | None:
    return json.dumps(value) if value else None


class RoomActivity:
    """One account's rows in the room's tables."""

    def __init__(self, db: Database, account: str) -> None:
        self.db, self.account = db, account

    # ------------------------------------------------------------------ the learner's row

    def learner(self) -> LearnerRow:
        """The learner's row (an empty one when the room knows nothing of them yet)."""
        row = self.db._connect().execute(
            f"SELECT {LEARNER_COLUMNS} FROM room_learners WHERE account = ?", (self.account,)  # noqa: S608
        ).fetchone()
        return LearnerRow.from_row(row) if row else LearnerRow.empty(self.account)

    def save_learner(self, row: LearnerRow) -> None:
        with self.db.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO room_learners (account, latest, failing_since, stuck_seconds, stuck_times, "
                "place, last_error) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (self.account, _text(row.latest), row.failing_since, row.stuck_seconds, row.stuck_times,
                 _text(row.place), _text(row.last_error)),
            )

    # ------------------------------------------------------------------ outcomes per step and exercise

    def record_outcome(self, item: str, detail: dict[str, Any]) -> None:
        """The latest outcome of ``item`` (an older one than what is kept is ignored)."""
        with self.db.transaction() as db:
            db.execute(
                "INSERT INTO room_outcomes (account, item, at, ok, detail) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (account, item) DO UPDATE SET at = excluded.at, ok = excluded.ok, "
                "detail = excluded.detail WHERE excluded.at >= room_outcomes.at",
                (self.account, item, detail["at"], int(bool(detail["ok"])), json.dumps(detail)),
            )

    def outcomes(self) -> dict[str, dict[str, Any]]:
        """item -> its latest outcome."""
        rows = self.db._connect().execute(
            "SELECT item, detail FROM room_outcomes WHERE account = ?", (self.account,)
        ).fetchall()
        return {item: json.loads(detail) for item, detail in rows}

    # ------------------------------------------------------------------ the sticky note

    def set_note(self, note: Note) -> None:
        with self.db.transaction() as db:
            db.execute("INSERT OR REPLACE INTO room_notes (account, kind, text, at) VALUES (?, ?, ?, ?)",
                       (self.account, note.kind, note.text, note.at))

    def clear_note(self) -> bool:
        """Take the note down; whether there was one."""
        with self.db.transaction() as db:
            return db.execute("DELETE FROM room_notes WHERE account = ?", (self.account,)).rowcount > 0

    # ------------------------------------------------------------------ exercises: reported, and seen

    def add_passes(self, exercises: list[str], at: float) -> None:
        with self.db.transaction() as db:
            db.executemany("INSERT OR IGNORE INTO room_passes (account, exercise, at) VALUES (?, ?, ?)",
                           [(self.account, e, at) for e in exercises])

    def add_evidence(self, exercise: str, at: float, request_id: str | None) -> None:
        with self.db.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO room_evidence (account, exercise, at, request_id) VALUES (?, ?, ?, ?)",
                (self.account, exercise, at, request_id),
            )
