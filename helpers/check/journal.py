"""The learner's work on each exercise, kept on disk: when its task was started, the prediction
locked before the first attempt, every request sent for it, and the pass once earned.

One JSON line per record in ``progress.exercise_journal()`` (per mode and account, beside the
progress file), so a kernel restart loses nothing: the evidence a verdict needs survives it, and
so does a pass. :func:`evidence` turns the records into what a judge looks at; it is a pure
function, so the same judgement can run wherever the records are (see ``_core.Look``).

What the journal can see, in both modes: the requests this tutorial's client sends
(``helpers.client.get_client``) while an exercise is in focus. Requests sent another way (curl in
a terminal, another SDK, the Dashboard) never reach it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from helpers import progress
from helpers.client import LogEntry
from helpers.filelock import exclusive


@dataclass(frozen=True)
class Attempt:
    """One request the learner sent for an exercise, as the judges see it."""

    time: str  # ISO 8601, UTC
    method: str
    path: str
    params: tuple[tuple[str, str], ...]
    status: int | None  # None: it never reached Stripe (no connection)
    error_code: str | None = None
    error_param: str | None = None
    error_message: str | None = None
    object_id: str | None = None
    request_id: str | None = None
    api_version: str | None = None  # the Stripe-Version it was sent at
    idempotency_key: str | None = None

    @classmethod
    def of(cls, entry: LogEntry) -> Attempt:
        return cls(entry.time.isoformat(), entry.method, entry.path, entry.params, entry.status,
                   entry.error_code, entry.error_param, entry.error_message, entry.object_id,
                   entry.request_id, entry.api_version, entry.idempotency_key)


@dataclass(frozen=True)
class Prediction:
    """What the learner predicted, and when (it counts only before the first attempt)."""

    time: str
    value: str  # as typed, ``str(value)``
    shown: str  # ``repr(value)``, for the messages


@dataclass(frozen=True)
class Evidence:
    """Everything a judge may know about the learner's work on one exercise."""

    exercise: str
    started: bool  # the exercise's cell ran (check.start / check.predict)
    attempts: tuple[Attempt, ...]  # requests that reached Stripe, oldest first
    unreached: int  # requests that did not reach Stripe (no connection)
    prediction: Prediction | None  # the one locked before the first attempt
    late_prediction: Prediction | None  # one made after the first attempt: it does not count


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _append(record: dict[str, Any]) -> None:
    file = progress.exercise_journal()
    with exclusive(file.with_name(file.name + ".lock")):
        with open(file, "a", encoding="utf-8") as out:
            out.write(json.dumps(record, sort_keys=True) + "\n")


def records() -> list[dict[str, Any]]:
    """Every record of this mode and account, oldest first (unreadable lines are skipped)."""
    try:
        lines = progress.exercise_journal().read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("exercise"), str):
            found.append(record)
    return found


def started(exercise: str) -> None:
    _append({"kind": "started", "exercise": exercise, "time": _now()})


def predicted(exercise: str, value: Any) -> None:
    _append({"kind": "prediction", "exercise": exercise, "time": _now(), "value": str(value),
             "shown": repr(value)})


def sent(entry: LogEntry) -> None:
    """Keep a request sent while an exercise was in focus (a listener of helpers.client)."""
    if entry.exercise is None or entry.tutorial:
        return
    attempt = Attempt.of(entry)
    _append({"kind": "request", "exercise": entry.exercise, **attempt.__dict__,
             "params": [list(pair) for pair in attempt.params]})


def passed(exercise: str, message: str, prediction: str) -> None:
    _append({"kind": "passed", "exercise": exercise, "time": _now(), "message": message,
             "prediction": prediction})


def pass_of(exercise: str, found: list[dict[str, Any]] | None = None) -> dict[str, Any] | None:
    """The record of the exercise's first pass, or None."""
    return next((r for r in (records() if found is None else found)
                 if r["exercise"] == exercise and r.get("kind") == "passed"), None)


def _attempt(record: dict[str, Any]) -> Attempt:
    params = tuple((str(k), str(v)) for k, v in record.get("params") or ())
    return Attempt(record.get("time", ""), record.get("method", ""), record.get("path", ""), params,
                   record.get("status"), record.get("error_code"), record.get("error_param"),
                   record.get("error_message"), record.get("object_id"), record.get("request_id"),
                   record.get("api_version"), record.get("idempotency_key"))


def evidence(exercise: str, found: list[dict[str, Any]]) -> Evidence:
    """The learner's work on ``exercise`` from the journal's records (pure: no I/O)."""
    mine = [r for r in found if r["exercise"] == exercise]
    requests = [_attempt(r) for r in mine if r.get("kind") == "request"]
    reached = tuple(a for a in requests if a.status is not None)
    first = requests[0].time if requests else None
    before, after = None, None
    for record in mine:
        if record.get("kind") != "prediction":
            continue
        made = Prediction(record.get("time", ""), str(record.get("value")), str(record.get("shown")))
        if first is None or made.time < first:
            before = made
        else:
            after = made
    return Evidence(exercise, any(r.get("kind") == "started" for r in mine) or bool(mine), reached,
                    len(requests) - len(reached), before, after)
