"""API versions, the way Stripe structures them.

The rest of the sandbox knows only the newest version (the one the installed stripe-python
pins). Each difference to an older version is one :class:`VersionChange` (``change.py``) in a
module of its own: the version that introduced it, what a request on either side looks like, and how a
response is taken back to the older shape. A request at version V passes through every
change newer than V, newest first. May import ``shared/`` only.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import stripe

from ...shared.errors import StripeError
from . import v2026_07_29_allowed_payment_method_types as dahlia_0729
from . import v2026_09_30_remove_payment_method_types as endive_0930
from .change import VersionChange, date_of

LATEST = stripe.api_version
_VERSION = re.compile(r"^(\d{4}-\d{2}-\d{2})(\.[a-z]+)?$")


def check(version: str) -> str:
    match = _VERSION.match(version or "")
    if not match or match.group(1) > date_of(LATEST):
        raise StripeError(
            f"Invalid Stripe API version: {version}. The newest version this sandbox knows is {LATEST}.",
            status=400,
        )
    return version


@functools.cache
def changes() -> tuple[VersionChange, ...]:
    """Every change, newest first."""
    return tuple(sorted([endive_0930.CHANGE, dahlia_0729.CHANGE], key=lambda c: c.version, reverse=True))


@functools.lru_cache(maxsize=64)  # versions are checked dates (check), a few in any real use
def _newer_than(version: str) -> tuple[VersionChange, ...]:
    return tuple(c for c in changes() if c.applies_to(version))


def upgrade_request(version: str, route: str, params: dict[str, Any]) -> None:
    for change in changes():
        if change.applies_to(version):
            change.request_before(route, params)
        else:
            change.request_on_or_after(route, params)


def downgrade_response(version: str, obj: Any) -> Any:
    """Apply every change newer than ``version`` to a rendered object, nested ones included."""
    relevant = _newer_than(version)
    if relevant:
        _walk(obj, relevant)
    return obj


def _walk(node: Any, relevant: tuple[VersionChange, ...]) -> None:
    if isinstance(node, dict):
        for value in node.values():
            _walk(value, relevant)
        if "object" in node:
            for change in relevant:
                change.response_before(node)
    elif isinstance(node, list):
        for value in node:
            _walk(value, relevant)
