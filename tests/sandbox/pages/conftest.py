"""Fixtures of the pages' tests: a classroom sandbox (``serve --classroom``) per test module, and a
learner on it."""

from __future__ import annotations

import re

import pytest

from support.classroom import classroom_sandbox


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """``serve --classroom``: its URL, trainer token and the trainer's sign-in link, as printed."""
    with classroom_sandbox(tmp_path_factory.mktemp("room")) as (url, printed):
        token = re.search(r"Trainer token[^:]*: (\S+)", printed).group(1)
        yield url, token, re.search(r"(\S+/trainer/login#token=\S+)", printed).group(1)


@pytest.fixture
def classroom_learner(classroom, monkeypatch, tmp_path):
    """A learner's kernel on the classroom sandbox (their own state directory and key): the
    sandbox's URL and the learner's secret key."""
    url, _, _ = classroom
    monkeypatch.setenv("TUTORIAL_MODE", "sandbox")
    monkeypatch.setenv("TUTORIAL_ENV_FILE", str(tmp_path / "none.env"))
    monkeypatch.setenv("TUTORIAL_STATE_DIR", str(tmp_path / "learner"))
    monkeypatch.setenv("TUTORIAL_SANDBOX_URL", url)
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX", raising=False)
    from helpers.sandbox.client import keys as learner

    return url, learner.keys()[0]
