"""The learner's own key pair for the sandbox.

Each state directory (``.tutorial/``, or ``TUTORIAL_STATE_DIR``) holds its own key pair for
the sandbox, made on first use and kept in ``sandbox-keys.json`` (readable by its user only):
a secret key ``sk_test_…`` and the publishable key that belongs to it (``shared/contract.py``). The
sandbox opens the account on the key's first request, so two learners, even on one classroom
sandbox, never see each other's objects. Keys are shown masked like any key; the curl view
writes ``$(python3 -m helpers.sandbox key)`` where the secret key goes, so a copied command
still runs (from the project's directory) without the key ever being printed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ...filelock import exclusive
from ..shared.contract import publishable_key_for
from ..shared.ids import random_token
from . import process

KEYS_FILE = "sandbox-keys.json"
KEY_COMMAND = "$(python3 -m helpers.sandbox key)"


def _keys_path() -> Path:
    return process.state_dir() / KEYS_FILE


def _read(path: Path) -> tuple[str, str] | None:
    try:
        saved = json.loads(path.read_text())
        secret, publishable = saved["secret_key"], saved["publishable_key"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if isinstance(secret, str) and secret.startswith("sk_test_") and publishable == publishable_key_for(secret):
        return secret, publishable
    return None


def keys() -> tuple[str, str]:
    """This learner's (secret key, publishable key) for the sandbox, made on first use."""
    path = _keys_path()
    found = _read(path)
    if found:
        return found
    path.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(path.parent / "sandbox-keys.lock"):  # two kernels at once make one pair
        found = _read(path)
        if found:
            return found
        secret = "sk_test_" + random_token(32)
        pair = {"secret_key": secret, "publishable_key": publishable_key_for(secret)}
        temporary = path.with_suffix(".tmp")
        temporary.unlink(missing_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(pair, handle)
        os.replace(temporary, path)
        return secret, pair["publishable_key"]


def owns(key: str) -> bool:
    """Whether ``key`` is this learner's sandbox secret key (never makes one)."""
    found = _read(_keys_path())
    return bool(key) and found is not None and found[0] == key
