"""Stripe's wire protocol around the handlers in ``resources/``: one ``/v1`` request in, one
answer in Stripe's envelope out (``server.py`` composes it with the pages into the app).

Every ``/v1`` request goes through the same steps, as at Stripe: a Request-Id; the body, read
up to a size limit (everything after that runs off the event loop); form decoding; the API key
(secret or publishable, test only); the API version (``Stripe-Version`` or the account
default); version changes; parameter validation against stripe-python's params classes;
idempotency; the handler, in one SQLite transaction; then expand and the version's response
shape.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import re
import threading
import time
import traceback
import urllib.parse
from collections.abc import Iterable, Iterator
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from ..shared.errors import StripeError, param_unknown, shorten
from ..shared.ids import new_id, random_token
from ..state.account_store import AccountStore
from ..state.accounts import Accounts
from ..state.database import Database, WouldWait
from ..state.room import Room
from . import schema, versions, wire
from .activity import Activity, RequestRecord
from .context import SITE, ApiRequest, check_client_expand
from .hosts import VIA_PUBLIC_URL
from .keys import PUBLISHABLE, api_key, key_kind
from .router import Route as ApiRoute
from .router import api

log = logging.getLogger("helpers.sandbox")

# Stripe does not document a request size limit (unverified); a tutorial's largest request is a
# few kilobytes (50 metadata keys of 500 characters are 27 kB). Bounded, so one request cannot
# hold the process's memory or its parser.
MAX_BODY_BYTES = 1_000_000
MAX_FIELDS = 1_000  # form fields per query string or body
# A quick route's request is answered on the event loop up to this size (query string and body;
# a customer create is about 100 bytes); larger ones are decoded in a worker thread (issue 11).
QUICK_BYTES = 4_096
TOO_LARGE = (
    f"The request body is larger than the sandbox accepts ({MAX_BODY_BYTES:,} bytes). Stripe's parameters "
    "are small: metadata holds at most 50 keys of 500 characters, strings at most 5000 characters."
)
# A path a proxy names in X-Forwarded-Context: "/user/<name>/proxy/<port>", nothing to leave it.
PROXY_PATH = re.compile(r"(/[A-Za-z0-9._~%@!$&'()*+,;=:-]+)+")
# Worker threads for requests (Starlette's default is 40). Writes take turns anyway (one
# SQLite writer); more threads than cores only make them wait for the GIL behind each other.
WORKER_THREADS = int(os.environ.get("SANDBOX_WORKERS", "4"))
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]

# The response header that says which version answered a version newer than the sandbox knows.
ANSWERED_AS = "Sandbox-Answered-As-Version"

# Stripe.js sends this one; stripe-python's params classes do not declare it (servers never may).
INFER_FROM_CLIENT = ("mandate_data", "customer_acceptance", "online", "infer_from_client")


def _pop_path(raw: dict, path: tuple[str, ...]):
    node = raw
    for part in path[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    return node.pop(path[-1], None) if isinstance(node, dict) else None


async def read_body(request: Request) -> bytes:
    """A POST's body, up to MAX_BODY_BYTES: 413 as soon as it is known to be larger."""
    if request.method != "POST":
        return b""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise StripeError(TOO_LARGE, status=413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise StripeError(TOO_LARGE, status=413)
        chunks.append(chunk)
    return b"".join(chunks)


def form_pairs(request: Request, body: bytes) -> list[tuple[str, str]]:
    """The query string's and the form body's name/value pairs, strictly UTF-8."""
    if request.headers.get("content-type", "").startswith("application/json") and body:
        raise StripeError(
            "Invalid request: the body must be form-encoded (application/x-www-form-urlencoded), "
            "as Stripe's API expects."
        )
    try:
        pairs = urllib.parse.parse_qsl(
            request.url.query, keep_blank_values=True, errors="strict", max_num_fields=MAX_FIELDS
        )
        return pairs + urllib.parse.parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, errors="strict", max_num_fields=MAX_FIELDS
        )
    except UnicodeDecodeError:
        raise StripeError(
            "Invalid request: the parameters are not valid UTF-8. Percent-encode text as UTF-8 (%C3%A9 for é)."
        ) from None
    except ValueError:  # parse_qsl's "Max number of fields exceeded"
        raise StripeError(
            f"Invalid request: more than {MAX_FIELDS} parameters. Stripe's requests need a few dozen at most."
        ) from None


def fingerprint(request: Request, kind: str, version: str, pairs: Iterable[tuple[str, str]]) -> str:
    """What makes two requests under one Idempotency-Key the same request: method, path, API
    version (another version's answer has another shape), the key's kind (a publishable key
    must never replay a secret key's answer) and the parameters."""
    return hashlib.sha256(
        json.dumps([request.method, request.url.path, version, kind, sorted(pairs)]).encode()
    ).hexdigest()


def log_bug(request: Request, error: Exception) -> None:
    """One line per sandbox bug: what was asked, what broke, where."""
    where = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    log.error(
        "%s %s -> 500 %s: %s%s", request.method, shorten(request.url.path), type(error).__name__,
        shorten(str(error), 300), f" ({where.filename}:{where.lineno} in {where.name})" if where else "",
    )


def _record_of(request: Request, response: Response, request_id: str, started: float) -> RequestRecord:
    """What an account's request log keeps of one request (the error's fields when it failed)."""
    error: dict[str, Any] = {}
    if response.status_code >= 400:
        with contextlib.suppress(ValueError, KeyError, TypeError):
            error = json.loads(response.body)["error"]
    return RequestRecord(
        time=time.time(), method=request.method, path=shorten(request.url.path), status=response.status_code,
        request_id=request_id, duration_ms=round((time.perf_counter() - started) * 1000, 1),
        error_type=error.get("type"), error_code=error.get("code"), error_message=error.get("message"),
        error_param=error.get("param"), answered_as=response.headers.get(ANSWERED_AS),
    )


class Sandbox:
    """Holds the database, its room of accounts, and the state shared between requests
    (idempotency keys in flight, each account's recent requests)."""

    def __init__(
        self, db: Database, account_version: str, public_url: str | None = None,
        webhook_hosts: Iterable[str] = (), *, classroom: bool = False, trainer_token: str | None = None,
        remote_clients: bool = False, new_accounts_per_minute: int | None = None,
    ) -> None:
        self.db = db
        self.room = Room(db)  # reads across accounts, by name; an account's store: room.account(id)
        self.account_version = account_version
        self.public_url = public_url  # the base browsers use, when not the request's own
        self.webhook_hosts = frozenset(h.lower() for h in webhook_hosts)  # beyond loopback
        self.accounts = Accounts(self.room, classroom=classroom, new_per_minute=new_accounts_per_minute)
        self.activity = Activity()
        self.classroom = classroom
        self.trainer_token = trainer_token or random_token(32)  # lists accounts, resets them all
        self.in_flight: set[tuple[str, str]] = set()
        self.in_flight_lock = threading.Lock()
        self.remote_clients = remote_clients  # serve --host: learners' machines are not this one

    async def handle(self, request: Request) -> Response:
        request_id = new_id("req", 14)
        started = time.perf_counter()
        named: dict[str, Any] = {}  # the account, once the key has named one
        response = await self._respond(request, request_id, named)
        if "account" in named and named.get("own"):
            self.activity.record(named["account"], _record_of(request, response, request_id, started))
        return response

    async def _respond(self, request: Request, request_id: str, named: dict[str, str]) -> Response:
        headers = {"Request-Id": request_id, "Stripe-Version": self.account_version}
        try:
            body = await read_body(request)
            if self.quick(request, body):
                try:
                    with self.db.no_waiting():
                        status, payload = self.answer(request, body, request_id, headers, named)
                except WouldWait:  # another thread holds the write lock: wait for it in a worker
                    status, payload = await run_in_threadpool(self.answer, request, body, request_id, headers, named)
            else:
                status, payload = await run_in_threadpool(self.answer, request, body, request_id, headers, named)
            return Response(payload, status_code=status, headers=headers, media_type="application/json")
        except StripeError as error:
            return JSONResponse(error.body(request_log_url(request_id)), status_code=error.status, headers=headers)
        except Exception as bug:  # a sandbox bug: still answer in Stripe's envelope, never text/plain
            log_bug(request, bug)
            error = StripeError(
                "An unexpected error occurred in the sandbox (a bug: its log names it).",
                status=500, type="api_error",
            )
            return JSONResponse(error.body(request_log_url(request_id)), status_code=500, headers=headers)

    @staticmethod
    def quick(request: Request, body: bytes) -> bool:
        """Answer on the event loop rather than in a worker thread? For a small request to a
        quick route (``router.Route.quick``): a few milliseconds of work at most, less than the
        GIL's switch interval (5 ms) for which a worker thread's Python would hold the loop
        anyway, without the hand-over to a thread and back (0.2 ms or more). Large requests,
        lists, searches and the billing routes stay in worker threads; a quick write that finds
        the write lock taken moves there too (``Database.no_waiting``), so the loop never waits."""
        if len(body) + len(request.scope["query_string"]) > QUICK_BYTES:
            return False
        found = resolved(request)
        return found is not None and found[0].quick

    def answer(
        self, request: Request, body: bytes, request_id: str, headers: dict[str, str], named: dict[str, str],
    ) -> tuple[int, str]:
        """Everything after the body is read (in a worker thread): (status, JSON body).
        Sets the response's Stripe-Version and idempotency headers in ``headers``, and the
        key's account in ``named``."""
        try:
            pairs, unreadable = form_pairs(request, body), None
        except StripeError as error:  # answered after the key has named its account (its request log)
            pairs, unreadable = [], error
        key = api_key(request, pairs)
        kind = key_kind(key)
        named["account"] = self.accounts.for_key(key, kind, client_address(request))
        named["own"] = kind == "secret"  # until the parameters are read: a client secret may make it so
        if unreadable is not None:
            raise unreadable
        resolved = versions.resolve(request.headers.get("stripe-version") or self.account_version)
        headers["Stripe-Version"] = resolved.requested  # echoed, as Stripe does
        if resolved.newer_than_known:  # a later monthly version of the newest major: answered as that
            headers[ANSWERED_AS] = resolved.answered
        version = resolved.answered
        idem = request.headers.get("idempotency-key") if request.method == "POST" else None
        if idem:
            headers["Idempotency-Key"] = idem
        store = self.room.account(named["account"])
        # The account's own activity: its secret key's requests, and Stripe.js's with the client
        # secret of one of its objects. A publishable key is public (a page's source shows it):
        # anyone's requests with it alone must not fill its learner's log or "last error".
        named["own"] = kind == "secret" or own_client_secret(store, pairs)
        status, payload, replayed = self.process(request, pairs, kind, version, request_id, idem, store)
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        return status, payload

    def process(
        self, request: Request, pairs: list[tuple[str, str]], kind: str, version: str,
        request_id: str, idem: str | None, store: AccountStore,
    ) -> tuple[int, str, bool]:
        """(status, JSON body, replayed) for one API request, in ``store`` (the view of the
        key's account); raises StripeError before the handler."""
        route, args, params, raw = self._parse(request, pairs, kind, version)
        req = ApiRequest(
            store=store, method=request.method, path=request.url.path,
            route=f"{request.method} {route.pattern}", args=args, params=params, raw=raw,
            key_kind=kind, api_version=version, account_version=self.account_version,
            request_id=request_id, idempotency_key=idem,
            browser_base=lambda: self.browser_base(request, kind),
            client_ip=request.client.host if request.client else "127.0.0.1",
            user_agent=request.headers.get("user-agent", ""),
            webhook_hosts=self.webhook_hosts,
        )
        if route.method == "GET":  # reads take no lock: they never wait for writes, nor writes for them
            with store.snapshot():
                return 200, self._answer(route, req), False
        with self._key_in_flight(store.account, idem), store.transaction():
            # The check, the handler and the saved answer in one write transaction: another
            # request with this key (another thread, or another process) waits, then replays.
            same = fingerprint(request, kind, version, pairs) if idem else ""
            saved = store.idempotent_result(idem) if idem else None
            if saved is not None:
                if saved[0] != same:
                    raise StripeError(
                        "Keys for idempotent requests can only be used with the same parameters "
                        f"they were first used with. Try using a key other than '{idem}' if you "
                        "meant to execute a different request.",
                        type="idempotency_error",
                    )
                return saved[1], saved[2], True
            try:
                # A savepoint only under a key: without one, a refusal ends the whole transaction.
                with store.attempt() if idem else contextlib.nullcontext():
                    status, payload = 200, self._answer(route, req)
            except StripeError as error:  # the handler's refusal is the saved answer too
                if not idem:
                    raise
                status, payload = error.status, json.dumps(error.body(request_log_url(request_id)))
            if idem:
                store.remember(idem, same, status, payload)
            return status, payload, False

    def browser_base(self, request: Request, kind: str) -> str:
        """Where the browser that will follow a URL in this answer reaches the sandbox.

        Stripe.js (a publishable key) runs in that browser: URLs go back the way its request
        came, through jupyter-server-proxy (its ``X-Forwarded-Context`` path), through the
        public URL (a hub's proxy in front of a hub service), or directly (a headless browser
        next to the kernel). A secret key's request comes from a kernel or curl, for a
        person's browser: the sandbox's public URL."""
        if kind == "publishable":
            forwarded = request.headers.get("x-forwarded-context", "").rstrip("/")
            if PROXY_PATH.fullmatch(forwarded):
                return forwarded
            if not request.scope.get(VIA_PUBLIC_URL):
                return str(request.base_url).rstrip("/")
        return (self.public_url or str(request.base_url)).rstrip("/")

    @staticmethod
    def _answer(route: ApiRoute, req: ApiRequest) -> str:
        result = route.handler(req)
        return json.dumps(req.render(result) if "object" in result else result)

    def _parse(
        self, request: Request, pairs: list[tuple[str, str]], kind: str, version: str
    ) -> tuple[ApiRoute, dict[str, str], dict[str, Any], dict[str, Any]]:
        """The route, its path arguments, the validated params and the raw (decoded) params."""
        method, path = request.method, request.url.path
        found = resolved(request)
        if found is None:
            raise StripeError(
                f"Unrecognized request URL ({method}: {shorten(path)}). Please see https://stripe.com/docs "
                "or we can help at https://support.stripe.com/.",
                status=404,
            )
        route, args = found
        if kind == "publishable" and not route.publishable:
            raise StripeError(PUBLISHABLE, status=403, code="secret_key_required")
        raw = wire.decode([(k, v) for k, v in pairs if k != "key"])
        internal = next((k for k in raw if k.startswith("_")), None)
        if internal is not None:  # the version changes' own flags start with "_": never a client's
            raise param_unknown(shorten(internal))
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
    def _key_in_flight(self, account: str, idem: str | None) -> Iterator[None]:
        """Hold an account's Idempotency-Key while its request runs; a second one meanwhile gets 409."""
        if not idem:
            yield
            return
        held = (account, idem)
        with self.in_flight_lock:
            if held in self.in_flight:
                raise StripeError(
                    "There is currently another in-progress request using this Idempotent Key "
                    "(that probably means you submitted twice, and the other request is still "
                    f"going through): {idem}. Please try again later.",
                    status=409,
                    type="idempotency_error",
                    code="idempotency_key_in_use",
                )
            self.in_flight.add(held)
        try:
            yield
        finally:
            with self.in_flight_lock:
                self.in_flight.discard(held)


def resolved(request: Request) -> tuple[ApiRoute, dict[str, str]] | None:
    """The request's route and path arguments (looked up once per request). HEAD is a GET
    without its body."""
    if "sandbox.route" not in request.scope:
        method = "GET" if request.method == "HEAD" else request.method
        request.scope["sandbox.route"] = api.resolve(method, request.url.path)
    return request.scope["sandbox.route"]


def client_address(request: Request) -> str:
    """The address a request came from (what a classroom's limit on new accounts counts by)."""
    return request.client.host if request.client else ""


def own_client_secret(store: AccountStore, pairs: list[tuple[str, str]]) -> bool:
    """Whether the request's ``client_secret`` is that of an object of ``store``'s account."""
    given = next((value for key, value in pairs if key == "client_secret"), "")
    object_id = given.partition("_secret_")[0]
    found = store.find(object_id) if object_id and "_secret_" in given else None
    kept = found.get("client_secret") if found else None
    return isinstance(kept, str) and hmac.compare_digest(kept.encode(), given.encode())


def request_log_url(request_id: str) -> str:
    """An error's ``request_log_url``: Stripe's names the request's page in its Dashboard, which
    offline goes nowhere; this is the sandbox Dashboard's request log, at that request's row
    (the hosted pages' base, ``SITE``, as ``hosted_invoice_url`` has it)."""
    return f"{SITE.base_url}/dashboard/logs#{request_id}"


def not_found(request: Request) -> Response:
    """Any other path: under ``/v1`` (also ``//v1``) Stripe's envelope, elsewhere plain text."""
    path = request.url.path
    if path.lstrip("/").split("/")[0] == "v1":
        error = StripeError(
            f"Unrecognized request URL ({request.method}: {shorten(path)}). Please see https://stripe.com/docs "
            "or we can help at https://support.stripe.com/.",
            status=404,
        )
        return JSONResponse(error.body(request_log_url(new_id("req", 14))), status_code=404)
    return PlainTextResponse("Not Found", status_code=404)


class BrowserCORS(CORSMiddleware):
    """CORS for the requests that ask for it: a browser sends ``Origin`` with every cross-origin
    request, stripe-python and curl never do, and skip the middleware's work."""

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not any(name == b"origin" for name, _ in scope["headers"]):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
