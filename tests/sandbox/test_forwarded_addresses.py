"""A served sandbox counts new accounts by the address a request really came from: an
``X-Forwarded-For`` header (which any learner can send) changes nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx

from helpers.sandbox.client import process
from support.classroom import ROOT, new_key
from support.waiting import wait_until


def test_a_forwarded_address_does_not_open_more_accounts_than_the_limit(tmp_path: Path):
    printed = tmp_path / "served.log"
    with open(printed, "w") as log:
        proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "helpers.sandbox", "serve", "--classroom", "--port", "0",
             "--new-accounts-per-minute", "2", "--db", str(tmp_path / "room.sqlite3")],
            env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        def up() -> str | None:
            assert proc.poll() is None, printed.read_text()
            found = re.search(r"Stripe sandbox on (http://\S+)", printed.read_text())
            return found[1] if found and process.health(found[1]) else None

        url = wait_until(up, "the sandbox to answer")
        statuses = [httpx.get(f"{url}/_sandbox/account", headers={
            "Authorization": f"Bearer {new_key()}", "X-Forwarded-For": f"10.0.0.{n}"}).status_code
            for n in range(1, 5)]
        assert statuses == [200, 200, 429, 429]
    finally:
        proc.terminate()
        proc.wait(10)
