"""API versions, the way Stripe structures them.

:func:`resolve` decides which version answers a request: the one it asks for, from
``OLDEST_MODELLED`` to ``LATEST``; ``LATEST`` for a later monthly version of the same major
release (Stripe's monthly versions add nothing that breaks); a clear 400 for a later major, an
older version, a preview or a malformed one.

The rest of the sandbox knows only the newest version (the one the installed stripe-python
pins). Each difference to an older version is one :class:`VersionChange` (``change.py``) in a
module of its own: the version that introduced it, what a request on either side looks like, and how a
response is taken back to the older shape. A request at version V passes through every
change newer than V, newest first. May import ``shared/`` only.
"""

from __future__ import annotations

import datetime
import functools
import re
import typing
from dataclasses import dataclass
from typing import Any

import stripe

from ...shared import stripe_types
from ...shared.errors import StripeError, shorten
from . import v2026_07_29_allowed_payment_method_types as dahlia_0729
from . import v2026_09_30_remove_payment_method_types as endive_0930
from .change import VersionChange, date_of

LATEST = stripe.api_version
MAJOR = LATEST.partition(".")[2]  # "endive"
# Stripe's major releases since it began naming them, oldest first. Each starts with a version
# that may break integrations; every monthly version after it carries the same name and only
# backward-compatible changes ("You can safely upgrade to any monthly release without updating
# your code", docs.stripe.com/api-versions, "API release model").
MAJORS = ("acacia", "basil", "clover", "dahlia", "endive")
# The oldest version whose objects (those of this guide) the sandbox models: what differs from it
# to LATEST is in the version-change modules below. Older versions shape invoices, subscriptions and
# payments otherwise (before 2025-03-31.basil an invoice has subscription, payment_intent, paid).
OLDEST_MODELLED = "2026-06-24.dahlia"
_VERSION = re.compile(r"(\d{4}-\d{2}-\d{2})(?:\.([a-z]+))?")

PIN = (
    f"pin a version the sandbox knows: stripe_version=\"{LATEST}\" on your StripeClient (stripe-python), "
    f"apiVersion: \"{LATEST}\" (stripe-node), or the header Stripe-Version: {LATEST} (curl)."
)


@dataclass(frozen=True)
class Resolved:
    """A request's API version: as asked for, and as the sandbox answers it."""

    requested: str
    answered: str

    @property
    def newer_than_known(self) -> bool:
        return self.answered != self.requested


@functools.cache
def released() -> frozenset[str]:
    """Stripe's released API versions, as stripe-python lists them (a webhook endpoint's
    ``api_version``)."""
    tp = stripe_types.fields(stripe_types.params_class("WebhookEndpointCreateParams"))["api_version"][0]
    return frozenset(typing.get_args(tp)) | {LATEST}


def _a_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def resolve(version: str) -> Resolved:
    """The version a request asked for, and the one the sandbox answers at: itself, a released
    version from OLDEST_MODELLED to LATEST; LATEST for a later version of LATEST's major
    (backward-compatible with it by Stripe's policy); a 400 that says what to do for anything else."""
    match = _VERSION.fullmatch(version or "")
    date, name = (match.group(1), match.group(2)) if match else ("", None)
    if name == "preview":
        raise _invalid(version, "Public preview versions are not emulated; " + PIN)
    if not match or not _a_date(date) or name is not None and name not in MAJORS and not _later_major(name):
        raise _invalid(version, f"API versions look like {LATEST}.")
    if date > date_of(LATEST):
        if name == MAJOR:
            return Resolved(version, LATEST)
        if name is not None and _later_major(name):
            raise _invalid(version, f"{name} is a major release after {MAJOR}, the newest this sandbox knows "
                                    f"({LATEST}): its breaking changes are not modelled. To {PIN}")
        raise _invalid(version, f"The newest version this sandbox knows is {LATEST}.")
    if date < date_of(OLDEST_MODELLED):
        raise _invalid(version, (
            f"It is older than this sandbox models ({OLDEST_MODELLED} to {LATEST}, and later {MAJOR} versions): "
            "older versions shape this guide's objects otherwise (before 2025-03-31.basil an invoice has "
            "subscription, payment_intent and paid), and the sandbox would answer in shapes your code does not "
            f"expect. Upgrade your Stripe SDK (stripe-python {stripe.VERSION} pins {LATEST}), or {PIN}"))
    if version not in released():
        modelled = ", ".join(sorted(v for v in released() if date_of(OLDEST_MODELLED) <= date_of(v) <= date_of(LATEST)))
        raise _invalid(version, f"It is not a released Stripe API version; the sandbox answers {modelled}.")
    return Resolved(version, version)


def check(version: str) -> str:
    """The version the sandbox answers ``version`` at (``resolve``), or its 400."""
    return resolve(version).answered


def _later_major(name: str) -> bool:
    """A name after the newest known major's (majors are named in alphabetical order)."""
    return name > MAJOR


def _invalid(version: str, why: str) -> StripeError:
    return StripeError(f"Invalid Stripe API version: {shorten(version, 60)}. {why}", status=400)


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
