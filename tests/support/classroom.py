"""A classroom sandbox (``serve --classroom``) on a free port, for the tests of a room."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from helpers.sandbox import resources  # noqa: F401 - resources registers the routes
from helpers.sandbox.client import process
from support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def classroom_sandbox(directory: Path) -> Iterator[tuple[str, str]]:
    """``serve --classroom`` on a free port (bound by the sandbox itself), until the block ends:
    its URL and what it printed."""
    printed = directory / "classroom.log"
    with open(printed, "w") as log:
        proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "helpers.sandbox", "serve", "--classroom", "--port", "0",
             "--db", str(directory / "room.sqlite3")],
            env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            def up() -> str | None:
                assert proc.poll() is None, printed.read_text()
                found = re.search(r"Stripe sandbox on (http://\S+)", printed.read_text())
                ready = found and "Trainer's view" in printed.read_text() and process.health(found[1])
                return found[1] if ready else None

            url = wait_until(up, "the classroom sandbox to answer")
            yield url, printed.read_text()
        finally:
            proc.terminate()
            proc.wait(10)


def new_key() -> str:
    """A learner's secret key, made at run time (never a literal)."""
    from helpers.sandbox.shared.ids import random_token

    return "sk_test_" + random_token(32)


def join(url: str, name: str | None = None) -> str:
    """A learner with a key of their own (and a display name, if given): their key."""
    import httpx

    key = new_key()
    answer = httpx.post(f"{url}/_sandbox/account", data={"display_name": name} if name else {},
                        headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200, answer.text
    return key


def account_id(url: str, key: str) -> str:
    import httpx

    return httpx.get(f"{url}/_sandbox/account", headers={"Authorization": f"Bearer {key}"}).json()["id"]
