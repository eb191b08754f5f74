"""Shared fixtures: a sandbox process on a free port with a fresh database."""

from __future__ import annotations

import os

import pytest
import stripe

from helpers.sandbox.client import process
from support.browser import chromium_path
from support.stripe_objects import SECRET, make_client


@pytest.fixture(scope="session", autouse=True)
def _own_state_dir(tmp_path_factory):
    """Tests never touch the developer's .tutorial/ (keys, progress): a state dir of their own,
    unless a test sets TUTORIAL_STATE_DIR itself."""
    mp = pytest.MonkeyPatch()
    if not os.environ.get("TUTORIAL_STATE_DIR"):
        mp.setenv("TUTORIAL_STATE_DIR", str(tmp_path_factory.mktemp("state")))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    """A running sandbox (its own process, fresh SQLite file) for the whole test session."""
    directory = tmp_path_factory.mktemp("sandbox")
    proc = process.start(directory / "sandbox.sqlite3", log=directory / "sandbox.log")
    yield proc
    proc.stop()


@pytest.fixture
def learner_env(sandbox, monkeypatch, tmp_path):
    """A learner's kernel as the helpers see it: sandbox mode on the test sandbox, this test's own
    state directory (so its own key pair and progress), no .env, an empty request log."""
    from helpers import client as client_mod

    for name in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TUTORIAL_MODE", "sandbox")
    monkeypatch.setenv("TUTORIAL_SANDBOX_URL", sandbox.url)
    monkeypatch.setenv("TUTORIAL_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("TUTORIAL_ENV_FILE", str(tmp_path / "none.env"))
    client_mod.clear_log()
    yield sandbox
    client_mod.clear_log()


@pytest.fixture
def client(sandbox) -> stripe.StripeClient:
    return make_client(sandbox.url)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's Chromium: the system's (CHROMIUM_PATH), with the autopilot's flags."""
    from helpers import autopilot

    path = chromium_path()
    return {**browser_type_launch_args, "args": autopilot.LAUNCH_ARGS, **({"executable_path": path} if path else {})}


@pytest.fixture
def in_process_sandbox(tmp_path, monkeypatch):
    """The sandbox's app in this process as one TestClient session (one event loop for every
    request), with the demo secret key, its test clock thread not started (a test drives it).
    Yields the demo key's account store and the session."""
    from starlette.testclient import TestClient

    from helpers.sandbox.resources import test_clocks
    from helpers.sandbox.server import create_app
    from helpers.sandbox.state.database import Database
    from helpers.sandbox.state.room import Room

    monkeypatch.setattr(test_clocks, "start", lambda room, version: None)
    db = Database(tmp_path / "in-process.sqlite3")
    room = Room(db)
    with TestClient(create_app(db), base_url="http://127.0.0.1",
                    headers={"Authorization": f"Bearer {SECRET}"}) as session:
        yield room.account(room.open_account(SECRET)), session


@pytest.fixture(scope="session")
def stripe_node(tmp_path_factory):
    """The current stripe-node from npm (skipped, with the reason, where npm cannot install it)."""
    from support.node import install_stripe_node

    return install_stripe_node(tmp_path_factory.mktemp("stripe-node"))
