"""Fixtures of the checkout tests: a client in this learner's own sandbox account."""

from __future__ import annotations

import pytest

from helpers import settings
from support.stripe_objects import make_client


@pytest.fixture
def learner_client(learner_env):
    """Sandbox mode, as a notebook kernel sees it (await_invoice_paid makes its own client)."""
    sandbox = learner_env
    return make_client(sandbox.url, settings.load().secret_key)  # this learner's own account
