"""Waiting for something to happen, not for a time to pass: a test that sleeps a fixed time and
then assumes a thread or a process has got somewhere fails (or checks nothing) on a busy machine.
``wait_until`` polls a condition and returns as soon as it holds; its deadline is generous, since
it only matters when something is broken."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
PATIENCE = 60.0  # seconds: only a broken run waits this long


def wait_until(condition: Callable[[], T], what: str, timeout: float = PATIENCE, poll: float = 0.02) -> T:
    """The first true value of ``condition()``; AssertionError naming ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}")
        time.sleep(poll)
