"""The sandbox's ASGI app: Stripe's wire protocol around the handlers in ``resources/``.

Every ``/v1`` request goes through the same steps, as at Stripe: a Request-Id; the API key
(secret or publishable, test only); the API version (``Stripe-Version`` or the account
default); form decoding; version changes; parameter validation against stripe-python's
params classes; idempotency; the handler, in one SQLite transaction; then expand and the
version's response shape.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import threading
import traceback
import urllib.parse
from collections.abc import Iterator
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import schema, versions, wire
from .context import ApiRequest, check_client_expand
from .errors import StripeError
from .router import Route as ApiRoute
from .router import api
from .store import Store, new_id

NO_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization header, "
    "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
    "https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/."
)
LIVE_KEY = (
    "This sandbox accepts test keys only (sk_test_…, rk_test_…, pk_test_…). A live key moves real "
    "money: never use it with this tutorial."
)
PUBLISHABLE = (
    "This API call cannot be made with a publishable API key. Please use a secret API key. You can "
    "find a list of your API keys at https://dashboard.stripe.com/account/apikeys."
)
KEY_IN_URL = (
    "Only a publishable key (pk_test_…) may be sent as the `key` parameter, as Stripe.js does. Send a "
    "secret or restricted key in the Authorization header ('Authorization: Bearer sk_test_…'), never in "
    "a URL or a form body, where logs and browser history keep it."
)


def _mask(key: str) -> str:
    return key[:8] + "*" * 4 + key[-4:] if len(key) > 12 else key[:3] + "****"


def key_kind(key: str) -> str:
    if not key:
        raise StripeError(NO_KEY, status=401, type="invalid_request_error")
    if key.startswith(("sk_live_", "rk_live_", "pk_live_")):
        raise StripeError(LIVE_KEY, status=401)
    if key.startswith(("sk_test_", "rk_test_")) and len(key) > 8:
        return "secret"
    if key.startswith("pk_test_") and len(key) > 8:
        return "publishable"
    raise StripeError(f"Invalid API Key provided: {_mask(key)}", status=401)


def _api_key(request: Request, form: list[tuple[str, str]]) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value).decode().split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):
            return ""
    for name, val in form:  # Stripe.js style: key=pk_test_… in the body or query
        if name == "key":
            if not val.startswith("pk_"):
                raise StripeError(KEY_IN_URL, status=401)
            return val
    return ""


# Stripe.js sends this one; stripe-python's params classes do not declare it (servers never may).
INFER_FROM_CLIENT = ("mandate_data", "customer_acceptance", "online", "infer_from_client")


def _pop_path(raw: dict, path: tuple[str, ...]):
    node = raw
    for part in path[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    return node.pop(path[-1], None) if isinstance(node, dict) else None


class Sandbox:
    """Holds the store and the state shared between requests (idempotency keys in flight)."""

    def __init__(self, store: Store, account_version: str, public_url: str | None = None) -> None:
        self.store = store
        self.account_version = account_version
        self.public_url = public_url  # the base browsers use, when not the request's own
        self.in_flight: set[str] = set()
        self.in_flight_lock = threading.Lock()

    async def handle(self, request: Request) -> Response:
        request_id = new_id("req", 14)
        version = self.account_version
        headers = {"Request-Id": request_id}
        try:
            body = (await request.body()).decode("utf-8", "replace") if request.method == "POST" else ""
            if request.headers.get("content-type", "").startswith("application/json") and body:
                raise StripeError(
                    "Invalid request: the body must be form-encoded (application/x-www-form-urlencoded), "
                    "as Stripe's API expects."
                )
            pairs = urllib.parse.parse_qsl(request.url.query, keep_blank_values=True)
            pairs += urllib.parse.parse_qsl(body, keep_blank_values=True)
            kind = key_kind(_api_key(request, pairs))
            version = versions.check(request.headers.get("stripe-version") or self.account_version)
            headers["Stripe-Version"] = version
            idem = request.headers.get("idempotency-key") if request.method == "POST" else None
            if idem:
                headers["Idempotency-Key"] = idem
            status, payload, replayed = await run_in_threadpool(
                self.process, request, pairs, kind, version, request_id, idem
            )
            if replayed:
                headers["Idempotent-Replayed"] = "true"
            return Response(payload, status_code=status, headers=headers, media_type="application/json")
        except StripeError as error:
            headers.setdefault("Stripe-Version", version)
            return JSONResponse(error.body(request_id), status_code=error.status, headers=headers)
        except Exception:  # a sandbox bug: still answer in Stripe's envelope, never text/plain
            traceback.print_exc()
            headers.setdefault("Stripe-Version", version)
            error = StripeError(
                "An unexpected error occurred in the sandbox (a bug: its log has the traceback).",
                status=500, type="api_error",
            )
            return JSONResponse(error.body(request_id), status_code=500, headers=headers)

    def process(
        self, request: Request, pairs: list[tuple[str, str]], kind: str, version: str,
        request_id: str, idem: str | None,
    ) -> tuple[int, str, bool]:
        """(status, JSON body, replayed) for one API request; raises StripeError before the handler."""
        route, args, params, raw = self._parse(request, pairs, kind, version)
        # The same key at another API version is another request (its answer has another shape).
        fingerprint = hashlib.sha256(
            json.dumps([request.method, request.url.path, version, sorted(pairs)], sort_keys=True).encode()
        ).hexdigest()
        with self._key_in_flight(idem):
            saved = self.store.idempotent_result(idem) if idem else None
            if saved is not None:
                if saved[0] != fingerprint:
                    raise StripeError(
                        "Keys for idempotent requests can only be used with the same parameters "
                        f"they were first used with. Try using a key other than '{idem}' if you "
                        "meant to execute a different request.",
                        type="idempotency_error",
                    )
                return saved[1], saved[2], True
            req = ApiRequest(
                store=self.store, method=request.method, path=request.url.path,
                route=f"{request.method} {route.pattern}", args=args, params=params, raw=raw,
                key_kind=kind, api_version=version, account_version=self.account_version,
                request_id=request_id, idempotency_key=idem,
                base_url=self.public_url or str(request.base_url).rstrip("/"),
                client_ip=request.client.host if request.client else "127.0.0.1",
                user_agent=request.headers.get("user-agent", ""),
            )
            try:
                with self.store.transaction():
                    result = route.handler(req)
                    status, payload = 200, json.dumps(req.render(result) if "object" in result else result)
                    if idem:
                        self.store.remember(idem, fingerprint, status, payload)
            except StripeError as error:  # the handler's refusal is the saved answer too
                status, payload = error.status, json.dumps(error.body(request_id))
                if idem:
                    self.store.remember(idem, fingerprint, status, payload)
            return status, payload, False

    def _parse(
        self, request: Request, pairs: list[tuple[str, str]], kind: str, version: str
    ) -> tuple[ApiRoute, dict[str, str], dict[str, Any], dict[str, Any]]:
        """The route, its path arguments, the validated params and the raw (decoded) params."""
        method, path = request.method, request.url.path
        found = api.resolve(method, path)
        if found is None:
            raise StripeError(
                f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
                "or we can help at https://support.stripe.com/.",
                status=404,
            )
        route, args = found
        if kind == "publishable" and not route.publishable:
            raise StripeError(PUBLISHABLE, status=403, code="secret_key_required")
        raw = wire.decode([(k, v) for k, v in pairs if k != "key"])
        versions.upgrade_request(version, f"{method} {route.pattern}", raw)
        private = {k: raw.pop(k) for k in list(raw) if k.startswith("_")}
        client_secret = raw.pop("client_secret", None) if route.publishable else None
        if kind == "publishable" and not client_secret:
            raise StripeError(PUBLISHABLE, status=403, code="secret_key_required")
        inferred = _pop_path(raw, INFER_FROM_CLIENT) if route.publishable else None
        try:
            params = schema.validate(raw, route.params) if route.params else {}
        except StripeError as error:  # name the parameter as the client sent it
            for new_name, old_name in private.get("_renamed", {}).items():
                if error.param and error.param.startswith(new_name):
                    error.param = old_name + error.param[len(new_name):]
                    error.message = error.message.replace(new_name, old_name)
            raise
        if inferred is not None:  # Stripe.js's infer_from_client, which the SDK's params lack
            if inferred not in ("true", "false"):
                raise StripeError(
                    f"Invalid boolean: {inferred}", code="parameter_invalid_boolean",
                    param=wire.bracket_path(list(INFER_FROM_CLIENT)),
                )
            node = params
            for part in INFER_FROM_CLIENT[:-1]:
                node = node.setdefault(part, {})
            node[INFER_FROM_CLIENT[-1]] = inferred == "true"
        if kind == "publishable":
            check_client_expand(params.get("expand", []))
        if client_secret is not None:
            params["client_secret"] = client_secret
        raw.update(private)
        return route, args, params, raw

    @contextlib.contextmanager
    def _key_in_flight(self, idem: str | None) -> Iterator[None]:
        """Hold an Idempotency-Key while its request runs; a second one meanwhile gets 409."""
        if not idem:
            yield
            return
        with self.in_flight_lock:
            if idem in self.in_flight:
                raise StripeError(
                    "There is currently another in-progress request using this Idempotent Key "
                    "(that probably means you submitted twice, and the other request is still "
                    f"going through): {idem}. Please try again later.",
                    status=409,
                    type="idempotency_error",
                    code="idempotency_key_in_use",
                )
            self.in_flight.add(idem)
        try:
            yield
        finally:
            with self.in_flight_lock:
                self.in_flight.discard(idem)


def create_app(store: Store, account_version: str | None = None, public_url: str | None = None) -> Starlette:
    """The app. ``public_url``: the sandbox's address for browsers, when they cannot use the
    request's own (behind jupyter-server-proxy on JupyterHub: ``/user/<name>/proxy/<port>``)."""
    from . import home, pages, resources  # noqa: F401 - registers the routes

    sandbox = Sandbox(store, account_version or versions.LATEST, public_url)
    from . import webhooks
    from .resources import test_clocks

    webhooks.start(store)  # the background webhook delivery thread
    test_clocks.start(store, sandbox.account_version)  # the thread that advances test clocks

    async def health(request: Request) -> Response:
        return JSONResponse(
            {
                "status": "ok",
                "service": "stripe-sandbox",
                "api_version": sandbox.account_version,
                "objects": store.count_all(),
                "pid": os.getpid(),  # lets `stop` check that a recorded pid is still this sandbox
            }
        )

    routes = [
        Route("/health", health),
        *home.routes(sandbox),
        *pages.routes(sandbox),
        Route("/v1/{path:path}", sandbox.handle, methods=["GET", "POST", "DELETE"]),
    ]
    # Stripe.js calls the API from the merchant's page (another origin), as it does at Stripe. It
    # sends the publishable key as ``key=`` in the body, so no page may send an Authorization
    # header (a secret key) cross-origin.
    cors = Middleware(
        CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Content-Type", "Stripe-Version", "Idempotency-Key"],
        expose_headers=["Request-Id", "Stripe-Version"],
    )
    app = Starlette(routes=routes, middleware=[cors])
    app.state.sandbox = sandbox
    return app
