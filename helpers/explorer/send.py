"""Sending one operation with stripe-python, to the sandbox or to Stripe test mode, at an API
version: the SDK's own method (``client.v1.customers.create``), so the request log records it as
every other call of the tutorial. What the sandbox answers it learns as a client does
(``GET /_sandbox/operations``); an operation it does not emulate is refused here, in one
sentence, before anything is sent.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import stripe

from helpers import client as client_mod
from helpers import explain, settings
from helpers.client import LogEntry
from helpers.problems import NextStep
from helpers.sandbox.client import control, keys
from helpers.show import Table, to_plain

from .catalog import Operation, operations, route_of

SANDBOX, TEST_MODE = "sandbox", "Stripe test mode"
UNREACHABLE = ("Stripe cannot be reached (no connection to api.stripe.com): check your internet connection, "
               "then run this cell again.")


@dataclass
class Answer:
    """What one request got: the status, the body (the object, or Stripe's error envelope) and
    the request log's entry; ``problem`` is one sentence when it failed."""

    operation: Operation
    path: tuple[str, ...]
    params: dict[str, Any]
    api_version: str
    backend: str
    status: int | None
    body: Any
    entry: LogEntry | None = None
    problem: str | None = None
    log_index: int | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.status is not None and self.status < 400

    @property
    def error(self) -> dict[str, Any] | None:
        found = self.body.get("error") if isinstance(self.body, dict) else None
        return found if isinstance(found, dict) else None

    @property
    def object_id(self) -> str | None:
        if not self.ok or not isinstance(self.body, dict) or self.body.get("object") == "list":
            return None
        found = self.body.get("id")
        return found if isinstance(found, str) else None


# --------------------------------------------------------------------------- what the sandbox answers


@functools.cache
def _sandbox_catalog(url: str) -> dict[str, Any]:
    return control.operations()


def sandbox_catalog() -> dict[str, Any]:
    """``GET /_sandbox/operations`` of this learner's sandbox (asked once per sandbox address)."""
    return _sandbox_catalog(settings.sandbox_url())


def sandbox_routes() -> set[str]:
    return {route_of(o["method"], o["path"]) for o in sandbox_catalog()["operations"]}


def answered_by_sandbox(operation: Operation) -> bool:
    return operation.route in sandbox_routes()


def modelled_versions() -> list[dict[str, str]]:
    """The API versions the sandbox models, newest first (``version``, ``title``)."""
    return sandbox_catalog()["api_versions"]


def operations_table(answered_only: bool = True) -> Table:
    """The operations the sandbox answers (or all of stripe-python's, marked), one row each."""
    answered = sandbox_routes()
    rows = [(op.resource, op.name, op.label, "yes" if op.route in answered else "no (test mode only)")
            for op in operations() if op.route in answered or not answered_only]
    return Table(rows, columns=["resource", "call", "request", "the sandbox answers it"])


def not_emulated(operation: Operation) -> str:
    """The one sentence for an operation the sandbox does not answer."""
    return (f"The sandbox does not emulate {operation.label} ({operation.call}), so nothing was sent; "
            "Stripe test mode has it: set STRIPE_SECRET_KEY=sk_test_… (environment or .env) to send it there.")


# --------------------------------------------------------------------------- the two backends


def sandbox_client(stripe_version: str | None = None) -> stripe.StripeClient:
    """A client of this learner's sandbox, whatever the tutorial's mode."""
    base = settings.sandbox_url()
    secret, publishable = keys.keys()
    sandbox = settings.Settings("sandbox", secret, publishable, base, base + "/js/stripe.js", "sandbox")
    return client_mod.get_client(stripe_version, settings=sandbox)


def test_mode_key() -> str | None:
    """The configured test key (environment, ``.env`` or pasted), or None; live keys refused."""
    found = settings._secret_from(settings.environment())  # pasted (key_widget), else environment or .env
    return settings.check_secret_key(found) if found else None


TEST_MODE_BASE = settings.STRIPE_API_BASE


def test_mode_client(stripe_version: str | None = None) -> stripe.StripeClient | None:
    """A client of Stripe test mode with the configured test key, or None without one."""
    key = test_mode_key()
    if key is None:
        return None
    return stripe.StripeClient(key, stripe_version=stripe_version or stripe.api_version,
                               base_addresses={"api": TEST_MODE_BASE},
                               http_client=client_mod.LoggingHTTPClient(), max_network_retries=0)


def current_backend() -> str:
    return SANDBOX if settings.load().is_sandbox else TEST_MODE


def client_for(backend: str) -> stripe.StripeClient | None:
    return sandbox_client() if backend == SANDBOX else test_mode_client()


# --------------------------------------------------------------------------- sending


def send(operation: Operation, path: tuple[str, ...] = (), params: dict[str, Any] | None = None, *,
         api_version: str | None = None, backend: str | None = None,
         client: stripe.StripeClient | None = None) -> Answer:
    """Make the call with the SDK and keep what it answered. An SDK error is an answer too (its
    status, its envelope and one sentence); NextStep when it cannot be sent at all."""
    backend = backend or current_backend()
    version = api_version or stripe.api_version
    if backend == SANDBOX and not answered_by_sandbox(operation):
        raise NextStep(not_emulated(operation))
    client = client or client_for(backend)
    if client is None:
        raise NextStep("Stripe test mode needs your test key: set STRIPE_SECRET_KEY=sk_test_… (environment or "
                       ".env), then run this cell again.")
    method: Any = client.v1
    for name in operation.sdk:
        method = getattr(method, name)
    log = client_mod.entries()
    before = len(log)
    problem = None
    try:
        result = method(*path, params=params or None, options={"stripe_version": version})
        body, status = to_plain(result), None
    except stripe.StripeError as error:
        if error.http_status is None:  # nothing answered: no connection
            raise NextStep(explain.explain(error) if backend == SANDBOX else UNREACHABLE) from None
        body = error.json_body if isinstance(error.json_body, dict) else {"error": {"message": str(error)}}
        status, problem = error.http_status, explain.explain(error)
    log = client_mod.entries()
    entry = log[-1] if len(log) > before else None
    if status is None:
        status = entry.status if entry and entry.status else 200
    return Answer(operation, tuple(path), dict(params or {}), version, backend, status, body, entry, problem,
                  len(log) - 1 if entry else None)
