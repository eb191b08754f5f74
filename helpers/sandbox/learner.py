"""The learner's side of sandbox accounts.

Each state directory (``.tutorial/``, or ``TUTORIAL_STATE_DIR``) holds its own key pair for
the sandbox, made on first use and kept in ``sandbox-keys.json`` (readable by its user only):
a secret key ``sk_test_…`` and the publishable key that belongs to it (``accounts.py``). The
sandbox opens the account on the key's first request, so two learners, even on one classroom
sandbox, never see each other's objects. Keys are shown masked like any key; the curl view
writes ``$(python3 -m helpers.sandbox key)`` where the secret key goes, so a copied command
still runs (from the project's directory) without the key ever being printed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..filelock import exclusive
from . import process
from .accounts import publishable_key_for
from .store import random_token

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


def _control(method: str, route: str, data: dict | None = None, timeout: float = 10,
             base: str | None = None) -> dict:
    import httpx  # here, so that `python3 -m helpers.sandbox key` needs the standard library only

    from helpers import settings
    from helpers.problems import NextStep, sandbox_unreachable

    try:
        response = httpx.request(
            method, f"{base or settings.sandbox_url()}/_sandbox/{route}", data=data, timeout=timeout,
            headers={"Authorization": f"Bearer {keys()[0]}"},
        )
    except httpx.HTTPError:
        raise NextStep(sandbox_unreachable()) from None
    try:
        body = response.json()
    except ValueError:  # not the sandbox answering: e.g. a hub proxy's HTML page
        body = None
    if not isinstance(body, dict):
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        raise NextStep(sandbox_unreachable(f"its address answered HTTP {response.status_code} with {kind}, "
                                           "not as the sandbox does")) from None
    if response.status_code != 200:
        raise ValueError(body.get("error", {}).get("message", response.text))
    return body


def account() -> dict:
    """This learner's sandbox account: its ID, display name, recent requests and last error."""
    return _control("GET", "account")


def set_display_name(name: str) -> str:
    """Give this learner's sandbox account a name the trainer sees (1 to 60 characters)."""
    return _control("POST", "account", {"display_name": name})["display_name"]


def report_exercises(passed: list[str], total: int) -> dict | None:
    """Tell the sandbox which exercises this learner has passed (all of them), for the
    trainer's view; None when no sandbox runs (none is started for it). Quick to give up:
    a checker waits for it."""
    from helpers import settings

    base = settings.classroom_url() or process.running_url()
    if not base:
        return None
    return _control("POST", "exercises", {"passed": passed, "total": str(total)}, timeout=2, base=base)


def dashboard_link() -> tuple[str, int]:
    """A sign-in link to this learner's Dashboard, relative to the sandbox's address
    (``dashboard/login#token=…``), and when its token expires (Unix time)."""
    answer = _control("POST", "dashboard-link")
    return answer["path"], answer["expires"]
