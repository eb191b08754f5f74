"""Accounts, as at Stripe: the API key decides the account, and everything belongs to one
(key rules: ``shared/contract.py``). :class:`Accounts` finds an API key's account, opens it on
the secret key's first request (a publishable key answers only once its secret key has), lists
them for the trainer and keeps their display names (``shared/text.py`` says what a name may
hold). ``livemode`` stays false everywhere; live keys never get this far (``api/keys.key_kind``).

A classroom sandbox limits how many accounts one client address opens (:class:`OpeningLimit`,
a sandbox rule, not Stripe's): a script with fresh keys cannot fill the trainer's view with rows.
"""

from __future__ import annotations

import threading
import time

from ..shared import text
from ..shared.contract import DEMO_PUBLISHABLE_KEY, DEMO_SECRET_KEY
from ..shared.errors import StripeError
from .room import Account, Room

# New accounts per client address: this many at once, and as many again each minute. A room of
# 30 behind one hub (every kernel from 127.0.0.1) opens its accounts well within it.
NEW_ACCOUNTS_PER_MINUTE = 60

CLASSROOM_DEMO_KEY = (
    "This sandbox serves a classroom, where every learner has a key of their own: the shared demo key "
    "(sk_test_sandbox) would mix everyone's data. The tutorial's helpers make your key on first use; "
    "with curl, use the command the notebook's curl view shows."
)


class OpeningLimit:
    """A token bucket per client address: ``per_minute`` new accounts at once, refilled at
    ``per_minute`` a minute. Beyond it, Stripe's status for too many requests (429)."""

    def __init__(self, per_minute: int = NEW_ACCOUNTS_PER_MINUTE) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when counted)
        self._lock = threading.Lock()

    def take(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            tokens, then = self._buckets.get(client, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - then) * self.per_minute / 60)
            if tokens < 1:
                self._buckets[client] = (tokens, now)
                raise StripeError(
                    f"Too many new accounts from your address: this sandbox opens at most {self.per_minute} a "
                    "minute for one client (a sandbox rule). Use the key you already have (the tutorial keeps it "
                    "in .tutorial/sandbox-keys.json), or wait a minute.", status=429, type="invalid_request_error",
                )
            self._buckets[client] = (tokens - 1, now)


class Accounts:
    """The accounts of one room: found by key, opened on first use, listed for the trainer."""

    def __init__(self, room: Room, *, classroom: bool = False, new_per_minute: int | None = None) -> None:
        self.room = room
        self.classroom = classroom
        self.opening = OpeningLimit(new_per_minute or NEW_ACCOUNTS_PER_MINUTE) if classroom else None
        self._by_key: dict[str, str] = {}  # key -> account id, for keys seen (both kinds)

    def for_key(self, key: str, kind: str, client: str = "") -> str:
        """The account ID of an API key that ``api.keys.key_kind`` accepted; 401 for an unknown
        publishable key, or for the demo key in a classroom; 429 in a classroom when ``client``
        (its address) opened too many accounts lately."""
        if self.classroom and key in (DEMO_SECRET_KEY, DEMO_PUBLISHABLE_KEY):
            raise StripeError(CLASSROOM_DEMO_KEY, status=401)
        found = self._by_key.get(key)
        if found is not None:
            return found
        if kind == "publishable":
            found = self.room.account_for_publishable_key(key)
            if found is None:
                raise StripeError(
                    f"Invalid API Key provided: {key[:8]}…{key[-4:]}. No account has this publishable key: use "
                    "the one that belongs to your secret key.",
                    status=401,
                )
        else:
            found = self.room.account_for_secret_key(key)
            if found is None:
                if self.opening:
                    self.opening.take(client)
                found = self.room.open_account(key)
        self._by_key[key] = found
        return found

    def get(self, account_id: str) -> Account | None:
        return self.room.get(account_id)

    def all(self) -> list[Account]:
        """Every account, oldest first."""
        return self.room.accounts()

    def set_display_name(self, account_id: str, name: str) -> Account:
        name = text.display_name(name)
        problem = text.name_problem(name)
        if problem:
            raise StripeError(problem, param="display_name")
        self.room.set_display_name(account_id, name)
        return self.get(account_id)

    def forget_keys(self) -> None:
        """Forget the keys seen (after the accounts themselves were removed)."""
        self._by_key.clear()
