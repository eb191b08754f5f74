"""Links to the Dashboard, for the object a cell just made.

    from helpers import dashboard

    dashboard.link(customer)   # "cus_… in your Dashboard ↗", a link in the notebook
    dashboard.open()           # the Dashboard's home
    dashboard.url(price)       # the address alone, as a string

In sandbox mode the link opens the sandbox's Dashboard of your own account (offline,
read-only). It signs your browser in with a token that lasts 15 minutes, carried in the link's
fragment, which browsers never send to a server; the secret key never leaves the kernel. A
link opened later still works in a browser that has signed in once (a session of 12 hours).
Behind JupyterHub the link goes through jupyter-server-proxy (``helpers.urls``).

In Stripe test mode the link opens ``dashboard.stripe.com/test/…``. The page paths are the
ones Stripe's Dashboard shows in its address bar; only ``events/<evt_…>`` is confirmed by
Stripe's own code (stripe-cli builds it), the others are unverified. Objects without a page
of their own (a PaymentMethod, a Mandate …) open the Dashboard's search for their ID
(unverified).
"""

from __future__ import annotations

import html
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

from helpers import settings
from helpers.problems import NextStep
from helpers.sandbox.client import control, keys

STRIPE_DASHBOARD = "https://dashboard.stripe.com/test"
STRIPE_PAGES = {
    "product": "products", "price": "prices", "customer": "customers", "subscription": "subscriptions",
    "invoice": "invoices", "setup_intent": "setup_intents", "payment_intent": "payments", "event": "events",
    "webhook_endpoint": "webhooks", "test_helpers.test_clock": "test-clocks",
}
# An ID's prefix names its object type (for IDs given as strings).
PREFIXES = {
    "prod": "product", "price": "price", "cus": "customer", "sub": "subscription", "in": "invoice",
    "seti": "setup_intent", "pi": "payment_intent", "evt": "event", "we": "webhook_endpoint",
    "clock": "test_helpers.test_clock",
}
SIGNS_IN = "signs in as you: do not share it"  # a sandbox link carries a sign-in token
RENEW_BEFORE = 120  # seconds: a sign-in token this close to expiry is replaced

_token: dict[tuple[str, str], tuple[str, int]] = {}  # (sandbox, key) -> (login path, expiry)


@dataclass(frozen=True)
class Link:
    """A link a notebook shows (HTML), or prints (text and address)."""

    url: str
    text: str
    note: str = ""  # e.g. that a sandbox link signs in as you

    def _repr_html_(self) -> str:
        note = f" <small>({html.escape(self.note)})</small>" if self.note else ""
        return (f'<a href="{html.escape(self.url)}" target="_blank" rel="noopener">'
                f"{html.escape(self.text)} ↗</a>{note}")

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        return f"{self.text}: {self.url}" + (f" ({self.note})" if self.note else "")


def _id_and_type(obj: Any) -> tuple[str, str | None]:
    """An object's ID and type, from a StripeObject (or dict) or an ID."""
    if isinstance(obj, str):
        object_id = obj
        kind = PREFIXES.get(obj.rsplit("_", 1)[0]) if "_" in obj else None
    elif isinstance(obj, dict):
        object_id, kind = obj.get("id"), obj.get("object")
    else:  # a StripeObject
        object_id, kind = getattr(obj, "id", None), getattr(obj, "object", None)
    if not isinstance(object_id, str) or not object_id:
        raise NextStep(f"dashboard.link needs an object the API returned, or its ID ('cus_…'); got {type(obj).__name__}.")
    return object_id, kind


def _stripe_url(object_id: str | None, kind: str | None) -> str:
    if object_id is None:
        return STRIPE_DASHBOARD
    page = STRIPE_PAGES.get(kind or "")
    if page is None:
        return f"{STRIPE_DASHBOARD}/search?query={urllib.parse.quote(object_id, safe='')}"
    return f"{STRIPE_DASHBOARD}/{page}/{urllib.parse.quote(object_id, safe='')}"


def _sign_in_path(sandbox: str) -> str:
    """``dashboard/login#token=…`` for this learner's account, made again when near expiry."""
    cache = (sandbox, keys.keys()[0])
    found = _token.get(cache)
    if found is None or found[1] - RENEW_BEFORE < time.time():
        try:
            found = _token[cache] = control.dashboard_link()
        except NextStep:  # the sandbox does not answer: already one sentence
            raise
        except Exception as error:  # noqa: BLE001 - one sentence instead of a traceback
            raise NextStep(
                f"The sandbox gave no Dashboard link ({type(error).__name__}: {error}). Run the first "
                "cell of this notebook again (it starts the sandbox), then this one."
            ) from None
    return found[0]


def _address(obj: Any) -> tuple[str, bool]:
    """(the Dashboard's address for ``obj``, whether it is the sandbox's)."""
    object_id, kind = _id_and_type(obj) if obj is not None else (None, None)
    if not settings.load().is_sandbox:
        return _stripe_url(object_id, kind), False
    sandbox = settings.sandbox_url()
    path = _sign_in_path(sandbox)
    if object_id is not None:
        path += "&next=" + urllib.parse.quote(object_id, safe="")
    return f"{settings.sandbox_browser_url(sandbox)}/{path}", True


def url(obj: Any = None) -> str:
    """The Dashboard's address for ``obj`` (an object the API returned, or its ID); None: its home."""
    return _address(obj)[0]


def link(obj: Any = None, text: str | None = None) -> Link:
    """A link to ``obj`` in the Dashboard (sandbox: yours; test mode: Stripe's), for a notebook."""
    address, sandbox = _address(obj)
    where = "your Dashboard" if sandbox else "the Stripe Dashboard"
    if text is None:
        text = f"{_id_and_type(obj)[0]} in {where}" if obj is not None else f"Open {where}"
    return Link(address, text, SIGNS_IN if sandbox else "")


def open() -> Link:  # noqa: A001 - the notebook's word for it
    """A link to the Dashboard's home (sandbox: your account's)."""
    return link(None)
