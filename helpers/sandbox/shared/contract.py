"""What the sandbox and its clients agree on: where it listens, the headers of its own
routes, whose sandbox a health document describes, and how keys name accounts.

Standard library only: the tutorial's side (``helpers/``, ``client/``) imports this module and
never the server's code.

Keys, as at Stripe, decide the account:

* A **secret key** ``sk_test_<secret>`` (or a restricted key ``rk_test_<secret>``) names its
  account; the first request with a new one opens it. The sandbox stores only a SHA-256 of the
  secret part (:func:`secret_hash`), never the key.
* Its **publishable key** is derived from it, one way: ``pk_test_`` followed by the first 32 hex
  digits of SHA-256 of ``"publishable:" + <secret>`` (:func:`publishable_key_for`). So the pair
  is fixed and checkable, and the publishable key, which browsers see, does not reveal the
  secret key.
* The **demo pair** ``sk_test_sandbox`` / ``pk_test_sandbox`` (shared, public keys for tests and
  curl) is the one exception. A classroom sandbox refuses it, so nobody shares an account by
  accident.
"""

from __future__ import annotations

import getpass
import hashlib
import os
from pathlib import Path

HOST = "127.0.0.1"
DEFAULT_PORT = 12111
LOG_MAX_BYTES = 1_000_000  # the sandbox's log moves to <log>.1 beyond this (at start, and while it runs)
LOOPBACK = ("127.0.0.1", "localhost", "::1")
# A kernel's report to a classroom sandbox (helpers/room.py sends it, classroom/learners.py takes it).
ROOM_REPORT_EVENTS = 50
ROOM_REPORT_BYTES = 64_000
ROOM_LINE = 300  # characters of an error's line, or a check's hint
SERVICE = "stripe-sandbox"  # the health document's "service": this is the tutorial's sandbox

# ``POST /_sandbox/reset`` needs this header: a cross-site form, or a ``fetch`` without the CORS
# preflight the sandbox does not grant for it, cannot send a custom header.
RESET_HEADER = ("X-Sandbox-Control", "reset")
# The trainer's token (``/_sandbox/accounts``, a reset of every account) travels in this header;
# the sandbox writes it beside its database, readable by its user only.
TRAINER_HEADER = "X-Sandbox-Trainer-Token"

DEMO_SECRET_KEY = "sk_test_sandbox"
DEMO_PUBLISHABLE_KEY = "pk_test_sandbox"
SECRET_PREFIXES = ("sk_test_", "rk_test_")


def instance_id(db: str | Path) -> str:
    """Whose sandbox this is, without saying: a hash of the user and the database's path."""
    who = os.getuid() if hasattr(os, "getuid") else getpass.getuser()
    return hashlib.sha256(f"{who}:{os.path.realpath(db)}".encode()).hexdigest()[:16]


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
