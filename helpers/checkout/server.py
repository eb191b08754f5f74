""""Your server": the merchant's side of the guide, running in a thread of the notebook's kernel.

- ``GET /``          the checkout page (Stripe.js + a button that calls confirmAmazonPaySetup)
- ``GET /secret``    the registered SetupIntent's client_secret, as the guide's ``main.rb``
- ``GET /complete``  the return_url: accepts only the registered SetupIntent with its own client
                     secret, retrieves it with the publishable key, wakes the notebook
                     (``wait_for_redirect``)
- ``POST /webhooks`` verifies ``Stripe-Signature``, accepts only events, and keeps each event once

A notebook serves its own code in their place (:meth:`CheckoutServer.serve`): the page's HTML and
its ``client.js``, the ``/secret`` handler, the return handling and the webhook handler, the code a
learner would write. The server's checks stay around that code: it binds to 127.0.0.1,
``/complete`` accepts only the registered SetupIntent with its own client secret, ``/webhooks``
only signed events, once each; nothing it receives is logged.

The server itself never holds the secret key: it gets the publishable key, the Stripe.js URL and
the API base, and the notebook hands it the SetupIntent. Only its client_secret is ever served.
(A notebook's own handlers run in the kernel, where the notebook's client is: a merchant's server.)
"""

from __future__ import annotations

import asyncio
import collections
import hmac
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape as escape_html
from pathlib import Path
from typing import Any

import stripe
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..problems import NextStep, Problem, stoppable
from ..sandbox.shared.guards import BodyLimit, HostCheck
from ..urls import path_segment, proxy_path, public_url, stand_in_js_url, stand_in_js_url_direct  # noqa: F401 - re-exported
from . import pages
from .outcome import BUTTON, RedirectOutcome
from .runner import BackgroundServer

STATIC = Path(__file__).with_name("static")
NO_STORE = {"Cache-Control": "no-store"}
SETTLING = ("requires_action", "processing")  # Amazon Pay intents may lag the redirect briefly
DECIDED = ("succeeded", "canceled")  # no redirect can change these any more
RETURN_GRACE = 3.0  # seconds a decided SetupIntent waits for its redirect to arrive at /complete
KEPT_OUTCOMES = 20  # redirects remembered (the notebook needs the newest)
KEPT_EVENT_IDS = 10_000  # webhook event IDs remembered to drop redeliveries
WAITING_FOR_REDIRECT = "for the customer to come back to your return_url"
MAX_CHECKS = 4  # /complete requests checking with Stripe at once; more wait for a free slot
# The largest body the server reads (a webhook delivery; a Stripe event is a few kilobytes): its own limit.
MAX_BODY_BYTES = 1_000_000
# How old (and, this server's own rule, how far ahead) a webhook's signed timestamp may be:
# stripe-python's construct_event default (Webhook.DEFAULT_TOLERANCE, 300 s), which refuses
# older deliveries; a timestamp in the future passes it, and this server refuses that too.
TOLERANCE = stripe.Webhook.DEFAULT_TOLERANCE

Retrieve = Callable[[str], dict[str, Any]]  # client_secret -> client-visible SetupIntent JSON

# What a notebook may serve of its own, and what it is (see CheckoutServer.serve).
SERVABLE = {
    "/": "the checkout page's HTML (text)",
    "/client.js": "the page's script (text)",
    "/secret": "a function () -> {'client_secret': …}",
    "/complete": "a function (setup_intent, redirect_status) -> the page's HTML",
    "/webhooks": "a function (payload, signature) that verifies and handles one event",
}
PLACEHOLDERS = ("{{PUBLISHABLE_KEY}}", "{{STRIPE_JS_URL}}")  # filled in the page and its script


class RedirectTimeout(Problem, TimeoutError):
    """No customer came back to the return_url in time; the message says what to do."""


class WebhookTimeout(Problem, TimeoutError):
    """An awaited event did not arrive; the message says what to check."""


class Link:
    """An HTML link for the notebook (rendered by ``_repr_html_``), plain text elsewhere."""

    def __init__(self, href: str, text: str) -> None:
        self.href, self.text = href, text

    def _repr_html_(self) -> str:
        from html import escape

        return f'<a href="{escape(self.href)}" target="_blank" rel="noopener">{escape(self.text)}</a>'

    def __repr__(self) -> str:
        return f"{self.text}: {self.href}"


def _serving(path: str, what: str | Callable[..., Any]) -> str:
    """What ``serve`` just set up, in one sentence (the cell's confirmation)."""
    if isinstance(what, str):
        lines = len(what.strip().splitlines())
        return (f"Your server now serves your {'script' if path.endswith('.js') else 'page'} at GET {path} "
                f"({lines} lines; the placeholders are filled in on each request).")
    name = f"{getattr(what, '__name__', 'your function')}()"
    if path == "/webhooks":
        return f"Your server now hands each signed event it receives at POST /webhooks to {name}."
    if path == "/complete":
        return f"Your server now answers GET /complete (your return_url) with {name}, once it has checked the redirect."
    return f"Your server now answers GET {path} with {name}."


def publishable_retriever(api_base: str, publishable_key: str, timeout: float = 10.0) -> Retrieve:
    """Retrieve a SetupIntent as the browser would: ``GET /v1/setup_intents/{id}?client_secret=``."""

    def retrieve(client_secret: str) -> dict[str, Any]:
        intent_id = client_secret.split("_secret_")[0]
        query = urllib.parse.urlencode({"client_secret": client_secret})
        request = urllib.request.Request(
            f"{api_base.rstrip('/')}/v1/setup_intents/{path_segment(intent_id)}?{query}",
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


@dataclass(frozen=True)
class Visit:
    """What a browser did at this server for one SetupIntent: loaded the checkout page ("page"),
    fetched the client secret ("secret"), or came back to the return_url ("returned", with the
    ``redirect_status`` it brought)."""

    kind: str
    setup_intent: str
    redirect_status: str | None = None


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
        self._outcomes: collections.deque[tuple[int, RedirectOutcome]] = collections.deque(maxlen=KEPT_OUTCOMES)
        self._visits: collections.deque[Visit] = collections.deque(maxlen=KEPT_OUTCOMES * 4)
        self._recorded = 0  # sequence number of the newest outcome
        self._delivered = 0  # the newest one a wait has returned: each redirect is returned once
        self._events: list[stripe.Event] = []
        self._event_ids: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._checks: asyncio.Semaphore | None = None  # made in the server's own event loop
        self._own: dict[str, Any] = {}  # path -> the notebook's own page, script or handler
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

    # --- the notebook's own code -----------------------------------------------------------------

    def serve(self, path: str, what: str | Callable[..., Any] | None) -> None:
        """Serve the notebook's own code at ``path`` (None: the server's own again).

        ``"/"`` and ``"/client.js"`` take text (the page's HTML and its script), in which
        ``{{PUBLISHABLE_KEY}}`` and ``{{STRIPE_JS_URL}}`` are filled in when served.
        ``"/secret"`` takes a function returning ``{"client_secret": …}``; ``"/complete"`` a
        function ``(setup_intent, redirect_status)`` returning the page's HTML, called after the
        server checked the redirect; ``"/webhooks"`` a function ``(payload, signature)`` called
        for each signed event not seen before (it raises to refuse one)."""
        if path not in SERVABLE:
            raise ValueError(f"The server serves your code at {', '.join(SERVABLE)}; not at {path!r}.")
        text = path in ("/", "/client.js")
        if what is not None and (isinstance(what, str) != text or not (text or callable(what))):
            raise TypeError(f"{path} takes {SERVABLE[path]}.")
        if what is None:
            self._own.pop(path, None)
            print(f"Your server serves its own {path} again.")
            return
        self._own[path] = what
        print(_serving(path, what))

    def served(self, path: str) -> str:
        """The text served at ``"/"`` or ``"/client.js"`` (the notebook's own, placeholders filled)."""
        own = self._own.get(path)
        if not isinstance(own, str):
            raise LookupError(f"The notebook serves no text of its own at {path!r}.")
        return self._filled(own, script=path.endswith(".js"))

    def _filled(self, text: str, *, script: bool) -> str:
        def value(raw: str) -> str:  # safe inside a JS string, or in HTML
            return json.dumps(raw)[1:-1].replace("<", "\\u003c") if script else escape_html(raw)

        return (text.replace(PLACEHOLDERS[0], value(self.publishable_key))
                .replace(PLACEHOLDERS[1], value(self.stripe_js_url)))

    # --- the SetupIntent -----------------------------------------------------------------------

    def register_setup_intent(self, intent: stripe.SetupIntent | Mapping[str, Any]) -> None:
        """Hand the server the SetupIntent the page works on (a stripe object or its dict)."""
        if not isinstance(intent, Mapping):
            intent = intent.to_dict()
        action = (intent.get("next_action") or {}).get("redirect_to_url") or {}
        if not intent.get("client_secret"):
            raise ValueError("This SetupIntent has no client_secret: pass the object the API returned.")
        with self._lock:
            self._intent = {
                "id": intent["id"],
                "client_secret": intent["client_secret"],
                "status": intent.get("status"),
                "redirect_url": action.get("url"),
                "comes_back": self._is_ours(action.get("return_url")),
            }

    def _is_ours(self, url: str | None) -> bool:
        """Whether a return_url brings the browser back to this server's /complete."""
        if not url or not self.running:
            return False
        return any(url.startswith(base + "complete") for base in {self.url, self.public_url})

    @property
    def setup_intent_id(self) -> str | None:
        return self._intent["id"] if self._intent else None

    @property
    def outcomes(self) -> list[RedirectOutcome]:
        with self._lock:
            return [outcome for _, outcome in self._outcomes]

    def visits_of(self, setup_intent: str) -> list[Visit]:
        """What browsers did here for ``setup_intent``, oldest first: page loads, client secrets
        handed out, returns (a declined attempt, then an authorized one, …). Empty when no browser
        came (the SetupIntent was decided another way, or before this server ran)."""
        with self._lock:
            return [visit for visit in self._visits if visit.setup_intent == setup_intent]

    def _visited(self, kind: str, setup_intent: str | None, redirect_status: str | None = None) -> None:
        if setup_intent:
            with self._lock:
                self._visits.append(Visit(kind, setup_intent, redirect_status))

    def outcome_of(self, setup_intent: str) -> RedirectOutcome | None:
        """The newest redirect that came back to ``/complete`` for this SetupIntent, or None."""
        with self._lock:
            return next((o for _, o in reversed(self._outcomes) if o.setup_intent == setup_intent), None)

    def retrieve_registered(self) -> dict[str, Any]:
        """The registered SetupIntent as the browser sees it now (publishable key + client secret)."""
        intent = self._intent
        if intent is None:
            raise NextStep("No SetupIntent registered: run the cell that calls register_setup_intent(...) first.")
        return self._retrieve(intent["client_secret"])

    @stoppable(WAITING_FOR_REDIRECT)  # interrupting the kernel (■) stops it with one line
    def wait_for_redirect(self, timeout: float = 300.0, *, poll: float = 1.0,
                          on_tick: Callable[[float, dict[str, Any]], None] | None = None,
                          click: str = "authorize") -> RedirectOutcome:
        """Block until the customer is back on the return_url for the registered SetupIntent.

        Each redirect is returned once: a second wait waits for a new one (a retry after a
        decline). The SetupIntent is also looked at every ``poll`` seconds, so a SetupIntent that
        succeeded by another route (an earlier run, a return_url elsewhere) ends the wait too.
        ``on_tick(elapsed, seen)`` is called at each look (a live status line); ``click`` is the
        button the customer is asked for ("authorize" or "fail"), named if nobody comes back."""
        wanted = self.setup_intent_id
        if wanted is None:
            raise NextStep("No SetupIntent registered: run the cell that calls register_setup_intent(...) first.")
        started = time.monotonic()
        while True:
            found = self.take_outcome()
            if found is not None:
                return found
            seen = self.retrieve_registered()
            if seen.get("status") in DECIDED and seen.get("id") == wanted:
                with self._lock:  # the browser may be on its way to /complete right now
                    self._lock.wait_for(lambda: self._undelivered(wanted), RETURN_GRACE)
                return self.take_outcome() or RedirectOutcome.from_retrieved(wanted, None, seen)
            elapsed = time.monotonic() - started
            if on_tick is not None:
                on_tick(elapsed, seen)
            if elapsed >= timeout:
                raise RedirectTimeout(
                    f"Nobody came back to the return_url within {timeout:.0f} s. Open the checkout page "
                    f"({self.public_url}), click 'Set up Amazon Pay', then '{BUTTON[click]}' on the "
                    "redirect page; or let headless Chromium do it: helpers.autopilot.run("
                    f"'{self.url}'{'' if click == 'authorize' else f', {click!r}'}). Then run this cell again.")
            with self._lock:
                self._lock.wait_for(lambda: self._undelivered(wanted), min(poll, max(timeout - elapsed, 0)))

    def take_outcome(self) -> RedirectOutcome | None:
        """The registered SetupIntent's redirect that no wait has returned yet (then it has)."""
        with self._lock:
            found = self._undelivered(self.setup_intent_id) if self._intent else None
            if found is None:
                return None
            self._delivered = found[0]
            return found[1]

    def _undelivered(self, wanted: str | None) -> tuple[int, RedirectOutcome] | None:
        for number, outcome in self._outcomes:
            if number > self._delivered and outcome.setup_intent == wanted:
                return number, outcome
        return None

    def _keep(self, outcome: RedirectOutcome) -> None:
        with self._lock:
            self._recorded += 1
            self._outcomes.append((self._recorded, outcome))
            self._lock.notify_all()

    async def _check_redirect(self, client_secret: str, redirect_status: str) -> RedirectOutcome | None:
        """The SetupIntent as retrieved after the redirect (waiting a little for it to settle), or
        None when Stripe cannot be asked. No worker thread sleeps: the waits are the event loop's."""
        if self._checks is None:
            self._checks = asyncio.Semaphore(MAX_CHECKS)
        async with self._checks:
            retrieved = await asyncio.to_thread(self._retrieve, client_secret)
            deadline = time.monotonic() + self.settle_seconds
            while retrieved.get("status") in SETTLING and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
                retrieved = await asyncio.to_thread(self._retrieve, client_secret)
        if "error" in retrieved:
            return None
        return RedirectOutcome.from_retrieved(retrieved["id"], redirect_status, retrieved)

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
        """The first kept event of this type (or with this ID, ``evt_…``), waiting for it to be
        delivered if need be."""
        from ..status import StatusLine

        def arrived() -> stripe.Event | None:
            return next((e for e in self._events if event_type in (e.type, e.id)), None)

        with stoppable(f"for the webhook event {event_type}"), StatusLine() as line:  # ■: one line
            deadline = time.monotonic() + timeout
            found = None
            while found is None and time.monotonic() < deadline:
                line.update(f"Waiting for a {event_type} event at {self.url}webhooks …")
                with self._lock:
                    found = self._lock.wait_for(arrived, min(1.0, max(deadline - time.monotonic(), 0)))
        if found is None:
            raise WebhookTimeout(
                f"No {event_type} event reached {self.url}webhooks within {timeout:.0f} s. "
                f"{self.webhook_hint()} Then run this cell again.")
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

    def _stripe_js_for(self, request: Request) -> str:
        """The Stripe.js a browser that asked this way can load: the public one through a proxy
        (JupyterHub's path), the sandbox's own address for a browser on this machine that came
        directly (the autopilot next to a kernel on a hub)."""
        if self.mode == "sandbox" and "x-forwarded-context" not in request.headers:
            return stand_in_js_url_direct(self.api_base)
        return self.stripe_js_url

    # --- the app -------------------------------------------------------------------------------

    def _app(self) -> Starlette:
        def checkout(request: Request) -> Response:
            intent = self._intent
            self._visited("page", intent["id"] if intent else None)
            if "/" in self._own:
                return HTMLResponse(self.served("/"), headers=NO_STORE)
            shown = None
            if intent:
                shown = {k: intent[k] for k in ("id", "status")}
                shown["status"] = self._retrieve(intent["client_secret"]).get("status") or intent["status"]
                if intent["comes_back"]:  # a link that returns elsewhere would strand the customer
                    shown["redirect_url"] = intent["redirect_url"]
            page = pages.checkout_page(self.publishable_key, self._stripe_js_for(request), self.mode, shown)
            return HTMLResponse(page, headers=NO_STORE)

        def client_js(request: Request) -> Response:
            if "/client.js" not in self._own:
                return Response("// No client.js served: the notebook serves one with server.serve('/client.js', …).",
                                status_code=404, media_type="text/javascript", headers=NO_STORE)
            return Response(self.served("/client.js"), media_type="text/javascript", headers=NO_STORE)

        def secret(request: Request) -> Response:  # sync: Starlette runs it in a worker thread
            intent = self._intent
            handler = self._own.get("/secret")
            if handler is None:
                if intent is None:
                    return _json_error("No SetupIntent registered: create it in the notebook and call "
                                       "register_setup_intent(setup_intent) first.", 404)
                self._visited("secret", intent["id"])
                return JSONResponse({"client_secret": intent["client_secret"]}, headers=NO_STORE)
            try:
                answer = handler()
            except Exception as error:  # the notebook's code: one line to the page, never a traceback
                return _json_error(f"Your /secret handler raised {type(error).__name__}: {error}", 500)
            handed = answer.get("client_secret") if isinstance(answer, Mapping) else None
            if not isinstance(handed, str) or "_secret_" not in handed:
                return _json_error("Your /secret handler must return {'client_secret': intent.client_secret}.", 500)
            handed_id = handed.split("_secret_")[0]
            if intent is None or handed_id != intent["id"]:
                registered = intent["id"] if intent else "none"
                return _json_error(
                    f"Your /secret hands out the client secret of {handed_id}, but the SetupIntent "
                    f"registered with this server is {registered}: register the same one "
                    "(server.register_setup_intent), so that /complete accepts the customer's return.", 409)
            self._visited("secret", handed_id)
            return JSONResponse({"client_secret": handed}, headers=NO_STORE)

        async def complete(request: Request) -> Response:
            query = request.query_params
            intent_id, client_secret = query.get("setup_intent"), query.get("setup_intent_client_secret")
            if not intent_id or not client_secret:
                page = pages.problem_page(
                    "Nothing to complete",
                    "This is the return_url: Stripe sends the customer here with setup_intent, "
                    "setup_intent_client_secret and redirect_status. Start on the checkout page.",
                )
                return HTMLResponse(page, status_code=400, headers=NO_STORE)
            intent = self._intent
            if intent is None or intent_id != intent["id"] or not hmac.compare_digest(
                    client_secret.encode(), intent["client_secret"].encode()):
                page = pages.problem_page(
                    "Not the SetupIntent of this notebook",
                    "This link is not for the SetupIntent the notebook registered (an old link, or "
                    "another one's). Start again on the checkout page.",
                )
                return HTMLResponse(page, status_code=400, headers=NO_STORE)
            redirect_status = query.get("redirect_status", "")
            outcome = await self._check_redirect(client_secret, redirect_status)
            if outcome is None:
                page = pages.problem_page(
                    "Could not check the setup",
                    "Stripe (or the sandbox) did not answer when this server asked about the "
                    "SetupIntent. The notebook keeps looking; go back to it.",
                )
                return HTMLResponse(page, status_code=502, headers=NO_STORE)
            self._keep(outcome)
            self._visited("returned", intent_id, redirect_status or None)
            handler = self._own.get("/complete")
            if handler is None:
                return HTMLResponse(pages.complete_page(outcome), headers=NO_STORE)
            try:  # the notebook's return handling, in a worker thread (it may call the API)
                page = await asyncio.to_thread(handler, intent_id, redirect_status)
            except Exception as error:
                page = pages.problem_page("Your return page failed",
                                          f"Your /complete handler raised {type(error).__name__}: {error}")
                return HTMLResponse(page, status_code=500, headers=NO_STORE)
            if not isinstance(page, str):
                page = pages.problem_page("Your return page failed",
                                          "Your /complete handler must return the page's HTML as text.")
                return HTMLResponse(page, status_code=500, headers=NO_STORE)
            return HTMLResponse(page, headers=NO_STORE)

        async def webhooks(request: Request) -> Response:
            body = await request.body()
            payload = body.decode("utf-8", "replace")
            signature = request.headers.get("stripe-signature") or ""
            if not self._webhook_secret:
                message = "No webhook signing secret configured: call set_webhook_secret('whsec_…')."
                return JSONResponse({"error": {"message": message}}, status_code=400)
            try:
                verify(payload, signature, self._webhook_secret)
            except stripe.SignatureVerificationError as error:
                return JSONResponse({"error": {"message": str(error)}}, status_code=400)
            try:
                data = json.loads(payload)
            except ValueError:
                data = None
            if not _is_event(data):
                message = "Signed, but not an event: an event has an id, object 'event', a type and data.object."
                return JSONResponse({"error": {"message": message}}, status_code=400)
            event = stripe.Event.construct_from(data, stripe.api_key)
            with self._lock:
                if event.id in self._event_ids:  # a redelivery: acknowledge it, keep it once
                    return JSONResponse({"received": True, "duplicate": True})
                self._event_ids[event.id] = None  # taken: a redelivery meanwhile is acknowledged
                if len(self._event_ids) > KEPT_EVENT_IDS:
                    self._event_ids.popitem(last=False)
            handler = self._own.get("/webhooks")
            if handler is not None:
                try:  # the notebook's handler, in a worker thread
                    await asyncio.to_thread(handler, body, signature)
                except Exception as error:  # refused or failed: Stripe delivers it again later
                    with self._lock:
                        self._event_ids.pop(event.id, None)
                    refused = isinstance(error, (stripe.SignatureVerificationError, ValueError))
                    message = f"Your /webhooks handler raised {type(error).__name__}: {error}"
                    return JSONResponse({"error": {"message": message}}, status_code=400 if refused else 500)
            with self._lock:
                self._events.append(event)
                self._lock.notify_all()
            return JSONResponse({"received": True})

        return Starlette(
            routes=[
                Route("/", checkout),
                Route("/client.js", client_js),
                Route("/secret", secret),
                Route("/complete", complete),
                Route("/webhooks", webhooks, methods=["POST"]),
                Mount("/static", StaticFiles(directory=STATIC), name="static"),
            ],
            middleware=[  # the sandbox's Host rule (DNS rebinding would read /secret), bodies capped
                Middleware(HostCheck, proxy_path=lambda scope: proxy_path(scope["server"][1]),
                           who="Your checkout server"),
                Middleware(BodyLimit, limit=MAX_BODY_BYTES, who="Your checkout server"),
            ],
        )


def verify(payload: str, signature: str, secret: str, now: float | None = None) -> None:
    """Stripe's signature check with its tolerance (``construct_event``'s default): a delivery
    signed more than TOLERANCE seconds ago, or (this server's rule) that far ahead, is refused."""
    stripe.WebhookSignature.verify_header(payload, signature, secret, tolerance=TOLERANCE)
    signed = dict(part.split("=", 1) for part in signature.split(",") if "=" in part).get("t", "")
    if signed.isdigit() and int(signed) > (time.time() if now is None else now) + TOLERANCE:
        raise stripe.SignatureVerificationError(
            f"Timestamp outside the tolerance zone ({signed}): signed in the future", signature, payload)


def _json_error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": {"message": message}}, status_code=status, headers=NO_STORE)


def _is_event(data: Any) -> bool:
    """A parsed webhook body that is an event: ``[]`` or ``{"a": 1}`` are not, even when signed."""
    return (
        isinstance(data, dict) and data.get("object") == "event"
        and isinstance(data.get("id"), str) and isinstance(data.get("type"), str)
        and isinstance(data.get("data"), dict) and isinstance(data["data"].get("object"), dict)
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
