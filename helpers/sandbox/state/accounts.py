"""Accounts, as at Stripe: the API key decides the account, and everything belongs to one
(key rules: ``shared/contract.py``). :class:`Accounts` finds an API key's account, opens it on
the secret key's first request (a publishable key answers only once its secret key has), lists
them for the trainer and keeps their display names. ``livemode`` stays false everywhere; live
keys never get this far (``api/keys.key_kind``).
"""

from __future__ import annotations

from ..shared.contract import DEMO_PUBLISHABLE_KEY, DEMO_SECRET_KEY
from ..shared.errors import StripeError
from .room import Account, Room

CLASSROOM_DEMO_KEY = (
    "This sandbox serves a classroom, where every learner has a key of their own: the shared demo key "
    "(sk_test_sandbox) would mix everyone's data. The tutorial's helpers make your key on first use; "
    "with curl, use the command the notebook's curl view shows."
)


class Accounts:
    """The accounts of one room: found by key, opened on first use, listed for the trainer."""

    def __init__(self, room: Room, *, classroom: bool = False) -> None:
        self.room = room
        self.classroom = classroom
        self._by_key: dict[str, str] = {}  # key -> account id, for keys seen (both kinds)

    def for_key(self, key: str, kind: str) -> str:
        """The account ID of an API key that ``api.keys.key_kind`` accepted; 401 for an unknown
        publishable key, or for the demo key in a classroom."""
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
            found = self.room.account_for_secret_key(key) or self.room.open_account(key)
        self._by_key[key] = found
        return found

    def get(self, account_id: str) -> Account | None:
        return self.room.get(account_id)

    def all(self) -> list[Account]:
        """Every account, oldest first."""
        return self.room.accounts()

    def set_display_name(self, account_id: str, name: str) -> Account:
        name = " ".join(name.split())
        if not 1 <= len(name) <= 60:
            raise StripeError("A display name has 1 to 60 characters.", param="display_name")
        self.room.set_display_name(account_id, name)
        return self.get(account_id)
