"""A classroom sandbox (``serve --classroom``) on a free port, for the tests of a room."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from helpers.sandbox import resources  # noqa: F401 - resources registers the routes
from helpers.sandbox.client import process

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def classroom_sandbox(directory: Path) -> Iterator[tuple[str, str]]:
    """``serve --classroom`` on a free port, until the block ends: its URL and what it printed."""
    port = process.free_port()
    printed = directory / "classroom.log"
    with open(printed, "w") as log:
        proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "helpers.sandbox", "serve", "--classroom", "--port", str(port),
             "--db", str(directory / "room.sqlite3")],
            env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 20
            while process.health(url) is None or "Trainer's view" not in printed.read_text():
                assert time.monotonic() < deadline and proc.poll() is None, printed.read_text()
                time.sleep(0.05)
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
