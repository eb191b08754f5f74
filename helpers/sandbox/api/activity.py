"""What each account did lately, in memory: its last requests (newest last), its last error and
the exercises its learner reported, for the trainer's view and the learner's Dashboard."""

from __future__ import annotations

import collections
import threading
from dataclasses import asdict, dataclass

from ..shared.errors import StripeError

RECENT_REQUESTS = 200  # kept per account


@dataclass(frozen=True)
class RequestRecord:
    """One API request of an account, as the trainer's view and the Dashboard show it."""

    time: float
    method: str
    path: str
    status: int
    request_id: str
    duration_ms: float
    error_type: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    error_param: str | None = None
    answered_as: str | None = None  # the API version that answered a newer one the request asked for

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Exercises:
    """The "Your turn" exercises a learner's helpers reported as passed, out of how many."""

    passed: tuple[str, ...]
    total: int

    def as_dict(self) -> dict:
        return {"passed": list(self.passed), "total": self.total}


MAX_EXERCISES = 200  # a report names at most this many (the tutorial has a few dozen)


class Activity:
    """Per account, in memory: the last requests (newest last), the last error, and the
    exercises passed (each report names them all, so a restarted sandbox learns them again
    at the learner's next pass)."""

    def __init__(self, keep: int = RECENT_REQUESTS) -> None:
        self._recent: dict[str, collections.deque[RequestRecord]] = collections.defaultdict(
            lambda: collections.deque(maxlen=keep)
        )
        self._last_error: dict[str, RequestRecord] = {}
        self._exercises: dict[str, Exercises] = {}
        self._lock = threading.Lock()

    def record(self, account_id: str, record: RequestRecord) -> None:
        with self._lock:
            self._recent[account_id].append(record)
            if record.status >= 400:
                self._last_error[account_id] = record

    def recent(self, account_id: str) -> list[RequestRecord]:
        with self._lock:
            return list(self._recent.get(account_id, ()))

    def last_error(self, account_id: str) -> RequestRecord | None:
        with self._lock:
            return self._last_error.get(account_id)

    def report_exercises(self, account_id: str, passed: list[str], total: int) -> Exercises:
        """Record the exercises an account's learner has passed (all of them, each time)."""
        if len(passed) > MAX_EXERCISES or not all(0 < len(name) <= 80 for name in passed) or not 0 <= total <= MAX_EXERCISES:
            raise StripeError(
                f"An exercise report names at most {MAX_EXERCISES} exercises (1 to 80 characters each) "
                "and their total.", param="passed",
            )
        exercises = Exercises(tuple(sorted(set(passed))), max(total, len(set(passed))))
        with self._lock:
            self._exercises[account_id] = exercises
        return exercises

    def exercises(self, account_id: str) -> Exercises | None:
        with self._lock:
            return self._exercises.get(account_id)

    def last_request(self, account_id: str) -> RequestRecord | None:
        with self._lock:
            recent = self._recent.get(account_id)
            return recent[-1] if recent else None

    def forget(self, account_id: str | None = None) -> None:
        """Drop an account's records (None: every account's)."""
        with self._lock:
            if account_id is None:
                self._recent.clear()
                self._last_error.clear()
                self._exercises.clear()
            self._recent.pop(account_id, None)
            self._last_error.pop(account_id, None)
            self._exercises.pop(account_id, None)
