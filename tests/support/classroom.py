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
