"""Issue 12, accounts as at Stripe: the API key decides the account, every route family keeps
to it, two learners on one machine never share or disturb each other, and one classroom
sandbox serves a room."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import stripe

from helpers.sandbox import resources  # noqa: F401 - resources registers the routes
from helpers.sandbox.api.router import api
from helpers.sandbox.client import control, process
from helpers.sandbox.client import keys as learner
from helpers.sandbox.shared.contract import publishable_key_for
from helpers.sandbox.shared.ids import random_token
from support.classroom import classroom_sandbox
from support.receiver import Receiver
from support.stripe_objects import (
    PUBLISHABLE,
    SECRET,
    authorized_customer,
    hosted_pay,
    make_client,
    monthly_price,
    open_invoice,
    subscribe,
    unique,
)
from support.waiting import PATIENCE

# One worker runs this module's tests (make test runs them in parallel, --dist loadgroup): its
# module-scoped server starts once, not once per worker.
pytestmark = pytest.mark.xdist_group("accounts-sandboxes")

ROOT = Path(__file__).resolve().parents[2]


def new_key() -> str:
    return "sk_test_" + random_token(32)  # built at run time, never a literal


def session(url: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=url, auth=(key, ""), timeout=20)


# --------------------------------------------------------------------------- one account's world


@pytest.fixture(scope="module")
def two_accounts(tmp_path_factory):
    """A sandbox in which account A has run the whole guide (and more); B is another key."""
    directory = tmp_path_factory.mktemp("accounts")
    proc = process.start(directory / "accounts.sqlite3", log=directory / "sandbox.log")
    a_key, b_key = new_key(), new_key()
    a = make_client(proc.url, a_key)
    receiver = Receiver().start()
    endpoint = a.v1.webhook_endpoints.create(params={"url": receiver.url, "enabled_events": ["customer.created"]})
    customer, si = authorized_customer(a, metadata={"ref": "a-only"})
    price = monthly_price(a)
    sub = subscribe(a, customer.id, price.id, si.payment_method)
    invoice = a.v1.invoices.retrieve(sub.latest_invoice)
    payment = a.v1.invoice_payments.list(params={"invoice": invoice.id}).data[0]
    pi = payment.payment.payment_intent
    charge = a.v1.payment_intents.retrieve(pi).latest_charge
    clock = a.v1.test_helpers.test_clocks.create(params={"frozen_time": int(time.time())})
    open_si = a.v1.setup_intents.create(params={
        "customer": customer.id, "payment_method_types": ["amazon_pay"], "usage": "off_session",
    }, options={"stripe_version": "2026-06-24.dahlia"})
    ids = {
        "product": price.product, "price": price.id, "customer": customer.id, "payment_method": si.payment_method,
        "mandate": si.mandate, "setup_intent": si.id, "open_setup_intent": open_si.id, "subscription": sub.id,
        "subscription_item": sub["items"].data[0].id, "invoice": invoice.id, "invoice_payment": payment.id,
        "payment_intent": pi, "charge": charge, "test_clock": clock.id, "webhook_endpoint": endpoint.id,
        "event": a.v1.events.list(params={"limit": 1}).data[0].id,
        "client_secret": si.client_secret,
        "payment_method_configuration": a.v1.payment_method_configurations.list().data[0].id,
    }
    yield proc, a_key, b_key, ids, receiver
    receiver.stop()
    proc.stop()


# Every route that names an object, called with account B's key on account A's object. Params:
# what the route needs besides the object, so that the lookup is what answers.
ROUTES_WITH_IDS = {
    ("GET", "/v1/products/{id}"): ("product", {}),
    ("POST", "/v1/products/{id}"): ("product", {"name": "x"}),
    ("DELETE", "/v1/products/{id}"): ("product", {}),
    ("GET", "/v1/prices/{id}"): ("price", {}),
    ("POST", "/v1/prices/{id}"): ("price", {"nickname": "x"}),
    ("GET", "/v1/customers/{id}"): ("customer", {}),
    ("POST", "/v1/customers/{id}"): ("customer", {"name": "x"}),
    ("DELETE", "/v1/customers/{id}"): ("customer", {}),
    ("GET", "/v1/payment_methods/{id}"): ("payment_method", {}),
    ("POST", "/v1/payment_methods/{id}"): ("payment_method", {"metadata[x]": "y"}),
    ("POST", "/v1/payment_methods/{id}/attach"): ("payment_method", {"customer": "{customer}"}),
    ("POST", "/v1/payment_methods/{id}/detach"): ("payment_method", {}),
    ("GET", "/v1/customers/{customer}/payment_methods"): ("customer", {}),
    ("GET", "/v1/customers/{customer}/payment_methods/{id}"): ("payment_method", {}),
    ("GET", "/v1/mandates/{id}"): ("mandate", {}),
    ("POST", "/v1/setup_intents/{id}/confirm"): ("open_setup_intent", {"payment_method_data[type]": "amazon_pay"}),
    ("GET", "/v1/setup_intents/{id}"): ("setup_intent", {}),
    ("POST", "/v1/setup_intents/{id}"): ("open_setup_intent", {"metadata[x]": "y"}),
    ("POST", "/v1/setup_intents/{id}/cancel"): ("open_setup_intent", {}),
    ("GET", "/v1/events/{id}"): ("event", {}),
    ("GET", "/v1/payment_intents/{id}"): ("payment_intent", {}),
    ("POST", "/v1/payment_intents/{id}/confirm"): ("payment_intent", {}),
    ("GET", "/v1/charges/{id}"): ("charge", {}),
    ("GET", "/v1/invoices/{id}"): ("invoice", {}),
    ("GET", "/v1/invoices/{id}/lines"): ("invoice", {}),
    ("POST", "/v1/invoices/{id}/pay"): ("invoice", {}),
    ("POST", "/v1/invoices/{id}/void"): ("invoice", {}),
    ("GET", "/v1/invoice_payments/{id}"): ("invoice_payment", {}),
    ("GET", "/v1/subscriptions/{id}"): ("subscription", {}),
    ("POST", "/v1/subscriptions/{id}"): ("subscription", {"metadata[x]": "y"}),
    ("DELETE", "/v1/subscriptions/{id}"): ("subscription", {}),
    ("GET", "/v1/subscription_items/{id}"): ("subscription_item", {}),
    ("GET", "/v1/test_helpers/test_clocks/{id}"): ("test_clock", {}),
    ("POST", "/v1/test_helpers/test_clocks/{id}/advance"): ("test_clock", {"frozen_time": str(int(time.time()) + 60)}),
    ("DELETE", "/v1/test_helpers/test_clocks/{id}"): ("test_clock", {}),
    ("GET", "/v1/webhook_endpoints/{id}"): ("webhook_endpoint", {}),
    ("GET", "/v1/payment_method_configurations/{id}"): ("payment_method_configuration", {}),
    ("POST", "/v1/webhook_endpoints/{id}"): ("webhook_endpoint", {"description": "x"}),
    ("DELETE", "/v1/webhook_endpoints/{id}"): ("webhook_endpoint", {}),
}


def test_the_table_covers_every_route_that_names_an_object():
    named = {(r.method, r.pattern) for r in api.routes if "{" in r.pattern}
    assert named == set(ROUTES_WITH_IDS)


@pytest.mark.parametrize(("method", "pattern"), sorted(ROUTES_WITH_IDS))
def test_another_accounts_objects_answer_404(two_accounts, method, pattern):
    proc, _, b_key, ids, _ = two_accounts
    kind, params = ROUTES_WITH_IDS[(method, pattern)]
    path = pattern.replace("{id}", ids[kind]).replace("{customer}", ids["customer"])
    params = {k: v.format(**ids) for k, v in params.items()}
    with session(proc.url, b_key) as b:
        answer = b.request(method, path, params=params if method == "GET" else None,
                           data=params if method == "POST" else None)
    assert answer.status_code == 404, answer.text
    error = answer.json()["error"]
    assert error["code"] == "resource_missing"
    assert error["type"] == "invalid_request_error"


LISTS = [
    "/v1/products", "/v1/prices", "/v1/customers", "/v1/payment_methods", "/v1/setup_intents", "/v1/events",
    "/v1/payment_intents", "/v1/charges", "/v1/invoices", "/v1/subscriptions", "/v1/test_helpers/test_clocks",
    "/v1/webhook_endpoints", "/v1/payment_method_configurations",
]


@pytest.mark.parametrize("path", LISTS)
def test_lists_show_only_the_accounts_own_objects(two_accounts, path):
    proc, a_key, b_key, ids, _ = two_accounts
    with session(proc.url, b_key) as b, session(proc.url, a_key) as a:
        b.post("/v1/customers", data={"email": "b@example.com"})  # B has something of its own
        theirs = {o["id"] for o in a.get(path, params={"limit": 100}).json()["data"]}
        mine = b.get(path, params={"limit": 100})
    assert mine.status_code == 200
    assert theirs and not theirs & {o["id"] for o in mine.json()["data"]}


@pytest.mark.parametrize(("path", "params"), [
    ("/v1/customers", {"email": "{customer_email}"}),
    ("/v1/customers/search", {"query": "metadata['ref']:'a-only'"}),
    ("/v1/setup_attempts", {"setup_intent": "{setup_intent}"}),
    ("/v1/subscription_items", {"subscription": "{subscription}"}),
    ("/v1/invoice_payments", {"invoice": "{invoice}"}),
    ("/v1/invoices", {"customer": "{customer}"}),
    ("/v1/customers", {"starting_after": "{customer}"}),
    ("/v1/events", {"ending_before": "{event}"}),
])
def test_filters_and_cursors_find_nothing_of_another_account(two_accounts, path, params):
    proc, a_key, b_key, ids, _ = two_accounts
    with session(proc.url, a_key) as a, session(proc.url, b_key) as b:
        email = a.get(f"/v1/customers/{ids['customer']}").json()["email"]
        params = {k: v.format(customer_email=email, **ids) for k, v in params.items()}
        assert a.get(path, params=params).status_code == 200
        answer = b.get(path, params=params)
    assert answer.status_code in (200, 404), answer.text
    if answer.status_code == 200:
        assert answer.json()["data"] == []
    else:
        assert answer.json()["error"]["code"] == "resource_missing"


def test_objects_of_another_account_cannot_be_used_as_parameters(two_accounts):
    proc, _, b_key, ids, _ = two_accounts
    b = make_client(proc.url, b_key)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        b.v1.subscriptions.create(params={"customer": ids["customer"], "items": [{"price": ids["price"]}]})
    assert caught.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        b.v1.customers.create(params={"test_clock": ids["test_clock"]})
    assert caught.value.code == "resource_missing" and caught.value.param == "test_clock"


def test_a_custom_id_is_unique_within_an_account_only(two_accounts):
    """Two accounts may both name a product "prod_basic", as two Stripe accounts may; the same
    account twice gets Stripe's 400. (It was a 500: the ID was unique across accounts.)"""
    proc, a_key, b_key, _, _ = two_accounts
    a, b = make_client(proc.url, a_key), make_client(proc.url, b_key)
    custom = f"prod_basic_{unique()}"
    mine = a.v1.products.create(params={"id": custom, "name": "A's"})
    theirs = b.v1.products.create(params={"id": custom, "name": "B's"})
    assert (mine.id, theirs.id) == (custom, custom)
    assert a.v1.products.retrieve(custom).name == "A's" and b.v1.products.retrieve(custom).name == "B's"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        b.v1.products.create(params={"id": custom, "name": "again"})
    assert (caught.value.http_status, caught.value.code) == (400, "resource_already_exists")


def test_idempotency_keys_belong_to_an_account(two_accounts):
    proc, a_key, b_key, _, _ = two_accounts
    key = f"shared-{unique()}"
    with session(proc.url, a_key) as a, session(proc.url, b_key) as b:
        first = a.post("/v1/customers", data={"email": "a@example.com"}, headers={"Idempotency-Key": key})
        other = b.post("/v1/customers", data={"email": "b@example.com"}, headers={"Idempotency-Key": key})
    assert (first.status_code, other.status_code) == (200, 200)
    assert "Idempotent-Replayed" not in other.headers
    assert other.json()["id"] != first.json()["id"] and other.json()["email"] == "b@example.com"


def test_a_publishable_key_belongs_to_its_secret_keys_account(two_accounts):
    proc, a_key, b_key, ids, _ = two_accounts
    make_client(proc.url, b_key).v1.customers.list()  # B's account is open
    secret = ids["client_secret"]
    own = httpx.get(f"{proc.url}/v1/setup_intents/{ids['setup_intent']}",
                    params={"key": publishable_key_for(a_key), "client_secret": secret})
    assert own.status_code == 200, own.text
    other = httpx.get(f"{proc.url}/v1/setup_intents/{ids['setup_intent']}",
                      params={"key": publishable_key_for(b_key), "client_secret": secret})
    assert other.status_code == 404 and other.json()["error"]["code"] == "resource_missing"
    unknown = httpx.get(f"{proc.url}/v1/setup_intents/{ids['setup_intent']}",
                        params={"key": publishable_key_for(new_key()), "client_secret": secret})
    assert unknown.status_code == 401


def test_the_pairing_is_one_way_and_documented():
    key = new_key()
    publishable = publishable_key_for(key)
    assert publishable.startswith("pk_test_") and key[len("sk_test_"):] not in publishable
    assert publishable == publishable_key_for(key) != publishable_key_for(new_key())
    assert publishable_key_for("rk_test_" + key[len("sk_test_"):]) == publishable  # a restricted key: same account
    assert publishable_key_for(SECRET) == PUBLISHABLE  # the demo pair


def test_webhooks_carry_only_their_accounts_events(two_accounts):
    proc, a_key, b_key, ids, receiver = two_accounts
    a, b = make_client(proc.url, a_key), make_client(proc.url, b_key)
    theirs = b.v1.customers.create(params={"email": "b2@example.com"})  # B's event first
    mine = a.v1.customers.create(params={"email": "a2@example.com"})
    b_event = b.v1.events.list(params={"type": "customer.created", "limit": 1}).data[0]
    assert b_event.data.object.id == theirs.id
    assert b_event.pending_webhooks == 0  # queued to no endpoint: B has none
    wanted = a.v1.events.list(params={"type": "customer.created", "limit": 1}).data[0]
    assert wanted.data.object.id == mine.id
    receiver.wait_for({wanted.id})  # an endpoint gets its events in order: B's would be in already
    got = [json.loads(body)["data"]["object"]["email"] for body, _ in receiver.received]
    assert "b2@example.com" not in got and "a2@example.com" in got


def test_a_clock_advances_in_its_own_account(two_accounts):
    proc, a_key, b_key, _, _ = two_accounts
    a, b = make_client(proc.url, a_key), make_client(proc.url, b_key)
    frozen = int(time.time())
    clock = a.v1.test_helpers.test_clocks.create(params={"frozen_time": frozen})
    customer, si = authorized_customer(a, test_clock=clock.id)
    sub = subscribe(a, customer.id, monthly_price(a).id, si.payment_method)
    before_b = {i.id for i in b.v1.invoices.list(params={"limit": 100}).data}
    a.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": frozen + 32 * 86400})
    deadline = time.monotonic() + PATIENCE
    while a.v1.test_helpers.test_clocks.retrieve(clock.id).status != "ready":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    cycle = [i for i in a.v1.invoices.list(params={"subscription": sub.id}).data if i.billing_reason == "subscription_cycle"]
    assert len(cycle) == 1 and cycle[0].status == "paid"
    assert {i.id for i in b.v1.invoices.list(params={"limit": 100}).data} == before_b


def test_hosted_page_acts_in_the_intents_account(two_accounts):
    proc, a_key, b_key, _, _ = two_accounts
    a = make_client(proc.url, a_key)
    customer, si = authorized_customer(a)  # authorized on the hosted page, outside any API request
    assert [pm.id for pm in a.v1.customers.payment_methods.list(customer.id).data] == [si.payment_method]
    with pytest.raises(stripe.InvalidRequestError):
        make_client(proc.url, b_key).v1.payment_methods.retrieve(si.payment_method)


def test_the_hosted_invoice_page_pays_in_the_invoices_account(two_accounts):
    proc, a_key, b_key, _, _ = two_accounts
    a = make_client(proc.url, a_key)
    _, invoice = open_invoice(a)
    assert hosted_pay(invoice).status_code == 303
    paid = a.v1.invoices.retrieve(invoice.id)
    assert paid.status == "paid"
    pi = a.v1.invoice_payments.list(params={"invoice": invoice.id}).data[0].payment.payment_intent
    assert a.v1.payment_intents.retrieve(pi).status == "succeeded"
    with pytest.raises(stripe.InvalidRequestError):
        make_client(proc.url, b_key).v1.payment_intents.retrieve(pi)


def test_livemode_stays_false_and_live_keys_are_refused(two_accounts):
    proc, a_key, _, ids, _ = two_accounts
    assert make_client(proc.url, a_key).v1.customers.retrieve(ids["customer"]).livemode is False
    live = "sk_live_" + random_token(24)
    answer = httpx.get(f"{proc.url}/v1/customers", auth=(live, ""))
    assert answer.status_code == 401 and "test keys only" in answer.json()["error"]["message"]


def test_an_account_reset_leaves_the_others(tmp_path):
    proc = process.start(tmp_path / "reset.sqlite3", log=tmp_path / "reset.log")
    try:
        a_key, b_key = new_key(), new_key()
        a, b = make_client(proc.url, a_key), make_client(proc.url, b_key)
        a.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/a", "enabled_events": ["*"]})
        a.v1.customers.create()
        kept = b.v1.customers.create()
        answer = httpx.post(f"{proc.url}/_sandbox/reset",
                            headers={**dict([process.RESET_HEADER]), "Authorization": f"Bearer {a_key}"})
        # QA: it answered what was left (0), which read as "nothing happened"; now what went.
        removed = 3  # the webhook endpoint, the customer and its customer.created event
        assert answer.status_code == 200 and answer.json() == {"reset": answer.json()["reset"], "removed": removed}
        assert a.v1.customers.list().data == [] and a.v1.webhook_endpoints.list().data == []
        assert b.v1.customers.retrieve(kept.id).id == kept.id
    finally:
        proc.stop()


# --------------------------------------------------------------------------- two learners on one machine


def cli(*args: str, state_dir: Path, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TUTORIAL_", "STRIPE_"))}
    env.update(TUTORIAL_STATE_DIR=str(state_dir), PYTHONPATH=str(ROOT), **(extra or {}))
    return subprocess.run([sys.executable, "-m", "helpers.sandbox", *args],  # noqa: S603
                          capture_output=True, text=True, timeout=60, env=env, cwd=ROOT, check=False)


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """One machine, learners as state directories; the default port is one of this test's."""
    monkeypatch.setattr(process, "DEFAULT_PORT", process.free_port())
    monkeypatch.delenv("TUTORIAL_SANDBOX_PORT", raising=False)
    monkeypatch.delenv("TUTORIAL_SANDBOX_URL", raising=False)
    started: list[Path] = []

    def as_learner(name: str) -> Path:
        directory = tmp_path / name
        monkeypatch.setenv("TUTORIAL_STATE_DIR", str(directory))
        started.append(directory)
        return directory

    yield as_learner
    for directory in started:
        monkeypatch.setenv("TUTORIAL_STATE_DIR", str(directory))
        process.stop_recorded()


def test_a_learner_never_adopts_another_learners_sandbox(machine):
    machine("ada")
    ada = process.ensure_running()
    assert ada.endswith(f":{process.DEFAULT_PORT}")
    machine("grace")
    grace = process.ensure_running()
    assert grace != ada  # the default port is Ada's: Grace's sandbox starts on a free one
    assert json.loads((process.state_dir() / "sandbox.json").read_text())["url"] == grace
    assert process.ensure_running() == grace
    machine("ada")
    assert process.ensure_running() == ada
    process.stop_recorded()  # Ada stops hers ...
    assert process.health(ada) is None
    machine("grace")
    assert process.health(grace) is not None  # ... and Grace's keeps running
    assert process.ensure_running() == grace


def test_a_taken_configured_port_says_what_to_do(machine, monkeypatch):
    machine("ada")
    ada = process.ensure_running()
    machine("grace")
    monkeypatch.setenv("TUTORIAL_SANDBOX_PORT", ada.rsplit(":", 1)[1])
    with pytest.raises(process.SandboxError, match="another learner's sandbox"):
        process.ensure_running()


def test_a_sandbox_started_by_hand_on_the_own_state_dir_is_adopted(machine):
    ada_dir = machine("ada")
    port = process.free_port()
    proc = subprocess.Popen(  # `make sandbox`, on a port of its own
        [sys.executable, "-m", "helpers.sandbox", "serve", "--port", str(port)],
        env={**os.environ, "TUTORIAL_STATE_DIR": str(ada_dir), "PYTHONPATH": str(ROOT)}, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + PATIENCE
        while process.health(f"http://127.0.0.1:{port}") is None:
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        assert process.ensure_running() == f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def test_two_learners_keys_accounts_and_resets_stay_apart(machine):
    ada_dir = machine("ada")
    ada_url = process.ensure_running()
    ada_key = learner.keys()[0]
    grace_dir = machine("grace")
    grace_key = learner.keys()[0]
    assert grace_key != ada_key
    # Both on Ada's sandbox (as in a classroom): separate accounts.
    ada, grace = make_client(ada_url, ada_key), make_client(ada_url, grace_key)
    hers = ada.v1.customers.create(params={"email": "ada@example.com"})
    grace.v1.customers.create(params={"email": "grace@example.com"})
    done = cli("reset", state_dir=grace_dir, extra={"TUTORIAL_SANDBOX_URL": ada_url})
    assert done.returncode == 0, done.stderr
    assert grace.v1.customers.list().data == []
    assert ada.v1.customers.retrieve(hers.id).id == hers.id
    assert cli("stop", state_dir=grace_dir).returncode == 0
    assert process.health(ada_url) is not None  # Grace's stop never touches Ada's sandbox
    assert cli("key", state_dir=ada_dir).stdout.strip() == ada_key


# --------------------------------------------------------------------------- one sandbox for a room


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    with classroom_sandbox(tmp_path_factory.mktemp("classroom")) as (url, printed):
        yield url, re.search(r"Trainer token[^:]*: (\S+)", printed).group(1)


def test_the_classroom_prints_how_to_join_and_refuses_the_demo_key(classroom):
    url, token = classroom
    assert process.health(url)["classroom"] is True
    answer = httpx.get(f"{url}/v1/customers", auth=(SECRET, ""))
    assert answer.status_code == 401 and "classroom" in answer.json()["error"]["message"]


def test_learners_join_with_the_url_and_the_trainer_lists_them(classroom, monkeypatch, tmp_path):
    url, token = classroom
    from helpers import client as client_mod
    from helpers import settings

    monkeypatch.setenv("TUTORIAL_MODE", "sandbox")
    monkeypatch.setenv("TUTORIAL_SANDBOX_URL", url)
    monkeypatch.setenv("TUTORIAL_ENV_FILE", str(tmp_path / "none.env"))
    names = {}
    for name in ("Ada", "Grace"):
        monkeypatch.setenv("TUTORIAL_STATE_DIR", str(tmp_path / name))
        loaded = settings.load()
        assert loaded.api_base == url
        client = client_mod.get_client()
        client.v1.customers.create(params={"email": f"{name.lower()}@example.com"})
        with pytest.raises(stripe.InvalidRequestError):
            client.v1.customers.retrieve("cus_doesnotexist")  # the trainer sees this error
        assert control.set_display_name(f"  {name}  Lovelace ") == f"{name} Lovelace"
        mine = control.account()
        assert mine["display_name"] == f"{name} Lovelace"
        assert [c.email for c in client.v1.customers.list().data] == [f"{name.lower()}@example.com"]
        names[mine["id"]] = mine["display_name"]
    refused = httpx.get(f"{url}/_sandbox/accounts")
    assert refused.status_code == 403
    listed = httpx.get(f"{url}/_sandbox/accounts", headers={process.TRAINER_HEADER: token}).json()["accounts"]
    rows = {a["id"]: a for a in listed}
    assert {i: rows[i]["display_name"] for i in names} == names
    for account_id in names:
        error = rows[account_id]["last_error"]
        assert (error["status"], error["error_code"], error["path"]) == (404, "resource_missing", "/v1/customers/cus_doesnotexist")
    assert all("requests" not in a and "secret" not in json.dumps(a) for a in listed)


def test_a_display_name_is_checked(classroom, monkeypatch, tmp_path):
    url, _ = classroom
    monkeypatch.setenv("TUTORIAL_SANDBOX_URL", url)
    monkeypatch.setenv("TUTORIAL_STATE_DIR", str(tmp_path / "someone"))
    with pytest.raises(ValueError, match="1 to 60"):
        control.set_display_name("x" * 61)


def test_the_trainers_reset_empties_every_account_and_keeps_the_names(classroom, monkeypatch, tmp_path):
    url, token = classroom
    monkeypatch.setenv("TUTORIAL_SANDBOX_URL", url)
    monkeypatch.setenv("TUTORIAL_STATE_DIR", str(tmp_path / "Hedy"))
    key = learner.keys()[0]
    control.set_display_name("Hedy")
    make_client(url, key).v1.customers.create()
    reset = dict([process.RESET_HEADER])
    assert httpx.post(f"{url}/_sandbox/reset", headers={**reset, process.TRAINER_HEADER: "wrong"}).status_code == 403
    answer = httpx.post(f"{url}/_sandbox/reset", headers={**reset, process.TRAINER_HEADER: token})
    assert answer.status_code == 200
    assert answer.json()["reset"] == "all accounts" and answer.json()["removed"] >= 2  # the customer and its event
    assert answer.json()["accounts"] == len(httpx.get(f"{url}/_sandbox/accounts", headers={process.TRAINER_HEADER: token}).json()["accounts"])
    assert make_client(url, key).v1.customers.list().data == []  # the key still works
    assert control.account()["display_name"] == "Hedy"
