"""Fixtures of the sandbox's tests: raw HTTP to the test sandbox with the demo secret key."""

from __future__ import annotations

import httpx
import pytest

from support.stripe_objects import SECRET


@pytest.fixture
def http(sandbox):
    with httpx.Client(base_url=sandbox.url, auth=(SECRET, ""), timeout=10) as session:
        yield session
