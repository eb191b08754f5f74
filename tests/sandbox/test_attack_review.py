"""Issue 19, item 4: what the attack review found, each attacked again here."""

from __future__ import annotations

import json
import logging
import socket
import sqlite3
import sys
import time
import urllib.parse
import warnings
from pathlib import Path

import httpx
import pytest
import stripe

from helpers.checkout import CheckoutServer
from helpers.sandbox import logs
from helpers.sandbox.resources import test_clocks
from helpers.sandbox.server import create_app
from helpers.sandbox.shared.contract import publishable_key_for
from helpers.sandbox.state import database as database_module
from helpers.sandbox.state.account_store import AccountStore
from helpers.sandbox.state.database import Database
from support.stripe_objects import (
    PUBLISHABLE,
    error_of,
    make_client,
    new_secret_key,
    post_json,
    setup_intent,
)

with warnings.catch_warnings():  # starlette 1.x would rather have httpx2 drive its TestClient
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

WHSEC = "whsec_" + "attackreview"  # built at run time, as the checkout tests do

HUGE = "9" * 5000  # past Python's 4,300-digit limit for int(str)
PAST_INT64 = str(2**63)  # 9223372036854775808


# --------------------------------------------------------------------------- huge integers


@pytest.mark.parametrize(("method", "path", "params", "param"), [
    ("POST", "/v1/customers", {"balance": HUGE}, "balance"),
    ("POST", "/v1/customers", {"balance": PAST_INT64}, "balance"),
    ("GET", "/v1/customers", {"limit": HUGE}, "limit"),
    ("GET", "/v1/customers", {"created[gt]": HUGE}, "created[gt]"),
    ("GET", "/v1/events", {"created[lte]": "-" + HUGE}, "created[lte]"),
    ("POST", "/v1/prices", {"product_data[name]": "x", "currency": "usd", "unit_amount_decimal": HUGE},
     "unit_amount_decimal"),
    ("POST", "/v1/subscriptions", {"customer": "cus_x", f"items[{HUGE}][price]": "price_x"}, "items[999"),
])
def test_integers_too_large_are_a_400_not_a_500(http, method, path, params, param):
    answer = http.request(method, path, params=params if method == "GET" else None,
                          data=params if method == "POST" else None)
    assert answer.status_code == 400, answer.text
    error = error_of(answer)
    assert error["code"] in ("parameter_invalid_integer", "parameter_invalid_decimal")
    assert error["param"].startswith(param) and len(error["param"]) < 140  # quoted shortened too
    assert len(error["message"]) < 300  # the value is quoted shortened, never whole


@pytest.mark.parametrize("query", [f"created>{PAST_INT64}", f"created<{'9' * 4400}", f"created:{'9' * 4400}"])
def test_a_search_by_a_number_too_large_is_a_400(http, query):
    answer = http.get("/v1/customers/search", params={"query": query})
    assert answer.status_code == 400, answer.text
    error = error_of(answer)
    assert (error["code"], error["param"]) == ("parameter_invalid_integer", "query")
    assert len(error["message"]) < 300


# --------------------------------------------------------------------------- invoice_prefix


@pytest.mark.parametrize("prefix", ['AB"C', "ÄBC", "abc", "ABCDEFGHIJKLM", "AB C", "AB-1", "Ｘ"])
def test_invoice_prefix_is_1_to_12_uppercase_letters_or_digits(http, prefix):
    """stripe-python 16.1, CustomerCreateParams.invoice_prefix: "Must be 1–12 uppercase letters or
    numbers." A quote broke the PDF's Content-Disposition, non-ASCII made the PDF a 500."""
    created = http.post("/v1/customers", data={"invoice_prefix": prefix})
    customer = http.post("/v1/customers").json()["id"]
    updated = http.post(f"/v1/customers/{customer}", data={"invoice_prefix": prefix})
    for answer in (created, updated):
        assert answer.status_code == 400, answer.text
        assert error_of(answer)["param"] == "invoice_prefix"


def test_a_valid_invoice_prefix_numbers_the_invoices_and_names_the_pdf(http):
    customer = http.post("/v1/customers", data={"invoice_prefix": "SHOP2027"}).json()
    assert customer["invoice_prefix"] == "SHOP2027"
    renamed = http.post(f"/v1/customers/{customer['id']}", data={"invoice_prefix": "ZZ9"})
    assert renamed.status_code == 200 and renamed.json()["invoice_prefix"] == "ZZ9"
    product = http.post("/v1/products", data={"name": "Stock photos"}).json()
    price = http.post("/v1/prices", data={"product": product["id"], "unit_amount": 1500, "currency": "usd",
                                          "recurring[interval]": "month"}).json()
    sub = http.post("/v1/subscriptions", data={"customer": customer["id"], "items[0][price]": price["id"],
                                               "payment_behavior": "default_incomplete"}).json()
    invoice = http.get(f"/v1/invoices/{sub['latest_invoice']}").json()
    assert invoice["number"] == "ZZ9-0001"
    pdf = httpx.get(invoice["invoice_pdf"])
    assert pdf.status_code == 200 and pdf.headers["content-disposition"] == 'inline; filename="Invoice-ZZ9-0001.pdf"'


# --------------------------------------------------------------------------- one Host rule, both servers


def raw(port: int, request: bytes) -> tuple[int, bytes]:
    """Send ``request`` as it is (HTTP/1.1 bytes, headers a client library would merge) and
    return the status and the answer's first bytes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = conn.recv(65536)
            if not chunk:
                break
            answer += chunk
    return int(answer.split(b" ", 2)[1]), answer


@pytest.fixture
def checkout_with_intent(sandbox, client):
    server = CheckoutServer(PUBLISHABLE, f"{sandbox.url}/js/stripe.js", sandbox.url, "sandbox").start()
    server.register_setup_intent(setup_intent(client, server.url + "complete"))
    yield server
    server.stop()


def test_the_checkout_server_refuses_another_host(checkout_with_intent, monkeypatch):
    """DNS rebinding: a page on evil.example (resolving to 127.0.0.1) read the client secret."""
    port = checkout_with_intent.port
    assert httpx.get(f"http://127.0.0.1:{port}/secret").status_code == 200
    for host in (f"evil.example:{port}", "evil.example"):
        answer = httpx.get(f"http://127.0.0.1:{port}/secret", headers={"Host": host})
        assert answer.status_code == 400 and "client_secret" not in answer.text
    forwarded = {"Host": "hub.example", "X-Forwarded-Context": f"/user/jo/proxy/{port}"}
    assert httpx.get(f"http://127.0.0.1:{port}/secret", headers=forwarded).status_code == 400  # no hub here
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/jo/")  # behind a hub's proxy: its path only
    assert httpx.get(f"http://127.0.0.1:{port}/secret", headers=forwarded).status_code == 200
    other = {**forwarded, "X-Forwarded-Context": f"/user/eve/proxy/{port}"}
    assert httpx.get(f"http://127.0.0.1:{port}/secret", headers=other).status_code == 400


@pytest.mark.parametrize("path", ["/v1/customers", "/health", "/secret"])
def test_two_host_headers_are_refused_by_both_servers(sandbox, checkout_with_intent, path):
    """The last Host was checked and the first used: one loopback name let a foreign one through."""
    port = checkout_with_intent.port if path == "/secret" else urllib.parse.urlsplit(sandbox.url).port
    for hosts in ((b"evil.example", b"127.0.0.1"), (b"127.0.0.1", b"evil.example")):
        status, answer = raw(port, b"GET " + path.encode() + b" HTTP/1.1\r\nHost: " + hosts[0]
                             + b"\r\nHost: " + hosts[1] + b"\r\nConnection: close\r\n\r\n")
        assert status == 400, answer
    status, _ = raw(port, b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert status in (200, 401)  # one loopback Host: answered (the API wants a key)


# --------------------------------------------------------------------------- bodies capped before they are read


@pytest.mark.parametrize("path", ["/dashboard/login", "/trainer/login", "/_sandbox/account", "/_sandbox/exercises",
                                  "/pm-redirects/authorize/setatt_x", "/i/in_x_secret_y/pay"])
def test_the_sandboxs_form_routes_refuse_a_large_body_before_reading_it(sandbox, path):
    port = urllib.parse.urlsplit(sandbox.url).port
    declared = (b"POST " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                b"application/x-www-form-urlencoded\r\nContent-Length: 300000000\r\nConnection: close\r\n\r\n")
    assert raw(port, declared)[0] == 413  # answered without the 300 MB ever being sent
    chunk = b"a" * 65536
    streamed = (b"POST " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                b"Connection: close\r\n\r\n" + (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 3)
    assert raw(port, streamed)[0] == 413


def test_the_checkout_servers_webhooks_refuse_a_large_body_before_reading_it(checkout_with_intent):
    port = checkout_with_intent.port
    declared = (b"POST /webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 300000000\r\n"
                b"Connection: close\r\n\r\n")
    assert raw(port, declared)[0] == 413
    chunk = b"a" * 262144
    streamed = (b"POST /webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                b"Connection: close\r\n\r\n" + (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 5)
    assert raw(port, streamed)[0] == 413


# --------------------------------------------------------------------------- webhook signatures within Stripe's tolerance


@pytest.mark.parametrize(("age", "accepted"), [(0, True), (-290, True), (-600, False), (86400, False), (290, True)])
def test_the_checkout_server_verifies_signatures_within_stripes_tolerance(checkout_with_intent, age, accepted):
    """A delivery signed 10 minutes ago, or a day ahead, was accepted: no timestamp tolerance."""
    checkout_with_intent.set_webhook_secret(WHSEC)
    event = {"id": f"evt_age_{age}", "object": "event", "type": "customer.created", "created": int(time.time()),
             "livemode": False, "api_version": None, "pending_webhooks": 1, "request": {"id": None},
             "data": {"object": {"id": "cus_x", "object": "customer"}}}
    payload = json.dumps(event)
    signed = int(time.time()) + age
    signature = f"t={signed},v1={stripe.WebhookSignature._compute_signature(f'{signed}.{payload}', WHSEC)}"
    status, body = post_json(checkout_with_intent.url + "webhooks", payload, {"Stripe-Signature": signature})
    assert (status == 200) is accepted, body
    if not accepted:
        assert "tolerance" in body["error"]["message"]


# --------------------------------------------------------------------------- a publishable key is public


def test_a_publishable_key_alone_cannot_write_a_learners_last_error(sandbox, client):
    """GET /v1/setup_intents/seti_YOUR_ACCOUNT_IS_LOCKED?key=pk_A made learner A look stuck in the
    trainer's view. Only A's secret key, or the client secret of one of A's objects, counts."""
    key = new_secret_key()
    learner = make_client(sandbox.url, key)
    intent = setup_intent(learner, "https://shop.example/done")
    pk = publishable_key_for(key)
    mine = {"Authorization": f"Bearer {key}"}

    def account() -> dict:
        return httpx.get(f"{sandbox.url}/_sandbox/account", headers=mine).json()

    before = account()
    assert before["last_error"] is None
    for params in ({"key": pk}, {"key": pk, "client_secret": "seti_YOUR_ACCOUNT_IS_LOCKED_secret_x"},
                   {"key": pk, "client_secret": intent.client_secret.replace("_secret_", "_secret_x")}):
        answer = httpx.get(f"{sandbox.url}/v1/setup_intents/seti_YOUR_ACCOUNT_IS_LOCKED", params=params)
        assert answer.status_code in (403, 404)
    after = account()
    assert after["last_error"] is None and len(after["requests"]) == len(before["requests"])
    # Stripe.js with the intent's own client secret is the learner's: it counts, errors included.
    own = httpx.get(f"{sandbox.url}/v1/setup_intents/{intent.id}", params={"key": pk, "client_secret": intent.client_secret})
    assert own.status_code == 200
    assert account()["requests"][-1]["request_id"] == own.headers["Request-Id"]


# --------------------------------------------------------------------------- the WAL and the log stay bounded


def test_the_wal_shrinks_back_after_a_reader_held_it(tmp_path, monkeypatch):
    """62 MB of WAL beside a 2.5 MB database: a reader kept checkpoints from finishing, and SQLite
    keeps the WAL file at its largest. Checkpoints truncate a large WAL once readers move on."""
    monkeypatch.setattr(database_module, "WAL_LIMIT_BYTES", 256 * 1024)
    db = Database(tmp_path / "wal.sqlite3")
    store = AccountStore(db, "acct_wal")
    reader = sqlite3.connect(db.path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM objects").fetchone()  # a snapshot the checkpoint must respect
    for i in range(400):
        store.insert({"id": f"cus_{i}", "object": "customer", "created": 1, "description": "x" * 5000})
        if i % 50 == 0:
            db.checkpoint()  # as the housekeeping thread does, while the reader holds its snapshot
    assert db.wal_size() > 1_000_000  # the reader kept it from being emptied
    reader.execute("COMMIT")
    reader.close()
    db.checkpoint()
    assert db.wal_size() <= 256 * 1024
    assert AccountStore(Database(db.path), "acct_wal").count() == 400  # nothing lost


def test_the_log_is_one_line_per_event_rotated_while_running_and_without_httpx_urls(tmp_path, monkeypatch):
    monkeypatch.setattr(logs, "LOG_MAX_BYTES", 20_000)
    saved = (logging.getLogger().handlers[:], logging.getLogger().level, sys.stdout, sys.stderr)
    path = tmp_path / "sandbox.log"
    try:
        logs.configure(path)
        sandbox_log = logging.getLogger("helpers.sandbox")
        try:
            raise RuntimeError("a bug\nover two lines")
        except RuntimeError:
            sandbox_log.exception("webhook worker failed")
        logging.getLogger("httpx").info('HTTP Request: POST http://127.0.0.1:9/secret-endpoint "HTTP/1.1 200 OK"')
        print("printed by the process")
        first = path.read_text()
        for i in range(2_000):
            sandbox_log.warning("line %d of a long run", i)
    finally:
        handlers, level, sys.stdout, sys.stderr = saved
        root = logging.getLogger()
        for handler in root.handlers[:]:
            root.removeHandler(handler)
            handler.close()
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
    lines = first.splitlines()
    assert len(lines) == 2, lines  # the error on one line, the print; no httpx line
    assert "RuntimeError: a bug over two lines" in lines[0] and "Traceback" not in first
    assert "test_attack_review.py" in lines[0]  # where it was raised
    assert "printed by the process" in lines[1] and "secret-endpoint" not in first
    assert path.stat().st_size <= 20_000 and Path(f"{path}.1").stat().st_size <= 20_000  # rotated while running


def test_a_bug_in_a_page_route_is_one_log_line_and_a_plain_500(tmp_path, monkeypatch, caplog):
    from helpers.sandbox.state.room import Room

    def broken(self, object_id, object_type):
        raise RuntimeError("page bug")

    monkeypatch.setattr(Room, "owner_of", broken)  # what the hosted page asks first
    monkeypatch.setattr(test_clocks, "start", lambda room, version: None)
    with TestClient(create_app(Database(tmp_path / "bug.sqlite3")), base_url="http://127.0.0.1",
                    raise_server_exceptions=False) as session, caplog.at_level(logging.ERROR):
        session.post("/v1/customers", auth=("sk_test_sandbox", ""))
        answer = session.get("/pm-redirects/authorize/setatt_x")
    assert answer.status_code == 500 and "bug" in answer.text
    records = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(records) == 1 and records[0].exc_info is None
    assert "RuntimeError" in records[0].getMessage() and "\n" not in records[0].getMessage()
