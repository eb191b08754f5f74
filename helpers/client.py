"""The StripeClient factory and the request log.

Every request goes through :class:`LoggingHTTPClient`, a subclass of the SDK's own
``stripe.HTTPClient`` interface that wraps the SDK's default HTTP client (no monkeypatching).
It records one :class:`LogEntry` per attempt, with secrets masked before they are stored.
"""

from __future__ import annotations

import contextlib
import json
import re
import shlex
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pandas as pd
import stripe
from stripe._http_client import (
    HTTPClient,
    new_default_http_client,
    new_http_client_async_fallback,
)

import helpers
from helpers import explain, focus, problems
from helpers import settings as settings_mod
from helpers.sandbox.client import keys as sandbox_keys
from helpers.sandbox.client import process as sandbox_process

APP_NAME = "amazon-pay-subscriptions-hands-on"
APP_URL = "https://github.com/amazon-pay-subscriptions-hands-on"


@dataclass(frozen=True)
class LogEntry:
    """One HTTP request as the SDK sent it; params and key are already masked."""

    time: datetime
    method: str
    base: str
    path: str
    api_version: str | None
    params: tuple[tuple[str, str], ...]
    status: int | None
    request_id: str | None
    idempotency_key: str | None
    duration_ms: float
    error_code: str | None
    error_message: str | None
    key: str  # masked (the sandbox's public key is shown as is)
    object_id: str | None = None  # the ``id`` of the object answered (created, retrieved, updated)
    tutorial: bool = False  # the notebook's own call (its params shown first), not a learner's attempt
    error_param: str | None = None  # the parameter an error names
    exercise: str | None = None  # the exercise in focus when the learner sent it (helpers.focus)
    housekeeping: bool = False  # sent inside tutorial_calls(): a catch-up, an earlier run's object retired
    answered_as: str | None = None  # the sandbox answered a newer API version as this one (its header)


_LOG: list[LogEntry] = []
_shown: set[str] | None = None  # the parameter names show.request just showed, for the next request
_tutorial_depth = 0  # inside tutorial_calls(): every request is the tutorial's own
_listeners: list[Callable[[LogEntry], None]] = []


def on_record(listener: Callable[[LogEntry], None]) -> None:
    """Call ``listener`` with each entry of this kernel's log as it is recorded (once per
    listener; helpers.check keeps the learner's attempts on disk this way)."""
    if listener not in _listeners:
        _listeners.append(listener)


@contextlib.contextmanager
def tutorial_calls() -> Iterator[None]:
    """Requests sent inside are the tutorial's own (a catch-up, a re-run retiring an earlier
    object), never a learner's attempt at an exercise."""
    global _tutorial_depth
    _tutorial_depth += 1
    try:
        yield
    finally:
        _tutorial_depth -= 1


def mark_next_call(names: Iterable[str]) -> None:
    """The tutorial shows a call's params (``show.request``) before it sends them: the next
    request of this kernel that sends only these (top-level) parameters is logged as the
    tutorial's own (``LogEntry.tutorial``), which the exercise checkers tell from the learner's
    attempts. Any other request next clears the mark."""
    global _shown
    _shown = set(names)


def _is_shown_call(pairs: list[tuple[str, str]]) -> bool:
    global _shown
    shown, _shown = _shown, None
    names = {key.split("[", 1)[0] for key, _ in pairs}
    return shown is not None and bool(names) and names <= shown


def mask_value(name: str, value: str) -> str:
    """Mask API keys, webhook secrets and client secrets anywhere in a value; publishable keys
    and everything else pass unchanged. A parameter named like a secret is masked whole."""
    masked = settings_mod.mask_secrets(value)
    if masked == value and "secret" in name.lower() and value:
        return settings_mod.mask(value)
    return masked


def _shown_key(authorization: str | None) -> str:
    key = (authorization or "").removeprefix("Bearer ").strip()
    if key == settings_mod.SANDBOX_SECRET_KEY:  # public and only valid offline
        return key
    if sandbox_keys.owns(key):  # the learner's sandbox key: curl reads it, the page never shows it
        return sandbox_keys.KEY_COMMAND
    return settings_mod.mask(key) if key else ""


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value
    return None


def _object_id(body: Any, status: int | None) -> str | None:
    """The answered object's ``id`` (None for errors, lists and bodies that are not JSON)."""
    if status is None or status >= 400 or not body:
        return None
    try:
        found = json.loads(body)
    except (TypeError, ValueError):
        return None
    object_id = found.get("id") if isinstance(found, dict) and found.get("object") != "list" else None
    return object_id if isinstance(object_id, str) else None


def _error_of(body: Any, status: int) -> tuple[str | None, str | None, str | None]:
    """An error answer's code (else its type), message and param."""
    if status < 400:
        return None, None, None
    try:
        error = json.loads(body)["error"]
        return error.get("code") or error.get("type"), error.get("message"), error.get("param")
    except (TypeError, ValueError, KeyError, AttributeError):
        return None, None, None


class SandboxNotAnswering(problems.Problem, stripe.APIConnectionError):
    """The classroom's sandbox did not answer, or something else answered in its place; the
    message says what to tell the trainer (a stripe.APIConnectionError all the same)."""


# A sandbox that was started again elsewhere (another port): its old base -> its current one.
# Shared by every client of this kernel, so all of them follow it.
_MOVED: dict[str, str] = {}


def _followed(url: str) -> str:
    """``url`` on the sandbox's current address, if the sandbox it names has moved."""
    for old, new in _MOVED.items():
        if url == old or url.startswith(old + "/"):
            return new + url[len(old):]
    return url


class LoggingHTTPClient(HTTPClient):
    """An ``HTTPClient`` that delegates to the SDK's default one and logs each request."""

    name = "logging"

    def __init__(self, inner: HTTPClient | None = None, log: list[LogEntry] | None = None,
                 reconnect: Callable[[str], str | None] | None = None, classroom: bool = False) -> None:
        super().__init__(async_fallback_client=new_http_client_async_fallback())
        self._inner = inner or new_default_http_client()
        self.name = self._inner.name
        self._log = _LOG if log is None else log
        # After a connection error at a base: the sandbox's address now (it may have moved, or
        # been started again), or None when another try is not worth it.
        self._reconnect = reconnect
        # The trainer's sandbox (TUTORIAL_SANDBOX_URL): when it does not answer, or something
        # else answers, the error says to tell the trainer (not the SDK's "let us know at
        # support@stripe.com").
        self._classroom = classroom

    def request(self, method: str, url: str, headers: Mapping[str, str] | None,
                post_data: Any = None, *, _usage: list[str] | None = None):
        url = _followed(url)
        base = _base_of(url)
        try:
            return self._logged(method, url, headers, post_data)
        except SandboxNotAnswering:
            raise
        except stripe.APIConnectionError:
            now = self._reconnect(base) if self._reconnect is not None else None
            if now is None:
                if self._classroom:
                    raise SandboxNotAnswering(problems.sandbox_unreachable()) from None
                raise
        if now != base:  # started again on another port (by this kernel or another): follow it
            _MOVED.update({old: now for old, new in _MOVED.items() if new == base} | {base: now})
            url = _followed(url)
        # The same request again, with the same Idempotency-Key: a POST is never done twice.
        return self._logged(method, url, headers, post_data)

    def _logged(self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any):
        started = time.perf_counter()
        try:
            response = self._inner.request(method, url, headers, post_data)
        except stripe.APIConnectionError:
            self._record(method, url, headers, post_data, None, None, started, "connection_error")
            raise
        body, status, rheaders = response
        self._record(method, url, headers, post_data, status, rheaders, started, body)
        kind = (_header(rheaders, "Content-Type") or "no content type").split(";")[0]
        if self._classroom and "json" not in kind:  # a hub's proxy page, not the sandbox
            raise SandboxNotAnswering(problems.sandbox_unreachable(
                f"its address answered HTTP {status} with {kind}, not as the sandbox does"))
        return response

    def request_stream(self, method: str, url: str, headers: Mapping[str, str] | None,
                       post_data: Any = None, *, _usage: list[str] | None = None):
        started = time.perf_counter()
        response = self._inner.request_stream(method, url, headers, post_data)
        self._record(method, url, headers, post_data, response[1], response[2], started, None)
        return response

    def close(self) -> None:
        self._inner.close()

    def _record(self, method, url, headers, post_data, status, rheaders, started, body) -> None:
        parts = urlsplit(url)
        raw = post_data.decode() if isinstance(post_data, bytes) else (post_data or "")
        pairs = parse_qsl(parts.query, keep_blank_values=True) + parse_qsl(raw, keep_blank_values=True)
        if status is None:
            code, message, param = "connection_error", None, None
        else:
            code, message, param = _error_of(body, status)
        kernels = self._log is _LOG  # the kernel's own log (the checkers' lookups are not in it)
        tutorial = kernels and status is not None and (_is_shown_call(pairs) or _tutorial_depth > 0)
        in_focus = focus.current() if kernels and not tutorial else None
        entry = LogEntry(
            time=datetime.now(UTC),
            method=method.upper(),
            base=f"{parts.scheme}://{parts.netloc}",
            path=parts.path,
            api_version=_header(headers, "Stripe-Version"),
            params=tuple((k, mask_value(k, v)) for k, v in pairs),
            status=status,
            request_id=_header(rheaders, "Request-Id"),
            idempotency_key=_header(headers, "Idempotency-Key"),
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
            error_code=code,
            error_message=message,
            key=_shown_key(_header(headers, "Authorization")),
            object_id=_object_id(body, status),
            tutorial=tutorial,
            error_param=param,
            exercise=in_focus.exercise if in_focus else None,
            housekeeping=kernels and _tutorial_depth > 0,
            answered_as=_header(rheaders, "Sandbox-Answered-As-Version"),
        )
        self._log.append(entry)
        if kernels:
            for listener in list(_listeners):
                try:
                    listener(entry)
                except Exception:  # noqa: BLE001 - keeping a record must never fail the request
                    pass


def _base_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def restart_sandbox() -> Callable[[str], str | None]:
    """A ``reconnect`` for the tutorial's own sandbox, after a connection error: its address now.
    Another kernel may have started it again (on another port, when its old one was taken);
    else it is started again here (its state is on disk). None: nothing to retry."""

    def restart(failed: str) -> str | None:
        if settings_mod.classroom_url():  # someone else's sandbox: not ours to start
            return None
        url = sandbox_process.running_url()
        if url is not None and url.rstrip("/") == failed:
            return None  # it runs there: the failure was something else
        if url is None:
            try:
                url = sandbox_process.ensure_running()
            except sandbox_process.SandboxError:
                return None
            print(f"The sandbox was not running: started it again on {url} (its data is kept).", flush=True)
        return url.rstrip("/")

    return restart


def get_client(stripe_version: str | None = None, *,
               settings: settings_mod.Settings | None = None,
               logged: bool = True) -> stripe.StripeClient:
    """A StripeClient for the current mode, logging every request.

    The API version is the SDK's pin (``stripe.api_version``) unless ``stripe_version`` is given.
    ``logged=False`` leaves the request log alone (the exercise checkers look without being seen).
    In sandbox mode a sandbox that stopped is started again before a request fails. In a notebook,
    the SDK's errors are shown as one sentence that says what to do (helpers.problems).
    """
    settings = settings or settings_mod.load()
    stripe.set_app_info(APP_NAME, version=helpers.__version__, url=APP_URL)
    explain.install()
    options: dict[str, Any] = {}
    reconnect = None
    if settings.is_sandbox:
        base = settings.api_base
        options["base_addresses"] = {"api": base, "files": base, "connect": base,
                                     "meter_events": base}
        options["max_network_retries"] = 0  # local: a retry would only hide a sandbox bug
        reconnect = restart_sandbox()
    return stripe.StripeClient(
        settings.secret_key,
        stripe_version=stripe_version or stripe.api_version,
        http_client=LoggingHTTPClient(reconnect=reconnect, log=None if logged else [],
                                      classroom=settings.is_sandbox and bool(settings_mod.classroom_url())),
        **options,
    )


def entries() -> list[LogEntry]:
    """The log entries of this kernel, oldest first."""
    return list(_LOG)


def clear_log() -> None:
    _LOG.clear()


LOG_COLUMNS = ["time", "method", "path", "api_version", "params", "status", "request_id",
               "idempotency_key", "duration_ms", "error_code"]


def request_log() -> pd.DataFrame:
    """Every request of this kernel as a DataFrame (params as a dict, secrets masked)."""
    rows = []
    for entry in _LOG:
        row = asdict(entry)
        params: dict[str, Any] = {}
        for key, value in entry.params:  # repeated keys (rare) become lists
            params[key] = [*params[key], value] if isinstance(params.get(key), list) else (
                [params[key], value] if key in params else value)
        row["params"] = params
        rows.append(row)
    # A version newer than the sandbox knows is answered as its newest: the column appears when one was.
    answered = ["answered_as"] if any(entry.answered_as for entry in _LOG) else []
    frame = pd.DataFrame(rows, columns=[*LOG_COLUMNS, *answered, "error_message"])
    frame["status"] = pd.array([entry.status for entry in _LOG], dtype="Int64")  # 200, not 200.0
    return frame


class NoRequestYet(problems.Problem, LookupError):
    """``as_curl`` before any request of this kernel."""


_UNRESERVED = re.compile(r"^[A-Za-z0-9._~-]*$")  # needs no URL encoding
_NAME = re.compile(r"^[A-Za-z0-9_\[\]]+$")  # a parameter name as the SDK writes it


def _curl_param(key: str, value: str) -> str:
    key = re.sub(r"\[\d+\]$", "[]", key)  # a list of values: payment_method_types[]=…, as the guide
    if not _NAME.match(key):  # curl sends names as they are: encode anything unusual ourselves
        key = quote(key, safe="[]")
    flag = "-d" if _UNRESERVED.match(value) else "--data-urlencode"
    return f"{flag} {shlex.quote(key)}={shlex.quote(value)}"


def as_curl(entry: LogEntry | int | None = None) -> str:
    """The request as a curl command in the guide's style (unless given: the last request that was
    not housekeeping, such as the cancel of an earlier run's subscription after a new one).

    Every name and value is quoted for a POSIX shell (``shlex.quote``), so whatever a parameter
    holds, pasting the command runs curl and nothing else. The Stripe-Version header is always
    shown: without it, curl would run at the account's default API version, which may differ
    from the version the SDK pinned.
    """
    if entry is None or isinstance(entry, int):
        shown = [e for e in _LOG if not e.housekeeping] if entry is None else _LOG
        if not shown:
            raise NoRequestYet("No request yet in this kernel: run a cell that calls the API first.")
        entry = shown[-1 if entry is None else entry]
    head = "curl -G" if entry.method == "GET" and entry.params else "curl"
    if entry.method not in ("GET", "POST"):
        head += f" -X {shlex.quote(entry.method)}"
    lines = [f"{head} {shlex.quote(entry.base + entry.path)}"]
    if entry.key:  # the learner's own sandbox key: a command the shell runs (ours, never a logged value)
        shown = f'"{entry.key}:"' if entry.key == sandbox_keys.KEY_COMMAND else shlex.quote(entry.key + ":")
        lines.append(f"-u {shown}")
    if entry.api_version:
        lines.append(f"-H {shlex.quote('Stripe-Version: ' + entry.api_version)}")
    lines += [_curl_param(k, v) for k, v in entry.params]
    return " \\\n  ".join(lines)
