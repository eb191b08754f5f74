"""The room's ``TUTORIAL_SANDBOX_URL`` in ``.env`` works as in the environment: the notebooks,
the room reports, ``make reset`` and ``make preflight`` all read it the same way."""

from __future__ import annotations

import argparse

from helpers import room, settings, urls
from helpers.sandbox import __main__ as command


def _dotenv(monkeypatch, tmp_path, text: str) -> None:
    (tmp_path / ".env").write_text(text)
    monkeypatch.setenv("TUTORIAL_ENV_FILE", str(tmp_path / ".env"))
    monkeypatch.setenv("TUTORIAL_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("TUTORIAL_MODE", "sandbox")
    for name in ("TUTORIAL_SANDBOX_URL", "TUTORIAL_ROOM_REPORTS"):
        monkeypatch.delenv(name, raising=False)


def test_a_room_url_in_dotenv_is_the_notebooks_sandbox_and_the_environment_wins(monkeypatch, tmp_path):
    _dotenv(monkeypatch, tmp_path, "TUTORIAL_SANDBOX_URL=http://room.example:12111/\n")
    assert urls.classroom_url() == settings.sandbox_url() == "http://room.example:12111"
    assert room.enabled()
    monkeypatch.setenv("TUTORIAL_SANDBOX_URL", "http://127.0.0.1:9")
    assert urls.classroom_url() == "http://127.0.0.1:9"


def test_room_reports_turned_off_in_dotenv_stay_off(monkeypatch, tmp_path):
    _dotenv(monkeypatch, tmp_path, "TUTORIAL_ROOM_REPORTS=off\n")
    monkeypatch.setenv("TUTORIAL_SANDBOX_URL", "http://room.example:12111")
    assert not room.enabled()


def test_a_reset_goes_through_the_room_named_in_dotenv(sandbox, monkeypatch, tmp_path):
    _dotenv(monkeypatch, tmp_path, f"TUTORIAL_SANDBOX_URL={sandbox.url}\n")
    assert command._sandbox_url(argparse.Namespace(url=None, db=None)) == sandbox.url.rstrip("/")


def test_the_notebook_runs_of_the_tests_read_no_dotenv(monkeypatch, tmp_path):
    """`make notebooks`, nbval and the headless learner run the tutorial on a sandbox of their own,
    even when the developer's .env names a room."""
    import os
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    import run_notebooks

    from support.learner import Learner

    _dotenv(monkeypatch, tmp_path, "TUTORIAL_SANDBOX_URL=http://room.example:12111/\n")
    assert urls.classroom_url() == "http://room.example:12111"
    for env in (run_notebooks.fresh_environment(str(tmp_path)), Learner(tmp_path / "learner").env):
        monkeypatch.setenv("TUTORIAL_ENV_FILE", env["TUTORIAL_ENV_FILE"])
        assert env["TUTORIAL_ENV_FILE"] == os.devnull and urls.classroom_url() is None
