"""Accounts, as at Stripe: the API key decides the account, and everything belongs to one.

* A **secret key** ``sk_test_<secret>`` (or a restricted key ``rk_test_<secret>``) names its
  account; the first request with a new one opens the account. Only a SHA-256 of the key is
  stored, never the key.
* Its **publishable key** is derived from it, one way: ``pk_test_`` followed by the first 32
  hex digits of SHA-256 of ``"publishable:" + <secret>`` (:func:`publishable_key_for`). So the
  pair is fixed and checkable, and the publishable key, which browsers see, does not reveal
  the secret key. A publishable key answers only once its secret key has opened the account.
* The **demo pair** ``sk_test_sandbox`` / ``pk_test_sandbox`` (the sandbox's shared, public
  keys for tests and curl) is the one exception to that rule. A classroom sandbox refuses it,
  so that nobody shares an account by accident.

``livemode`` stays false everywhere; live keys never get this far (``app.key_kind``).
The sandbox also keeps, per account and in memory, its recent requests and the last error
(:class:`Activity`), for the trainer's view and the learner's Dashboard.
"""

from __future__ import annotations

import collections
import hashlib
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass

from .errors import StripeError
from .store import Store, new_id

DEMO_SECRET_KEY = "sk_test_sandbox"
DEMO_PUBLISHABLE_KEY = "pk_test_sandbox"
SECRET_PREFIXES = ("sk_test_", "rk_test_")
RECENT_REQUESTS = 200  # kept per account

CLASSROOM_DEMO_KEY = (
    "This sandbox serves a classroom, where every learner has a key of their own: the shared demo key "
    "(sk_test_sandbox) would mix everyone's data. The tutorial's helpers make your key on first use; "
    "with curl, use the command the notebook's curl view shows."
)


def _secret_part(secret_key: str) -> str:
    for prefix in SECRET_PREFIXES:
        if secret_key.startswith(prefix):
            return secret_key[len(prefix):]
    raise ValueError("not a test secret key")


def secret_hash(secret_key: str) -> str:
    return hashlib.sha256(_secret_part(secret_key).encode()).hexdigest()


def publishable_key_for(secret_key: str) -> str:
    """The publishable key of a secret key's account (see the module's docstring)."""
    if secret_key == DEMO_SECRET_KEY:
        return DEMO_PUBLISHABLE_KEY
    return "pk_test_" + hashlib.sha256(f"publishable:{_secret_part(secret_key)}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Account:
    id: str
    publishable_key: str
    display_name: str | None
    created: int


def _open(db: sqlite3.Connection, secret_key: str) -> str:
    """The account of ``secret_key``, opened if new (inside the caller's transaction)."""
    db.execute(
        "INSERT OR IGNORE INTO accounts (id, secret_hash, publishable_key, created) VALUES (?, ?, ?, ?)",
        (new_id("acct", 16), secret_hash(secret_key), publishable_key_for(secret_key), int(time.time())),
    )
    return db.execute("SELECT id FROM accounts WHERE secret_hash = ?", (secret_hash(secret_key),)).fetchone()[0]


def demo_account(db: sqlite3.Connection) -> str:
    """The demo key's account (the store's migration gives it what was there before accounts)."""
    return _open(db, DEMO_SECRET_KEY)


class Accounts:
    """The accounts of one store: found by key, opened on first use, listed for the trainer."""

    def __init__(self, store: Store, *, classroom: bool = False) -> None:
        self.store = store
        self.classroom = classroom
        self._by_key: dict[str, str] = {}  # key -> account id, for keys seen (both kinds)

    def for_key(self, key: str, kind: str) -> str:
        """The account ID of an API key that ``app.key_kind`` accepted; 401 for an unknown
        publishable key, or for the demo key in a classroom."""
        if self.classroom and key in (DEMO_SECRET_KEY, DEMO_PUBLISHABLE_KEY):
            raise StripeError(CLASSROOM_DEMO_KEY, status=401)
        found = self._by_key.get(key)
        if found is not None:
            return found
        if kind == "publishable":
            rows = self.store.read("SELECT id FROM accounts WHERE publishable_key = ?", (key,))
            if not rows:
                raise StripeError(
                    f"Invalid API Key provided: {key[:8]}…{key[-4:]}. No account has this publishable key: use "
                    "the one that belongs to your secret key.",
                    status=401,
                )
            found = rows[0][0]
        else:
            rows = self.store.read("SELECT id FROM accounts WHERE secret_hash = ?", (secret_hash(key),))
            if rows:
                found = rows[0][0]
            else:
                with self.store.transaction() as db:
                    found = _open(db, key)
        self._by_key[key] = found
        return found

    def get(self, account_id: str) -> Account | None:
        rows = self.store.read(
            "SELECT id, publishable_key, display_name, created FROM accounts WHERE id = ?", (account_id,)
        )
        return Account(*rows[0]) if rows else None

    def all(self) -> list[Account]:
        """Every account, oldest first."""
        rows = self.store.read("SELECT id, publishable_key, display_name, created FROM accounts ORDER BY created, id")
        return [Account(*row) for row in rows]

    def set_display_name(self, account_id: str, name: str) -> Account:
        name = " ".join(name.split())
        if not 1 <= len(name) <= 60:
            raise StripeError("A display name has 1 to 60 characters.", param="display_name")
        with self.store.transaction() as db:
            db.execute("UPDATE accounts SET display_name = ? WHERE id = ?", (name, account_id))
        return self.get(account_id)


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
