"""Shared fixtures: a sandbox process on a free port with a fresh database."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import stripe

from helpers.sandbox import process

SECRET = "sk_test_sandbox"
PUBLISHABLE = "pk_test_sandbox"


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    """A running sandbox (its own process, fresh SQLite file) for the whole test session."""
    directory = tmp_path_factory.mktemp("sandbox")
    proc = process.start(directory / "sandbox.sqlite3", log=directory / "sandbox.log")
    yield proc
    proc.stop()


def make_client(url: str, key: str = SECRET, **options) -> stripe.StripeClient:
    return stripe.StripeClient(
        key,
        base_addresses={"api": url, "files": url, "connect": url, "meter_events": url},
        max_network_retries=0,
        **options,
    )


@pytest.fixture
def client(sandbox) -> stripe.StripeClient:
    return make_client(sandbox.url)


def chromium_path() -> str | None:
    """Chromium for Playwright: CHROMIUM_PATH, else the system's, else Playwright's own (None)."""
    for candidate in (os.environ.get("CHROMIUM_PATH"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None
