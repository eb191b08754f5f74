"""IDs that earlier notebooks produced, kept on disk so that every kernel can find them.

One JSON file per mode and account under the state dir (``.tutorial/progress/``): ``sandbox.json``
offline, ``acct-<hash>.json`` in Stripe test mode (a hash of the key, never the key). Writes are
atomic (temporary file + ``os.replace``), so a reader never sees half a file, and each
read-modify-write holds an exclusive lock on a sibling ``.lock`` file, so two kernels writing at
once do not lose each other's IDs.

:func:`catch_up` creates a skipped step's objects with the guide's defaults, tagged with
:data:`TUTORIAL_TAG`, and checks that the IDs it reuses still exist.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import re
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import stripe

from helpers import explain
from helpers import settings as settings_mod
from helpers.filelock import exclusive
from helpers.problems import Problem
from helpers.sandbox.client import process

# Which notebook produces which ID.
NOTEBOOKS: dict[str, str] = {
    "product": "01_product_and_price",
    "price": "01_product_and_price",
    "customer": "02_customer",
    "setup_intent": "03_setup_intent",
    "payment_method": "04_redirect_with_stripe_js",
    "mandate": "04_redirect_with_stripe_js",
    "subscription": "05_subscription",
    "invoice": "05_subscription",
    "webhook_endpoint": "06_webhooks",
    "test_clock": "07_renewals",
    "clock_customer": "07_renewals",
    "clock_subscription": "07_renewals",
}

# The guide's values, used by catch_up.
GUIDE_PRODUCT = {"name": "Stock photo service"}
GUIDE_PRICE = {"unit_amount": 1500, "currency": "usd", "recurring": {"interval": "month"}}
GUIDE_CUSTOMER = {
    "email": "jenny.rosen@example.com",
    "name": "Jenny Rosen",
    "description": "My First Test Customer (created for API docs)",
}
GUIDE_RETURN_URL = "https://www.stripe.com"
GUIDE_MANDATE = {"customer_acceptance": {
    "type": "online", "online": {"ip_address": "127.0.0.0", "user_agent": "device"}}}
# Notebook 07's test clock (noon, 1 January 2027, UTC) and the customer who lives on it.
CLOCK = {"frozen_time": 1798804800, "name": "Amazon Pay renewals"}
CLOCK_CUSTOMER = {"email": "renewals@example.com", "name": "Clock Customer"}

# metadata[tutorial] on what the tutorial creates: clean-up (notebook 09) deletes only tagged
# customers, and catch_up adopts only a tagged customer found by email.
TUTORIAL_TAG = ("tutorial", "amazon-pay-subscriptions-hands-on")

# JupyterHub's proxy path in front of a local port: /user/<name>/proxy/<port>/<rest>.
_PROXY_PATH = re.compile(r"/proxy/(\d+)/(.*)$")


def _loopback(url: str) -> str | None:
    """The direct 127.0.0.1 URL of the sandbox page ``url`` points at, or None if it is not one.

    The sandbox behind JupyterHub hands out path-absolute URLs through the proxy
    (``/user/<name>/proxy/<port>/pm-redirects/…``, no host); the kernel reaches the same
    server directly on loopback.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.hostname == "127.0.0.1":
        return url
    if not parts.scheme and not parts.netloc:
        found = _PROXY_PATH.search(parts.path)
        if found:
            direct = f"http://127.0.0.1:{found.group(1)}/{found.group(2)}"
            return urllib.parse.urlunsplit(urllib.parse.urlsplit(direct)._replace(query=parts.query))
    return None


def authorize_on_sandbox_page(url: str) -> None:
    """Click "Authorize test setup" on the sandbox's hosted page (a form POST, no browser).

    Only the sandbox's own page (on 127.0.0.1, or its JupyterHub proxy path
    ``/user/<name>/proxy/<port>/…``, posted to directly on 127.0.0.1) is clicked this way; Stripe's
    real test page needs a browser (notebook 04, or helpers.autopilot).
    """
    direct = _loopback(url)
    if direct is None:
        raise CatchUpError(
            f"The customer must authorize Amazon Pay in a browser: open {url} and click "
            "'Authorize test setup' (or run notebooks/04_redirect_with_stripe_js.ipynb), then run "
            "catch_up again."
        )
    body = urllib.parse.urlencode({"action": "authorize"}).encode()
    request = urllib.request.Request(direct, data=body, method="POST")
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(request, timeout=10)  # noqa: S310 - the sandbox on loopback
    except urllib.error.HTTPError as answer:
        if answer.code != 303:
            raise CatchUpError(f"The sandbox's authorization page answered {answer.code}.") from None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # the return_url is not ours to visit
        return None


# Finishes the Amazon Pay redirect for catch_up: called with the SetupIntent's
# next_action.redirect_to_url.url, it must get the customer's authorization.
authorize: Callable[[str], None] | None = authorize_on_sandbox_page


class MissingStep(Problem, LookupError):
    """An ID that an earlier notebook produces is not there yet."""


class CatchUpError(Problem, RuntimeError):
    """catch_up cannot finish a step on its own; the message says what to do."""


def path() -> Path:
    """The progress file of the current mode and account."""
    return process.state_dir() / "progress" / f"{settings_mod.account_label()}.json"


def _read(file: Path) -> dict[str, str]:
    try:
        data = json.loads(file.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(file: Path, data: dict[str, str]) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=file.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as out:
            json.dump(data, out, indent=2, sort_keys=True)
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _locked(file: Path) -> contextlib.AbstractContextManager[None]:
    """Hold ``<file>.lock`` for a read-modify-write (other kernels wait)."""
    return exclusive(file.with_name(file.name + ".lock"))


def remember(name: str, object_id: str) -> str:
    """Store an ID under ``name`` (e.g. ``remember("customer", customer.id)``); returns it."""
    file = path()
    with _locked(file):
        _write(file, {**_read(file), name: object_id})
    return object_id


def recall(name: str) -> str | None:
    """The stored ID, or None."""
    return _read(path()).get(name)


def recorded() -> dict[str, str]:
    """Everything stored for the current mode and account."""
    return _read(path())


def require(name: str) -> str:
    """The stored ID; MissingStep naming the notebook that creates it if there is none."""
    found = recall(name)
    if found:
        return found
    notebook = NOTEBOOKS.get(name)
    where = f"notebooks/{notebook}.ipynb" if notebook else "an earlier notebook"
    if name not in CREATORS:  # made only by its notebook (a test clock, a webhook endpoint, ...)
        raise MissingStep(f"No {name} yet: run {where} first, then this cell again.")
    raise MissingStep(
        f"No {name} yet: run {where} first, or run the catch-up cell `progress.catch_up('{name}')`."
    )


def forget(name: str) -> None:
    file = path()
    with _locked(file):
        data = _read(file)
        if data.pop(name, None) is not None:
            _write(file, data)


EXERCISE_PREFIX = "exercise."  # the key of a passed exercise: exercise.<id> = passed (helpers.check)


def exercise_journal() -> Path:
    """The learner's work on the exercises in this mode and account (attempts, predictions,
    passes; written by helpers.check), beside the progress file."""
    file = path()
    return file.with_name(file.stem + ".exercises.jsonl")


def forget_exercises() -> bool:
    """Drop the records of the exercises passed, and the work that earned them; whether there
    were any passes."""
    file = path()
    with _locked(file):
        data = _read(file)
        kept = {name: value for name, value in data.items() if not name.startswith(EXERCISE_PREFIX)}
        if kept != data:
            _write(file, kept)
        exercise_journal().unlink(missing_ok=True)
    return kept != data


def _retired_file() -> Path:
    file = path()
    return file.with_name(file.stem + ".retired.json")


def note_retired(object_id: str, why: str) -> None:
    """Remember why the tutorial retired ``object_id`` (a re-run replaced it, the clean-up removed
    it), so that a 404 on it later names the real cause (helpers.explain asks :func:`why_gone`).
    Kept across :func:`reset`: it is history, not progress."""
    file = _retired_file()
    with _locked(file):
        _write(file, {**_read(file), object_id: why})


def why_gone(object_id: str) -> str | None:
    """Why the tutorial retired ``object_id``, if it did."""
    return _read(_retired_file()).get(object_id)


explain.add_cause(why_gone)


def reset() -> None:
    """Clear the current mode's progress and exercise work (the objects themselves stay in
    Stripe/the sandbox)."""
    path().unlink(missing_ok=True)
    exercise_journal().unlink(missing_ok=True)


# --- catch-up ---------------------------------------------------------------------------------

def made_by_tutorial(obj: object) -> bool:
    key, value = TUTORIAL_TAG
    metadata = getattr(obj, "metadata", None)
    if isinstance(metadata, stripe.StripeObject):  # not a dict in stripe-python 13+
        metadata = metadata.to_dict()
    return isinstance(metadata, dict) and metadata.get(key) == value


def _product(client: stripe.StripeClient) -> str:
    return client.v1.products.create(params={**GUIDE_PRODUCT, "metadata": dict([TUTORIAL_TAG])}).id


def _price(client: stripe.StripeClient) -> str:
    return client.v1.prices.create(params={
        "product": _ensure("product", client), **GUIDE_PRICE, "metadata": dict([TUTORIAL_TAG])}).id


def _customer(client: stripe.StripeClient) -> str:
    # Adopt only a customer the tutorial made: another one with the guide's email is not ours
    # (and clean-up would then keep it, or worse, delete it).
    found = client.v1.customers.list(params={"email": GUIDE_CUSTOMER["email"], "limit": 100}).data
    for customer in found:
        if made_by_tutorial(customer):
            _reused.add(customer.id)
            return customer.id
    return client.v1.customers.create(params={**GUIDE_CUSTOMER, "metadata": dict([TUTORIAL_TAG])}).id


def _setup_intent(client: stripe.StripeClient) -> str:
    # The guide also sent payment_method_types[]=amazon_pay; API versions from
    # 2026-09-30.endive reject it, and payment_method_data[type] alone picks Amazon Pay.
    return client.v1.setup_intents.create(params={
        "confirm": True,
        "customer": _ensure("customer", client),
        "payment_method_data": {"type": "amazon_pay"},
        "usage": "off_session",
        "mandate_data": GUIDE_MANDATE,
        "return_url": GUIDE_RETURN_URL,
        "metadata": dict([TUTORIAL_TAG]),
    }).id


def _authorized_now(client: stripe.StripeClient, intent: stripe.SetupIntent) -> stripe.SetupIntent:
    """The SetupIntent after the ``authorize`` hook clicked *Authorize test setup* (if it can)."""
    if intent.status == "requires_action" and authorize is not None:
        authorize(intent["next_action"]["redirect_to_url"]["url"])
        intent = client.v1.setup_intents.retrieve(intent.id)
        if intent.status == "succeeded":
            _note(f"Authorized SetupIntent {intent.id} on the sandbox's page, without a browser (as if "
                  "the customer had clicked 'Authorize test setup' in notebook 04).")
    return intent


def _authorized(client: stripe.StripeClient) -> stripe.SetupIntent:
    """The SetupIntent once the customer authorized it (through the ``authorize`` hook)."""
    intent = client.v1.setup_intents.retrieve(_ensure("setup_intent", client))
    if intent.status == "requires_payment_method":  # declined earlier: confirm it again
        intent = client.v1.setup_intents.confirm(intent.id, params={
            "payment_method_data": {"type": "amazon_pay"}, "mandate_data": GUIDE_MANDATE,
            "return_url": GUIDE_RETURN_URL})
        _note(f"SetupIntent {intent.id} had been declined: confirmed it again.")
    intent = _authorized_now(client, intent)
    if intent.status == "succeeded":
        return intent
    if intent.status == "requires_action":
        url = intent["next_action"]["redirect_to_url"]["url"]
        raise CatchUpError(
            f"SetupIntent {intent.id} waits for the customer's authorization: open {url} and "
            "authorize it (or run notebooks/04_redirect_with_stripe_js.ipynb), then run "
            "catch_up again."
        )
    forget("setup_intent")  # canceled, or still not decided: the next catch_up starts a fresh one
    raise CatchUpError(
        f"SetupIntent {intent.id} is {intent.status}; run this cell again to start a new one."
    )


def _payment_method(client: stripe.StripeClient) -> str:
    intent = _authorized(client)
    if intent.mandate:
        remember("mandate", intent.mandate)
    return intent["payment_method"]


def _mandate(client: stripe.StripeClient) -> str:
    return _authorized(client).mandate


def _subscription(client: stripe.StripeClient) -> str:
    subscription = client.v1.subscriptions.create(params={
        "customer": _ensure("customer", client),
        "items": [{"price": _ensure("price", client)}],
        "default_payment_method": _ensure("payment_method", client),
        "off_session": True,
        "metadata": dict([TUTORIAL_TAG]),
    })
    if subscription.latest_invoice:
        remember("invoice", subscription.latest_invoice)
    return subscription.id


def _test_clock(client: stripe.StripeClient) -> str:
    return client.v1.test_helpers.test_clocks.create(params=CLOCK).id


def _clock_customer(client: stripe.StripeClient) -> str:
    return client.v1.customers.create(params={
        **CLOCK_CUSTOMER, "test_clock": _ensure("test_clock", client), "metadata": dict([TUTORIAL_TAG])}).id


def _clock_subscription(client: stripe.StripeClient) -> str:
    """Notebook 07's subscription, without its renewals: Amazon Pay set up for the clock's customer
    (through the ``authorize`` hook), then the guide's subscription call."""
    customer = _ensure("clock_customer", client)
    intent = _authorized_now(client, client.v1.setup_intents.create(params={
        "confirm": True, "customer": customer, "payment_method_data": {"type": "amazon_pay"},
        "usage": "off_session", "mandate_data": GUIDE_MANDATE, "return_url": GUIDE_RETURN_URL}))
    if intent.status != "succeeded":
        raise CatchUpError(
            f"The clock's customer must authorize Amazon Pay in a browser: run "
            f"notebooks/{NOTEBOOKS['clock_subscription']}.ipynb, which sets it up with you.")
    return client.v1.subscriptions.create(params={
        "customer": customer, "items": [{"price": _ensure("price", client)}],
        "default_payment_method": intent.payment_method, "off_session": True,
        "metadata": dict([TUTORIAL_TAG])}).id


CREATORS: dict[str, Callable[[stripe.StripeClient], str]] = {
    "product": _product,
    "price": _price,
    "customer": _customer,
    "setup_intent": _setup_intent,
    "payment_method": _payment_method,
    "mandate": _mandate,
    "subscription": _subscription,
    "test_clock": _test_clock,
    "clock_customer": _clock_customer,
    "clock_subscription": _clock_subscription,
}


# How catch_up checks that a stored ID still exists (a sandbox reset, or another account, leaves
# IDs that answer 404 resource_missing).
RETRIEVERS: dict[str, Callable[[stripe.StripeClient, str], object]] = {
    "product": lambda client, id_: client.v1.products.retrieve(id_),
    "price": lambda client, id_: client.v1.prices.retrieve(id_),
    "customer": lambda client, id_: client.v1.customers.retrieve(id_),
    "setup_intent": lambda client, id_: client.v1.setup_intents.retrieve(id_),
    "payment_method": lambda client, id_: client.v1.payment_methods.retrieve(id_),
    "mandate": lambda client, id_: client.v1.mandates.retrieve(id_),
    "subscription": lambda client, id_: client.v1.subscriptions.retrieve(id_),
    "test_clock": lambda client, id_: client.v1.test_helpers.test_clocks.retrieve(id_),
    "clock_customer": lambda client, id_: client.v1.customers.retrieve(id_),
    "clock_subscription": lambda client, id_: client.v1.subscriptions.retrieve(id_),
}

# IDs a creator found again instead of making (a tutorial customer with the guide's email).
_reused: set[str] = set()

# Names whose stored ID this catch_up call has already checked (one retrieve per ID per call),
# and what the call did, in words.
_checked: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("_checked", default=None)
_notes: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("_notes", default=None)


def _note(sentence: str) -> None:
    notes = _notes.get()
    if notes is not None:
        notes.append(sentence)


def _attached(client: stripe.StripeClient, payment_method: str | None, customer: str) -> bool:
    if not payment_method:
        return False
    return client.v1.payment_methods.retrieve(payment_method).customer == customer


def _misfit(name: str, found, client: stripe.StripeClient) -> str | None:
    """Why a recorded object no longer fits the others (a new customer in notebook 02, an
    archived price, a detached PaymentMethod …), or None when it still fits."""
    if name == "product" and not found.active:
        return "is archived"
    if name == "price":
        if not found.active:
            return "is archived"
        if found.product != _ensure("product", client):
            return "belongs to another product than the one recorded"
    if name in ("setup_intent", "payment_method", "subscription"):
        customer = _ensure("customer", client)
        if found.customer != customer:
            whose = f"customer {found.customer}" if found.customer else "no customer"
            return f"belongs to {whose}, not to {customer} (the customer recorded in notebook 02)"
    if name == "setup_intent":
        if found.status == "canceled":
            return "was canceled"
        if found.status == "succeeded" and not _attached(client, found.payment_method, found.customer):
            return "has a PaymentMethod that is no longer attached to the customer"
    if name == "mandate":
        if found.status != "active":
            return f"is {found.status}"
        if found.payment_method != _ensure("payment_method", client):
            return "is for another PaymentMethod than the one recorded"
    if name in ("subscription", "clock_subscription") and found.status in ("canceled", "incomplete_expired"):
        return f"is {found.status}"
    if name == "clock_customer" and found.test_clock != _ensure("test_clock", client):
        return "is not on the recorded test clock"
    if name == "clock_subscription" and found.customer != _ensure("clock_customer", client):
        return "belongs to another customer than the clock's"
    return None


def _problem_with(name: str, object_id: str, client: stripe.StripeClient) -> str | None:
    """Why the recorded ``object_id`` cannot be used any more, or None (checked once per call)."""
    checked = _checked.get()
    if name not in RETRIEVERS or (checked is not None and name in checked):
        return None
    try:
        found = RETRIEVERS[name](client, object_id)
    except stripe.InvalidRequestError as error:
        if error.code != "resource_missing":
            raise
        if settings_mod.resolve_mode() == "sandbox" and forget_exercises():  # as the trainer's view after a reset
            _note("your sandbox account was emptied (a reset), so the exercises you had passed were cleared too; "
                  "check them again once you have redone them.")
        return "no longer exists (a sandbox reset, or another account)"
    if checked is not None:
        checked.add(name)
    if getattr(found, "deleted", False):  # a deleted customer still answers, as deleted
        return "was deleted"
    return _misfit(name, found, client)


def _ensure(name: str, client: stripe.StripeClient) -> str:
    found = recall(name)
    why = _problem_with(name, found, client) if found else None
    if found and why is None:
        return found
    if found:
        forget(name)
    if name not in CREATORS:
        raise CatchUpError(
            f"catch_up cannot create a {name}: it is made in notebooks/{NOTEBOOKS.get(name, '?')}.ipynb."
        )
    created = remember(name, CREATORS[name](client))
    checked = _checked.get()
    if checked is not None:
        checked.add(name)  # just made: no need to look it up again in this call
    made = "made" if name not in ("payment_method", "mandate") else "got"
    values = " with the guide's values"
    if created in _reused:  # not made: found again by the guide's email (an earlier run made it)
        made, values = "found again", " (the tutorial's customer with the guide's email, from an earlier run)"
    if found:
        _note(f"{name}: the recorded {found} {why}, so {made} {created}{values if created in _reused else ''}.")
    else:
        where = f" (notebooks/{NOTEBOOKS[name]}.ipynb was not run)" if name in NOTEBOOKS else ""
        _note(f"{name}: none recorded{where}, so {made} {created}{values}.")
    return created


def catch_up(*names: str, client: stripe.StripeClient | None = None, quiet: bool = False) -> dict[str, str]:
    """Create what is missing for ``names`` (and their prerequisites) with the guide's values.

    Returns the IDs of ``names``. Stored IDs are reused while they still fit together (the
    PaymentMethod attached to the recorded customer, the price active, …); what does not fit is
    made again. Prints, in words, what it made (unless ``quiet``); running it twice makes nothing new.
    """
    from helpers.client import get_client, tutorial_calls

    client = client or get_client()
    checked, notes = _checked.set(set()), _notes.set([])
    try:
        with tutorial_calls():  # the tutorial's own requests, never a learner's attempt at an exercise
            ids = {name: _ensure(name, client) for name in names}
        said = _notes.get() or []
    finally:
        _checked.reset(checked)
        _notes.reset(notes)
    if not quiet:
        for sentence in said:
            print(f"Catch-up: {sentence}")
        if not said:
            print("Catch-up: nothing to do; using " + ", ".join(f"{n} {i}" for n, i in ids.items())
                  + " from earlier notebooks.")
    return ids


# --- re-running a step ------------------------------------------------------------------------

def _cancel_subscription(client: stripe.StripeClient, object_id: str) -> str | None:
    if client.v1.subscriptions.retrieve(object_id).status in ("canceled", "incomplete_expired"):
        return None
    client.v1.subscriptions.cancel(object_id)
    return "canceled it, so that the customer keeps one"


def _cancel_setup_intent(client: stripe.StripeClient, object_id: str) -> str | None:
    if client.v1.setup_intents.retrieve(object_id).status in ("succeeded", "canceled"):
        return None
    client.v1.setup_intents.cancel(object_id)
    return "canceled it (it was still waiting)"


def _delete_customer(client: stripe.StripeClient, object_id: str) -> str | None:
    customer = client.v1.customers.retrieve(object_id)
    if getattr(customer, "deleted", False) or not made_by_tutorial(customer):
        return None  # gone already, or found by email and not ours to delete
    client.v1.customers.delete(object_id)
    return "deleted it (the tutorial had made it), with its subscriptions"


# What re-running a step does with the object an earlier run made, so objects never pile up.
RETIRE: dict[str, Callable[[stripe.StripeClient, str], str | None]] = {
    "subscription": _cancel_subscription,
    "trial_subscription": _cancel_subscription,
    "clock_subscription": _cancel_subscription,
    "setup_intent": _cancel_setup_intent,
    "guide_setup_intent": _cancel_setup_intent,
    "declined_setup_intent": _cancel_setup_intent,
    "customer": _delete_customer,
    "test_clock": lambda client, id_: client.v1.test_helpers.test_clocks.delete(id_)
    and "deleted it, with its customer and subscription",
    "trial_clock": lambda client, id_: client.v1.test_helpers.test_clocks.delete(id_)
    and "deleted it, with its customer and subscription",
    "webhook_endpoint": lambda client, id_: client.v1.webhook_endpoints.delete(id_)
    and "deleted it (it posted to a server that is gone)",
    "price": lambda client, id_: client.v1.prices.update(id_, params={"active": False}) and "archived it",
    "product": lambda client, id_: client.v1.products.update(id_, params={"active": False}) and "archived it",
}


def replace(name: str, object_id: str, client: stripe.StripeClient) -> str:
    """Remember ``object_id`` under ``name``; the one an earlier run recorded there is retired
    (canceled, deleted or archived, see :data:`RETIRE`), and the cell says so."""
    from helpers.client import tutorial_calls

    previous = recall(name)
    remember(name, object_id)
    if previous and previous != object_id and name in RETIRE:
        try:
            with tutorial_calls():
                done = RETIRE[name](client, previous)
        except stripe.InvalidRequestError:  # already gone
            done = None
        if done:
            print(f"Replaced {name} {previous} from an earlier run: {done}.")
            where = f"notebooks/{NOTEBOOKS[name]}.ipynb" if name in NOTEBOOKS else "its notebook"
            note_retired(previous, f"{previous} was retired on purpose: {where} ran again, made {name} "
                                   f"{object_id} and {done.replace('it', previous, 1)}. Use the new one, "
                                   f"`progress.require('{name}')`, or run the cells above again.")
    return object_id
