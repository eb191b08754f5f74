"""The room as it is, learner by learner: what each learner's kernel reported (a cell that failed
or ran, a form that stopped a value, a check, where they are, a heartbeat) and what the sandbox
answered them, combined into the state the trainer's view shows.

**Stuck** is the learner's latest outcome, whatever its step: a failed call, an exception in a
cell, a form that stopped a value, a check that said "not yet". A learner whose next cell ran is
not stuck any more; one whose last cell failed is, whatever the sandbox saw since (a call that
succeeded, from curl or another kernel, does not undo a failed cell). An error is *expected*
only when the kernel says the learner is in the exercise (or the lesson's notebook) that asks
for it (``lessons.py``). How long a learner has been stuck runs from their first failure after
their last success; the time of every run is added up for the session's export.

A learner without a reporting kernel (Stripe test mode, a script, curl, reports turned off) is
judged by what the sandbox saw: their latest call failed, or not.

A failed call the tutorial asks for where the kernel's next cell is (the calls made since that
kernel's previous cell) is evidence of the exercise it answers, and does not leave its step of
the guide "failed": it shows as expected there too.

What is written: every outcome of a kernel's report, every failed call, and the first call
that succeeds after a failed one (``state/room_activity.py``, through each account's store),
so a restart forgets none of it; the view reads every learner's rows at once through
``state.room.Room``. The sandbox's own outcomes are written by one thread of their own, in order, so that a
request never waits for the room. Heartbeats stay in memory: a restarted sandbox hears every
kernel again within one beat.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from ..api.activity import Activity, RequestRecord
from ..shared import contract, text
from ..shared.errors import StripeError
from ..state.accounts import Accounts
from ..state.room import Room
from ..state.room_activity import LearnerRow, Note, RoomActivity
from . import exercises, guide_steps, lessons

HEARTBEAT_SECONDS = 10  # what a kernel promises (helpers/room.py)
KERNEL_SILENT_AFTER = 35  # seconds without a beat: the kernel stopped (three beats missed)
IDLE_AFTER = 10 * 60  # seconds without any outcome or request
FIRST_CELL_WINDOW = 60  # seconds before a kernel's first reported cell whose calls count as that cell's

MAX_REPORT_BYTES = contract.ROOM_REPORT_BYTES
MAX_EVENTS = contract.ROOM_REPORT_EVENTS
LINE = contract.ROOM_LINE
NOTE_TEXT = 140
SECTION = 120
KERNEL_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")
EXERCISE_ID = re.compile(r"[0-9]{2}-[a-z0-9-]{1,60}")
ERROR_CLASS = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,79}")
REQUEST_ID = re.compile(r"req_[A-Za-z0-9]{1,60}")
NOTEBOOK = re.compile(r"[^/\\]{1,120}")
NOTE_KINDS = ("stuck", "done")


@dataclass
class Kernel:
    """A learner's kernel, as its reports show it (in memory)."""

    notebook: str | None
    last_seen: float
    last_active: float
    ended: bool = False
    last_cell: float | None = None  # when its latest reported cell ended


def _invalid(message: str, param: str) -> StripeError:
    return StripeError(message, param=param)


def _field(event: dict, name: str, pattern: re.Pattern[str], param: str) -> str | None:
    value = event.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise _invalid(f"{name} is not a valid value.", param)
    return value


def _notebook_number(notebook: str | None) -> str | None:
    return notebook[:2] if notebook and notebook[:2].isdigit() else None


class Learners:
    """Every learner's state, from kernel reports and the sandbox's own answers."""

    def __init__(self, room: Room, activity: Activity, accounts: Accounts) -> None:
        self.room, self.activity, self.accounts = room, activity, accounts
        self._writer = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="room-writer")
        self._written: concurrent.futures.Future | None = None
        self._kernels: dict[str, dict[str, Kernel]] = {}
        self._kernels_lock = threading.Lock()
        # Accounts whose latest outcome may be a failed call: their next call that succeeds is written.
        self._failed_calls = {account for account, row in room.learner_rows().items()
                              if row.failing_since is not None}
        activity.listen(self._heard)

    # ------------------------------------------------------------------ what the sandbox answered

    def _heard(self, account: str, record: RequestRecord) -> None:
        """Every request, on the event loop: a failure, or a success after one, is written by
        the room's own thread."""
        if record.status >= 400:
            self._failed_calls.add(account)
            self._written = self._writer.submit(self._call_failed, account, record)
        elif account in self._failed_calls:
            self._written = self._writer.submit(self._call_succeeded, account, record)

    def flush(self, timeout: float = 10) -> None:
        """Wait until what the sandbox answered so far is written (tests, the export)."""
        if self._written is not None:
            self._written.result(timeout)

    def _call_failed(self, account: str, record: RequestRecord) -> None:
        error = record.as_dict()
        outcome = {
            "at": record.time, "ok": False, "source": "sandbox", "kind": "api",
            "item": guide_steps.step_of_path(record.path) or "api", "request_id": record.request_id,
            "title": f"{record.status} {record.error_code or record.error_type or 'error'}",
            "text": record.error_message or "", "where": f"{record.method} {record.path}", "expected": None,
        }
        store = self.room.account(account)
        with store.transaction():
            row = dataclasses.replace(store.activity.learner(), last_error={**error, "at": record.time})
            self._apply(store.activity, row, outcome)

    def _call_succeeded(self, account: str, record: RequestRecord) -> None:
        """A call that succeeded ends a run of failed calls (not a failed cell: the kernel's
        next report says whether the learner moved on)."""
        self._failed_calls.discard(account)
        store = self.room.account(account)
        with store.transaction():
            row = store.activity.learner()
            latest = row.latest or {}
            if row.failing_since is None or latest.get("source") != "sandbox" or record.time < latest.get("at", 0):
                return
            self._apply(store.activity, row, {
                "at": record.time, "ok": True, "source": "sandbox", "kind": "api", "item": None,
                "title": f"{record.status}", "text": "", "where": f"{record.method} {record.path}",
                "expected": None,
            })

    # ------------------------------------------------------------------ what the kernel reported

    def kernel_report(self, account: str, report: Any, now: float | None = None) -> dict:
        """Apply a kernel's report (``POST /_sandbox/room``; see ``helpers/room.py``): its
        heartbeat and the outcomes of the cells it ran since the last one."""
        now = time.time() if now is None else now
        if not isinstance(report, dict):
            raise _invalid("A room report is a JSON object.", "report")
        kernel = _field(report, "kernel", KERNEL_ID, "kernel")
        if kernel is None:
            raise _invalid("A room report names its kernel.", "kernel")
        notebook = _field(report, "notebook", NOTEBOOK, "notebook")
        events = report.get("events", [])
        if not isinstance(events, list) or len(events) > MAX_EVENTS:
            raise _invalid(f"events is a list of at most {MAX_EVENTS}.", "events")
        outcomes = [self._outcome_of(account, event, notebook, now, i) for i, event in enumerate(events)]
        ended = any(isinstance(e, dict) and e.get("kind") == "ended" for e in events)
        applied = sorted((o for o in outcomes if o is not None), key=lambda o: o["at"])
        with self._kernels_lock:
            seen = self._kernels.setdefault(account, {}).get(kernel)
            active = now if applied else (seen.last_active if seen else 0.0)
            previous = seen.last_cell if seen else None
            # A kernel that said it ended stays ended (a beat from its last moments may come after).
            self._kernels[account][kernel] = Kernel(notebook, now, active, ended or bool(seen and seen.ended),
                                                    applied[-1]["at"] if applied else previous)
        if applied:
            self.flush()  # the sandbox's own outcomes of the calls these cells made, written first
            store = self.room.account(account)
            with store.transaction():
                row = store.activity.learner()
                for outcome in applied:
                    if outcome["kind"] == "check" and outcome["ok"]:
                        store.activity.add_passes([outcome["exercise"]], outcome["at"])
                    since = outcome["at"] - FIRST_CELL_WINDOW if previous is None else previous
                    self._asked_for(account, store.activity, outcome, since)
                    previous = outcome["at"]
                    row = self._apply(store.activity, row, outcome)
        return {"applied": len(applied)}

    def _asked_for(self, account: str, activity: RoomActivity, outcome: dict, since: float) -> None:
        """The failed calls a cell made (after its kernel's previous cell) that the tutorial asks
        for where the cell is: an exercise's is evidence that it was done; neither leaves its
        step of the guide "failed" (it shows as expected)."""
        if outcome["kind"] != "cell":
            return
        number, steps = _notebook_number(outcome["notebook"]), None
        for record in self.activity.recent(account):
            if record.status < 400 or not since < record.time <= outcome["at"]:
                continue
            call = record.as_dict()
            entry = lessons.expected_entry(call, exercise=outcome["exercise"], notebook=number)
            if entry is None:
                continue
            if entry.exercise:
                activity.add_evidence(entry.exercise, record.time, record.request_id)
            step = guide_steps.step_of_path(record.path)
            steps = activity.outcomes() if steps is None else steps
            kept = steps.get(step or "")
            if kept and kept.get("request_id") == record.request_id and not kept.get("expected"):
                activity.record_outcome(step, {**kept, "expected": entry.where})

    def _outcome_of(self, account: str, event: Any, notebook: str | None, now: float, index: int) -> dict | None:
        param = f"events[{index}]"
        if not isinstance(event, dict) or event.get("kind") not in ("cell", "check", "ended"):
            raise _invalid("Each event is an object whose kind is cell, check or ended.", param)
        if event["kind"] == "ended":
            return None
        age = event.get("age", 0)
        if not isinstance(age, int | float) or not 0 <= age <= 3600:
            raise _invalid("age is the seconds since the event, 0 to 3600.", f"{param}[age]")
        cell = event.get("cell")
        if cell is not None and (not isinstance(cell, int) or not 0 < cell < 100_000):
            raise _invalid("cell is the cell's number in its notebook.", f"{param}[cell]")
        exercise = _field(event, "exercise", EXERCISE_ID, f"{param}[exercise]")
        section = text.one_line(event.get("section") or "", SECTION) or None
        number = _notebook_number(notebook)
        place = " · ".join(part for part in (
            number or (notebook.removesuffix(".ipynb") if notebook else None), f"cell {cell}" if cell else None,
            section) if part)
        outcome: dict[str, Any] = {
            "at": now - age, "ok": bool(event.get("ok")), "source": "kernel", "kind": "cell",
            "item": exercise or guide_steps.NOTEBOOK_STEPS.get(number or "") or (f"notebook {number}" if number else
                                                                               "kernel"),
            "notebook": notebook, "cell": cell, "section": section, "exercise": exercise, "where": place,
            "expected": None, "title": "", "text": "",
        }
        if event["kind"] == "check":
            if exercise is None:
                raise _invalid("A check names its exercise.", f"{param}[exercise]")
            hint = text.one_line(event.get("line") or "", LINE)
            return {**outcome, "kind": "check", "title": "✔ passed" if outcome["ok"] else "✘ not yet", "text": hint}
        if outcome["ok"]:
            return outcome
        error = event.get("error")
        if not isinstance(error, dict):
            raise _invalid("A failed cell carries its error.", f"{param}[error]")
        name = _field(error, "class", ERROR_CLASS, f"{param}[error][class]") or "Exception"
        request_id = _field(error, "request_id", REQUEST_ID, f"{param}[error][request_id]")
        kind = "form" if name.rpartition(".")[2] == "FormError" else (
            "stopped" if name.rpartition(".")[2] == "StoppedWaiting" else "cell")
        outcome.update(kind=kind, title=name, text=text.one_line(error.get("line") or "", LINE),
                       request_id=request_id)
        call = self._request(account, request_id)
        if call is not None:  # the sandbox's own record of the failed call the cell raised
            outcome["call"] = f"{call['status']} {call.get('error_code') or ''} · {call['method']} {call['path']}"
            outcome["expected"] = lessons.expected(call, exercise=exercise, notebook=number)
        return outcome

    def _request(self, account: str, request_id: str | None) -> dict | None:
        if request_id is None:
            return None
        for record in reversed(self.activity.recent(account)):
            if record.request_id == request_id:
                return record.as_dict()
        kept = self.room.account(account).activity.learner().last_error
        return kept if kept and kept.get("request_id") == request_id else None

    # ------------------------------------------------------------------ the state machine

    @staticmethod
    def _apply(activity: RoomActivity, row: LearnerRow, outcome: dict) -> LearnerRow:
        """Record ``outcome`` as its item's latest, and as the learner's latest if it is newer;
        the run of failures starts, goes on, or ends (its time added up). Saved; returned."""
        if outcome.get("item"):
            activity.record_outcome(outcome["item"], outcome)
        place = row.place
        if outcome["source"] == "kernel" and (not place or outcome["at"] >= place.get("at", 0)):
            place = {k: outcome.get(k) for k in ("at", "notebook", "cell", "section", "exercise", "where")}
        latest = row.latest or {}
        if outcome["at"] < latest.get("at", 0):
            row = dataclasses.replace(row, place=place)
        elif not outcome["ok"] and not outcome["expected"]:
            begins = row.failing_since is None
            row = dataclasses.replace(row, latest=outcome, place=place,
                                      failing_since=outcome["at"] if begins else row.failing_since,
                                      stuck_times=row.stuck_times + (1 if begins else 0))
        else:
            spent = outcome["at"] - row.failing_since if row.failing_since is not None else 0.0
            row = dataclasses.replace(row, latest=outcome, place=place, failing_since=None,
                                      stuck_seconds=row.stuck_seconds + max(0.0, spent))
        activity.save_learner(row)
        return row

    # ------------------------------------------------------------------ sticky notes

    def set_note(self, account: str, kind: str, note_text: str = "", now: float | None = None) -> Note:
        if kind not in NOTE_KINDS:
            raise _invalid(f"A note says {' or '.join(NOTE_KINDS)}.", "kind")
        note = Note(kind, text.one_line(note_text, NOTE_TEXT), time.time() if now is None else now)
        self.room.account(account).activity.set_note(note)
        return note

    def clear_note(self, account: str) -> bool:
        return self.room.account(account).activity.clear_note()

    # ------------------------------------------------------------------ exercise passes, reported

    def report_passes(self, account: str, passed: list[str], total: int, now: float | None = None) -> dict:
        """The exercises a learner's checkers report passed (all of them, each time: the older
        route ``POST /_sandbox/exercises``). Recorded as *reported*: the sandbox cannot see how."""
        if len(passed) > 2 * len(exercises.IDS) or not all(EXERCISE_ID.fullmatch(p) for p in passed) \
                or not 0 <= total <= 200:
            raise _invalid("An exercise report names exercises by their id (e.g. 01-yearly-price), and their "
                           "total.", "passed")
        self.room.account(account).activity.add_passes(sorted(set(passed)), time.time() if now is None else now)
        return {"passed": sorted(set(passed)), "total": max(total, len(set(passed)))}

    # ------------------------------------------------------------------ forgetting

    def forget(self, account: str | None = None) -> None:
        """What is kept in memory of an account (None: of everyone), after its reset removed its
        rows (``AccountStore.reset``, ``Room.reset_all``; :meth:`flush` first)."""
        with self._kernels_lock:
            if account is None:
                self._kernels.clear()
            else:
                self._kernels.pop(account, None)
        if account is None:
            self._failed_calls.clear()
        else:
            self._failed_calls.discard(account)

    # ------------------------------------------------------------------ what the view reads

    def outcomes_of(self, account: str) -> dict[str, dict]:
        """The latest outcome of each step and exercise of one learner."""
        return self.room.account(account).activity.outcomes()

    def kernel_of(self, account: str, now: float | None = None) -> Kernel | None:
        """The learner's kernel: of those still beating (neither ended nor silent), the one that
        last ran a cell (or, before any, the last one heard); else the same among all. A new
        kernel has run no cell yet, and still comes before the one it replaced."""
        now = time.time() if now is None else now
        with self._kernels_lock:
            kernels = list(self._kernels.get(account, {}).values())
        return max(kernels, key=lambda k: (not k.ended and now - k.last_seen <= KERNEL_SILENT_AFTER,
                                           k.last_active, k.last_seen)) if kernels else None

    def states(self, now: float | None = None) -> list[dict]:
        """Every account's state, as the trainer's view shows it (see ``learner_state``)."""
        now = time.time() if now is None else now
        with self.room.db.snapshot():
            accounts = self.accounts.all()
            rows = self.room.learner_rows()
            items = self.room.outcomes()
            notes = self.room.notes()
            reported = self.room.passes()
            seen = self.room.evidence()
            for account, found in exercises.seen_in_events(self.room).items():
                seen.setdefault(account, set()).update(found)
        done = guide_steps.done_by_account(self.room)
        names: dict[str, int] = {}
        for account in accounts:
            if account.display_name:
                key = text.same_name_key(account.display_name)
                names[key] = names.get(key, 0) + 1
        return [learner_state(
            account, rows.get(account.id) or LearnerRow.empty(account.id),
            items=items.get(account.id, {}), note=notes.get(account.id), reported=reported.get(account.id, {}),
            seen=seen.get(account.id, set()), done=done.get(account.id, set()), kernel=self.kernel_of(account.id, now),
            last_request=self.activity.last_request(account.id), now=now,
            same_name=names.get(text.same_name_key(account.display_name or ""), 0) > 1,
        ) for account in accounts]


def learner_state(account, row: LearnerRow, *, items: dict[str, dict], note: Note | None,
                  reported: dict[str, float], seen: set[str], done: set[str], kernel: Kernel | None,
                  last_request: RequestRecord | None, now: float, same_name: bool) -> dict:
    """One learner as the trainer's view shows them: a state (stuck, kernel silent, expected,
    working, idle, new), since when, a cell per step of the guide and per exercise, the note."""
    latest = row.latest
    heard = [t for t in (latest and latest["at"], last_request and last_request.time,
                         kernel and kernel.last_active) if t]
    last_activity = max(heard) if heard else None
    kernel_silent = kernel is not None and not kernel.ended and now - kernel.last_seen > KERNEL_SILENT_AFTER
    if row.failing_since is not None:
        state, since = "stuck", row.failing_since
    elif kernel_silent:
        state, since = "silent", kernel.last_seen
    elif last_activity is None:
        state, since = "new", None
    elif now - last_activity > IDLE_AFTER:  # an expected error too: it says nothing of the learner now
        state, since = "idle", last_activity
    elif latest and latest.get("expected"):
        state, since = "expected", latest["at"]
    else:
        state, since = "working", last_activity
    cells: dict[str, str] = {}
    for step in guide_steps.STEPS:
        outcome = items.get(step.key)
        cells[step.key] = "done" if step.key in done else _tried(outcome, untried="todo")
    for exercise in exercises.IDS:
        if exercise in reported:
            cells[exercise] = "passed" if exercise in seen else "reported"
        else:
            cells[exercise] = _tried(items.get(exercise), untried="todo")
    current = now - row.failing_since if row.failing_since is not None else 0.0
    return {
        "id": account.id, "display_name": account.display_name, "same_name": same_name,
        "state": state, "since": since, "latest": latest, "place": row.place,
        "stuck_seconds": row.stuck_seconds + current, "stuck_times": row.stuck_times,
        "kernel": None if kernel is None else {
            "notebook": kernel.notebook, "last_seen": kernel.last_seen, "ended": kernel.ended,
            "silent": kernel_silent, "ran_cell": kernel.last_active > 0},
        "note": note.as_dict() if note else None, "cells": cells,
        "last_error": row.last_error, "last_activity": last_activity,
    }


def _tried(outcome: dict | None, *, untried: str) -> str:
    if outcome is None:
        return untried
    if outcome.get("expected"):
        return "expected"
    return "tried" if outcome["ok"] else "failed"
