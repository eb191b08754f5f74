""""Your server": the merchant's side of the guide, running in a thread of the notebook's kernel.

- ``GET /``          the checkout page (Stripe.js + a button that calls confirmAmazonPaySetup)
- ``GET /secret``    the registered SetupIntent's client_secret, as the guide's ``main.rb``
- ``GET /complete``  the return_url: records the redirect, retrieves the SetupIntent with the
                     publishable key, wakes the notebook (``wait_for_redirect``)
- ``POST /webhooks`` verifies ``Stripe-Signature`` and keeps each event

The server never holds the secret key: it gets the publishable key, the Stripe.js URL and the
API base, and the notebook hands it the SetupIntent. Only its client_secret is ever served.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import stripe
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..urls import public_url, stand_in_js_url  # noqa: F401 - re-exported
from . import pages
from .runner import BackgroundServer

STATIC = Path(__file__).with_name("static")
NO_STORE = {"Cache-Control": "no-store"}
SETTLING = ("requires_action", "processing")  # Amazon Pay intents may lag the redirect briefly

Retrieve = Callable[[str], dict[str, Any]]  # client_secret -> client-visible SetupIntent JSON


class RedirectTimeout(TimeoutError):
    """No customer came back to the return_url in time; the message says what to do."""


@dataclass(frozen=True)
class RedirectOutcome:
    """What came back to the return_url, and the SetupIntent as then retrieved."""

    setup_intent: str
    redirect_status: str
    status: str | None
    error_message: str | None = None
    payment_method: str | None = None
    retrieved: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


class Link:
    """An HTML link for the notebook (rendered by ``_repr_html_``), plain text elsewhere."""

    def __init__(self, href: str, text: str) -> None:
        self.href, self.text = href, text

    def _repr_html_(self) -> str:
        from html import escape

        return f'<a href="{escape(self.href)}" target="_blank" rel="noopener">{escape(self.text)}</a>'

    def __repr__(self) -> str:
        return f"{self.text}: {self.href}"


def publishable_retriever(api_base: str, publishable_key: str, timeout: float = 10.0) -> Retrieve:
    """Retrieve a SetupIntent as the browser would: ``GET /v1/setup_intents/{id}?client_secret=``."""

    def retrieve(client_secret: str) -> dict[str, Any]:
        intent_id = client_secret.split("_secret_")[0]
        query = urllib.parse.urlencode({"client_secret": client_secret})
        request = urllib.request.Request(
            f"{api_base.rstrip('/')}/v1/setup_intents/{urllib.parse.quote(intent_id)}?{query}",
            headers={"Authorization": f"Bearer {publishable_key}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            return json.loads(error.read() or b"{}") or {"error": {"message": str(error)}}
        except (OSError, ValueError) as error:
            return {"error": {"type": "api_connection_error", "message": str(error)}}

    return retrieve


class CheckoutServer:
    """The merchant's server for the redirect step. ``start()``/``stop()`` are idempotent."""

    def __init__(
        self,
        publishable_key: str,
        stripe_js_url: str,
        api_base: str,
        mode: str = "sandbox",
        *,
        port: int = 0,
        webhook_secret: str | None = None,
        retrieve: Retrieve | None = None,
        settle_seconds: float = 5.0,
    ) -> None:
        if not publishable_key.startswith("pk_test_"):
            raise ValueError(
                "The checkout page needs a test publishable key (pk_test_…). Never hand it a "
                "secret key: everything it gets may end up in a browser."
            )
        self.publishable_key = publishable_key
        self.stripe_js_url = stripe_js_url
        self.api_base = api_base
        self.mode = mode
        self.settle_seconds = settle_seconds
        self._retrieve = retrieve or publishable_retriever(api_base, publishable_key)
        self._webhook_secret = webhook_secret
        self._lock = threading.Condition()
        self._intent: dict[str, Any] | None = None
        self._outcomes: list[RedirectOutcome] = []
        self._events: list[stripe.Event] = []
        self._background = BackgroundServer(self._app(), port)

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> CheckoutServer:
        self._background.start()
        return self

    def stop(self) -> None:
        self._background.stop()

    @property
    def running(self) -> bool:
        return self._background.running

    @property
    def port(self) -> int:
        if self._background.port is None:
            raise RuntimeError("The checkout server is not running: call start() first.")
        return self._background.port

    @property
    def url(self) -> str:
        """Direct URL, ``http://127.0.0.1:<port>/`` (for the kernel, tests and the autopilot)."""
        return self._background.url

    @property
    def public_url(self) -> str:
        """The URL for a person's browser (proxied on JupyterHub/Binder)."""
        return public_url(self.port)

    def link(self, text: str = "Open the checkout page") -> Link:
        """A link for the notebook; also prints the direct URL (local Lab, VS Code)."""
        print(f"Checkout page: {self.url}")
        return Link(self.public_url, text)

    # --- the SetupIntent -----------------------------------------------------------------------

    def register_setup_intent(self, intent: stripe.SetupIntent | Mapping[str, Any]) -> None:
        """Hand the server the SetupIntent the page works on (a stripe object or its dict)."""
        if not isinstance(intent, Mapping):
            intent = intent.to_dict()
        action = intent.get("next_action") or {}
        redirect = (action.get("redirect_to_url") or {}).get("url")
        if not intent.get("client_secret"):
            raise ValueError("This SetupIntent has no client_secret: pass the object the API returned.")
        with self._lock:
            self._intent = {
                "id": intent["id"],
                "client_secret": intent["client_secret"],
                "status": intent.get("status"),
                "redirect_url": redirect,
            }

    @property
    def setup_intent_id(self) -> str | None:
        return self._intent["id"] if self._intent else None

    @property
    def outcomes(self) -> list[RedirectOutcome]:
        with self._lock:
            return list(self._outcomes)

    def wait_for_redirect(self, timeout: float = 300.0) -> RedirectOutcome:
        """Block until the customer is back on the return_url (for the registered SetupIntent)."""

        def arrived() -> RedirectOutcome | None:
            wanted = self.setup_intent_id
            for outcome in reversed(self._outcomes):
                if wanted is None or outcome.setup_intent == wanted:
                    return outcome
            return None

        with self._lock:
            outcome = self._lock.wait_for(arrived, timeout)
        if outcome is None:
            raise RedirectTimeout(
                f"Nobody came back to the return_url within {timeout:.0f} s. Open the checkout page "
                f"({self.public_url}), click 'Set up Amazon Pay', then 'Authorize test setup' on the "
                "redirect page (or open the SetupIntent's next_action link); or let headless Chromium "
                f"do it: helpers.autopilot.run('{self.url}'). Then run this cell again."
            )
        return outcome

    def _record(self, setup_intent: str, client_secret: str, redirect_status: str) -> RedirectOutcome:
        retrieved = self._retrieve(client_secret)
        deadline = time.monotonic() + self.settle_seconds
        while retrieved.get("status") in SETTLING and time.monotonic() < deadline:
            time.sleep(0.5)
            retrieved = self._retrieve(client_secret)
        error = retrieved.get("error") or retrieved.get("last_setup_error") or {}
        payment_method = retrieved.get("payment_method")
        outcome = RedirectOutcome(
            setup_intent=setup_intent,
            redirect_status=redirect_status,
            status=retrieved.get("status"),
            error_message=error.get("message"),
            payment_method=payment_method if isinstance(payment_method, str) else None,
            retrieved=retrieved,
        )
        with self._lock:
            self._outcomes.append(outcome)
            self._lock.notify_all()
        return outcome

    # --- webhooks ------------------------------------------------------------------------------

    def set_webhook_secret(self, secret: str) -> None:
        """The endpoint's signing secret (``whsec_…``) that ``POST /webhooks`` verifies against."""
        self._webhook_secret = secret

    @property
    def events(self) -> list[stripe.Event]:
        with self._lock:
            return list(self._events)

    def clear_events(self) -> None:
        with self._lock:
            self._events.clear()

    def wait_for_event(self, event_type: str, timeout: float = 10.0) -> stripe.Event:
        """The first kept event of this type, waiting for it to be delivered if need be."""
        with self._lock:
            found = self._lock.wait_for(
                lambda: next((e for e in self._events if e.type == event_type), None), timeout
            )
        if found is None:
            raise TimeoutError(f"No {event_type} event reached {self.url}webhooks within {timeout:.0f} s.")
        return found

    def events_frame(self):
        """The verified events as a pandas DataFrame: created (UTC), type, id, object_id."""
        import pandas as pd

        rows = [
            {
                "created": pd.Timestamp(event.created, unit="s", tz="UTC"),
                "type": event.type,
                "id": event.id,
                "object_id": event.to_dict()["data"]["object"].get("id"),
            }
            for event in self.events
        ]
        return pd.DataFrame(rows, columns=["created", "type", "id", "object_id"])

    def webhook_hint(self) -> str:
        """How events reach ``/webhooks`` in this mode."""
        if self.mode == "sandbox":
            return f"The sandbox delivers events to {self.url}webhooks once the endpoint is registered."
        return (
            f"Forward test-mode events with the Stripe CLI: stripe listen --forward-to {self.url}webhooks "
            "and pass the whsec_… it prints to set_webhook_secret(...)."
        )

    # --- the app -------------------------------------------------------------------------------

    def _app(self) -> Starlette:
        def checkout(request: Request) -> Response:
            intent = self._intent
            shown = {k: intent[k] for k in ("id", "status", "redirect_url")} if intent else None
            html = pages.checkout_page(self.publishable_key, self.stripe_js_url, self.mode, shown)
            return HTMLResponse(html, headers=NO_STORE)

        def secret(request: Request) -> Response:
            intent = self._intent
            if intent is None:
                message = (
                    "No SetupIntent registered: create it in the notebook and call "
                    "register_setup_intent(setup_intent) first."
                )
                return JSONResponse({"error": {"message": message}}, status_code=404, headers=NO_STORE)
            return JSONResponse({"client_secret": intent["client_secret"]}, headers=NO_STORE)

        def complete(request: Request) -> Response:
            query = request.query_params
            intent_id, client_secret = query.get("setup_intent"), query.get("setup_intent_client_secret")
            if not intent_id or not client_secret:
                html = pages.problem_page(
                    "Nothing to complete",
                    "This is the return_url: Stripe sends the customer here with setup_intent, "
                    "setup_intent_client_secret and redirect_status. Start on the checkout page.",
                )
                return HTMLResponse(html, status_code=400, headers=NO_STORE)
            outcome = self._record(intent_id, client_secret, query.get("redirect_status", ""))
            return HTMLResponse(pages.complete_page(outcome), headers=NO_STORE)

        async def webhooks(request: Request) -> Response:
            payload = (await request.body()).decode("utf-8", "replace")
            if not self._webhook_secret:
                message = "No webhook signing secret configured: call set_webhook_secret('whsec_…')."
                return JSONResponse({"error": {"message": message}}, status_code=400)
            try:
                event = stripe.Webhook.construct_event(
                    payload, request.headers.get("stripe-signature"), self._webhook_secret
                )
            except (stripe.SignatureVerificationError, ValueError) as error:
                return JSONResponse({"error": {"message": str(error)}}, status_code=400)
            with self._lock:
                self._events.append(event)
                self._lock.notify_all()
            return JSONResponse({"received": True})

        return Starlette(
            routes=[
                Route("/", checkout),
                Route("/secret", secret),
                Route("/complete", complete),
                Route("/webhooks", webhooks, methods=["POST"]),
                Mount("/static", StaticFiles(directory=STATIC), name="static"),
            ]
        )


_current: CheckoutServer | None = None
_registry_lock = threading.Lock()


def start_checkout(
    publishable_key: str,
    stripe_js_url: str,
    api_base: str,
    mode: str = "sandbox",
    *,
    port: int = 0,
    webhook_secret: str | None = None,
) -> CheckoutServer:
    """The running checkout server: reused when re-run with the same settings, else restarted."""
    global _current
    with _registry_lock:
        old = _current
        same = old is not None and old.running and (
            (old.publishable_key, old.stripe_js_url, old.api_base, old.mode)
            == (publishable_key, stripe_js_url, api_base, mode)
            and port in (0, old.port)
        )
        if same:
            if webhook_secret:
                old.set_webhook_secret(webhook_secret)
            return old
        if old is not None:
            old.stop()
        _current = CheckoutServer(
            publishable_key, stripe_js_url, api_base, mode, port=port, webhook_secret=webhook_secret
        ).start()
        return _current


def current() -> CheckoutServer | None:
    """The server ``start_checkout`` started in this kernel, if any."""
    return _current


def stop_checkout() -> None:
    global _current
    with _registry_lock:
        if _current is not None:
            _current.stop()
        _current = None
