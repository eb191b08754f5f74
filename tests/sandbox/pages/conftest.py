"""Fixtures of the pages' tests: a classroom sandbox (``serve --classroom``) per test module."""

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
