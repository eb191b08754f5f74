"""What each account did lately, in memory: its last requests (newest last) and its last error,
for the learner's Dashboard and the trainer's drill-down. Listeners (the classroom's room) hear
of every request as it is recorded."""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass

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


Listener = Callable[[str, RequestRecord], None]


class Activity:
    """Per account, in memory: the last requests (newest last) and the last error."""

    def __init__(self, keep: int = RECENT_REQUESTS) -> None:
        self._recent: dict[str, collections.deque[RequestRecord]] = collections.defaultdict(
            lambda: collections.deque(maxlen=keep)
        )
        self._last_error: dict[str, RequestRecord] = {}
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def listen(self, listener: Listener) -> None:
        """Call ``listener(account, record)`` for every request recorded from now on (on the
        event loop: it must return at once)."""
        self._listeners.append(listener)

    def record(self, account_id: str, record: RequestRecord) -> None:
        with self._lock:
            self._recent[account_id].append(record)
            if record.status >= 400:
                self._last_error[account_id] = record
        for listener in self._listeners:
            listener(account_id, record)

    def recent(self, account_id: str) -> list[RequestRecord]:
        with self._lock:
            return list(self._recent.get(account_id, ()))

    def last_error(self, account_id: str) -> RequestRecord | None:
        with self._lock:
            return self._last_error.get(account_id)

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
            self._recent.pop(account_id, None)
            self._last_error.pop(account_id, None)
