"""Issue 11, the sandbox at scale and under load: search parsed in linear time (item 8), test
clocks within Stripe's limits and advanced in short steps (9), one process per database and
atomic idempotency (15), a bounded webhook worker (16), indexed filters and search (17)."""

from __future__ import annotations

import http.server
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
import warnings
from pathlib import Path

import pytest
import stripe

from helpers.sandbox.client import process
from helpers.sandbox.resources import renewals, test_clocks
from helpers.sandbox.resources.customers import SEARCH_FIELDS
from helpers.sandbox.server import create_app
from helpers.sandbox.shared.errors import StripeError
from helpers.sandbox.state import account_store as store_module
from helpers.sandbox.state import search
from helpers.sandbox.state.accounts import Accounts
from helpers.sandbox.state.database import Database
from helpers.sandbox.state.room import Room
from support.receiver import Receiver
from support.stripe_objects import SECRET, account_store, make_client, unique, unique_email
from support.waiting import PATIENCE

# One worker runs this module's tests (make test runs them in parallel, --dist loadgroup): its
# module-scoped server starts once, not once per worker.
pytestmark = pytest.mark.xdist_group("scale-sandboxes")

with warnings.catch_warnings():  # starlette 1.x would rather have httpx2 drive its TestClient
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]


def finishes(fn, seconds: float = 10.0) -> bool:
    """Whether ``fn()`` returns (or raises) within ``seconds``: for inputs that used to hang."""
    thread = threading.Thread(target=lambda: _swallow(fn), daemon=True)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive()


def _swallow(fn) -> None:
    try:
        fn()
    except StripeError:
        pass


# --------------------------------------------------------------------------- 8. search


@pytest.mark.parametrize("query", [
    "email:'a'" + " " * 200_000 + "x",  # the regex took 4.5 s at 50,000 spaces, growing quadratically
    "a" + " " * 200_000 + ":'x'",
    "email:'a' AND" + "\t" * 200_000 + "name:'b'",
    "'" + "\\'" * 100_000,  # an unterminated quote full of escapes
])
def test_pathological_queries_are_parsed_in_linear_time(query):
    def parse_without_the_length_cap():
        search._Parser(search._tokens(query), SEARCH_FIELDS).query()

    assert finishes(parse_without_the_length_cap)


def test_a_long_query_is_refused_quickly(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.customers.search(params={"query": "email:'a'" + " " * 50_000 + "x"})
    assert caught.value.param == "query"
    assert "5000" in str(caught.value.user_message)


def test_escaped_quotes_in_values(client):
    tag = unique("")
    email = f"o'brien.{tag}@example.com"
    customer = client.v1.customers.create(params={"email": email, "name": f'Jenny "JR" {tag}'})
    escaped = email.replace("'", "\\'")
    assert [c.id for c in client.v1.customers.search(params={"query": f"email:'{escaped}'"}).data] == [customer.id]
    assert [c.id for c in client.v1.customers.search(params={"query": f'name:"Jenny \\"JR\\" {tag}"'}).data] == [
        customer.id
    ]
    assert [c.id for c in client.v1.customers.search(params={"query": f'name~"\\"JR\\" {tag}"'}).data] == [
        customer.id
    ]


def test_query_language_parts():
    parsed = search.parse("-email:'a@b.c' name~\"Jen\" metadata['ref']:'x' created>=1700000000", SEARCH_FIELDS)
    assert parsed.joiner == "AND"
    assert [(c.field, c.operator, c.value, c.key, c.negated) for c in parsed.clauses] == [
        ("email", ":", "a@b.c", None, True),
        ("name", "~", "Jen", None, False),
        ("metadata", ":", "x", "ref", False),
        ("created", ">=", 1700000000, None, False),
    ]
    assert search.parse("email:'a' or name:'b'", SEARCH_FIELDS).joiner == "OR"


@pytest.mark.parametrize(("query", "says"), [
    ("email:'a' AND name:'b' OR phone:'c'", "cannot be combined"),
    ("email:'a", "never closed"),
    ("email:a", "in quotes"),
    ("name~'ab'", "at least 3"),
    ("metadata['k']~'abc'", "substring"),
    ("created>'soon'", "whole number"),
    ("email>'a'", "string"),
    ("favourite_colour:'blue'", "not a field"),
    ("", "empty"),
    ("email:'a' AND", "expected a field name"),
    ("email:'a' " * 11, "at most 10"),
    ("email;'a'", "unexpected character"),
])
def test_invalid_queries_say_what_is_wrong(query, says):
    with pytest.raises(StripeError) as caught:
        search.parse(query, SEARCH_FIELDS)
    assert caught.value.param == "query"
    assert says in caught.value.message


def test_negation_and_numeric_clauses(client):
    tag = unique("")
    first = client.v1.customers.create(params={"name": f"Neg {tag}", "email": f"one.{tag}@example.com"})
    second = client.v1.customers.create(params={"name": f"Neg {tag}", "email": f"two.{tag}@example.com"})
    found = client.v1.customers.search(params={"query": f"name:'Neg {tag}' -email:'one.{tag}@example.com'"})
    assert [c.id for c in found.data] == [second.id]
    since = client.v1.customers.search(params={"query": f"name:'Neg {tag}' created>={first.created}"})
    assert {c.id for c in since.data} == {first.id, second.id}
    assert client.v1.customers.search(params={"query": f"name:'Neg {tag}' created<{first.created}"}).data == []


# --------------------------------------------------------------------------- 15. one process per database


def test_a_second_sandbox_on_the_same_database_is_refused(tmp_path):
    db = tmp_path / "shared.sqlite3"
    first = process.start(db, log=tmp_path / "first.log")
    try:
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "helpers.sandbox", "serve", "--port", "0", "--db", str(db)],
            capture_output=True, text=True, timeout=30, cwd=ROOT, check=False,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert done.returncode == 2
        assert "Another sandbox" in done.stderr and f"pid {first.process.pid}" in done.stderr
        assert "Traceback" not in done.stderr
        with pytest.raises(process.SandboxError, match="exited at start"):
            process.start(db, log=tmp_path / "second.log")
    finally:
        first.stop()
    again = process.start(db, log=tmp_path / "third.log")  # the lock went with the first process
    again.stop()


def test_the_lock_outlives_nothing_after_kill_9(tmp_path):
    """After ``kill -9`` (no shutdown), a new sandbox takes the database over: the lock went
    with the killed process, and the new one holds it and answers as itself."""
    db = tmp_path / "killed.sqlite3"
    proc = process.start(db, log=tmp_path / "killed.log")
    killed = proc.process.pid
    assert process.holder(db) == proc.url
    proc.kill()
    assert proc.process.poll() is not None
    again = process.start(db, log=tmp_path / "killed.log")
    try:
        assert process.health(again.url)["pid"] == again.process.pid != killed
        assert process.holder(db) == again.url
        assert Path(f"{db}.lock").read_text().startswith(f"pid {again.process.pid}, ")
    finally:
        again.stop()


def test_idempotency_check_and_write_are_one_transaction(tmp_path, monkeypatch):
    """Two apps on one database (as two processes were): the same Idempotency-Key sent to both
    at once makes one customer, and the other request replays it."""
    monkeypatch.setattr(test_clocks, "start", lambda room, version: None)
    db = tmp_path / "two.sqlite3"
    headers = {"Authorization": f"Bearer {SECRET}"}
    loopback = "http://127.0.0.1"  # the sandbox answers loopback Host names only
    with TestClient(create_app(Database(db)), base_url=loopback, headers=headers) as a, \
            TestClient(create_app(Database(db)), base_url=loopback, headers=headers) as b:
        for trial in range(10):
            key = f"idem-{trial}-{uuid.uuid4()}"
            barrier = threading.Barrier(2)
            answers = []

            def send(session, key=key, barrier=barrier, answers=answers):
                barrier.wait()
                answers.append(session.post("/v1/customers", data={"email": f"{key}@example.com"},
                                            headers={"Idempotency-Key": key}))

            threads = [threading.Thread(target=send, args=(s,)) for s in (a, b)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert [r.status_code for r in answers] == [200, 200]
            assert answers[0].json()["id"] == answers[1].json()["id"]
            assert sorted(r.headers.get("Idempotent-Replayed", "") for r in answers) == ["", "true"]
            listed = a.get("/v1/customers", params={"email": f"{key}@example.com"}).json()
            assert len(listed["data"]) == 1


# --------------------------------------------------------------------------- 16. the webhook worker


class SlowReceiver:
    """A webhook listener that misbehaves in one way: ``endless`` answers 200 with a 64 MB body
    (as much as the sandbox reads); ``drip`` sends its body one byte at a time, forever;
    ``held`` answers only when the test releases it."""

    LIMIT = 64 << 20

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.release = threading.Event()
        self.received: list[str] = []
        self.sent = 0
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", process.free_port()), self._handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/webhook"

    def _handler(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                receiver.received.append(json.loads(body)["id"])
                if receiver.mode == "held":
                    receiver.release.wait(60)
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b"x" * (1 << 20) if receiver.mode == "endless" else b"x"
                try:
                    while not receiver.release.is_set() and receiver.mode != "held" and receiver.sent < receiver.LIMIT:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        receiver.sent += len(chunk)
                        if receiver.mode == "drip":
                            time.sleep(0.2)
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:  # the sandbox hung up: what it should do
                    pass

            def log_message(self, *args) -> None:
                pass

        return Handler

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def quick_webhooks(tmp_path_factory):
    """A sandbox whose webhook attempts end after 2 s in total."""
    directory = tmp_path_factory.mktemp("quick-webhooks")
    mp = pytest.MonkeyPatch()
    mp.setenv("SANDBOX_WEBHOOK_TIMEOUT", "2")
    mp.setenv("SANDBOX_WEBHOOK_ATTEMPTS", "1")
    proc = process.start(directory / "sandbox.sqlite3", log=directory / "sandbox.log")
    mp.undo()
    yield proc
    proc.stop()


def attempts_when_recorded(proc, event_id: str, endpoint_id: str, wait: float = PATIENCE) -> list[dict]:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        found = account_store(proc.db).deliveries.attempts(event_id, endpoint_id)
        if found:
            return found
        time.sleep(0.1)
    return []


def customer_event(client, receiver_url: str) -> tuple[str, str]:
    endpoint = client.v1.webhook_endpoints.create(params={"url": receiver_url, "enabled_events": ["customer.created"]})
    customer = client.v1.customers.create(params={"email": unique_email()})
    event = client.v1.events.list(params={"type": "customer.created", "limit": 1}).data[0]
    assert event.data.object.id == customer.id
    return event.id, endpoint.id


def test_an_endless_answer_is_not_read_to_its_end(quick_webhooks):
    """It used to be read whole (300 MB of answer took the sandbox to 944 MB): now the sandbox
    hangs up after 64 KB, so the listener cannot get more than its socket buffers out."""
    client = make_client(quick_webhooks.url)
    receiver = SlowReceiver("endless")
    try:
        event_id, endpoint_id = customer_event(client, receiver.url)
        attempts = attempts_when_recorded(quick_webhooks, event_id, endpoint_id)
        assert [(a["status_code"], a["error"]) for a in attempts] == [(200, None)]
        assert receiver.sent < 16 << 20
    finally:
        receiver.stop()
        client.v1.webhook_endpoints.delete(endpoint_id)


def test_a_dripping_answer_ends_at_the_total_timeout(quick_webhooks):
    """One byte every 0.2 s kept a per-read timeout from ever firing."""
    client = make_client(quick_webhooks.url)
    receiver = SlowReceiver("drip")
    try:
        event_id, endpoint_id = customer_event(client, receiver.url)
        attempts = attempts_when_recorded(quick_webhooks, event_id, endpoint_id)
        assert len(attempts) == 1
        assert attempts[0]["status_code"] is None and "Timed out" in attempts[0]["error"]
    finally:
        receiver.stop()
        client.v1.webhook_endpoints.delete(endpoint_id)


def test_a_slow_endpoint_does_not_hold_the_others(fast_webhooks_pair):
    client, held, quick = fast_webhooks_pair
    slow = client.v1.webhook_endpoints.create(params={"url": held.url, "enabled_events": ["customer.created"]})
    fast = client.v1.webhook_endpoints.create(params={"url": quick.url, "enabled_events": ["customer.created"]})
    try:
        client.v1.customers.create(params={"email": unique_email()})
        first = client.v1.events.list(params={"type": "customer.created", "limit": 1}).data[0]
        wait_until(lambda: held.received == [first.id])  # the slow one is now holding its delivery
        client.v1.customers.create(params={"email": unique_email()})
        second = client.v1.events.list(params={"type": "customer.created", "limit": 1}).data[0]
        quick.wait_for({first.id, second.id})  # the other endpoint gets both meanwhile
        assert held.received == [first.id]
    finally:
        held.release.set()
        client.v1.webhook_endpoints.delete(slow.id)
        client.v1.webhook_endpoints.delete(fast.id)


@pytest.fixture
def fast_webhooks_pair(tmp_path):
    proc = process.start(tmp_path / "pair.sqlite3", log=tmp_path / "pair.log")
    held, quick = SlowReceiver("held"), Receiver().start()
    try:
        yield make_client(proc.url), held, quick
    finally:
        held.stop()
        quick.stop()
        proc.stop()


def wait_until(condition, seconds: float = PATIENCE) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.05)


# --------------------------------------------------------------------------- 9. test clocks


def daily_price(post) -> str:
    product = post("/v1/products", {"name": "Daily"})["id"]
    return post("/v1/prices", {"product": product, "unit_amount": 100, "currency": "usd",
                               "recurring[interval]": "day"})["id"]


def test_a_clock_takes_at_most_three_customers_with_three_subscriptions_each(client):
    clock = client.v1.test_helpers.test_clocks.create(params={"frozen_time": int(time.time())})
    customers = [client.v1.customers.create(params={"test_clock": clock.id}) for _ in range(3)]
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.customers.create(params={"test_clock": clock.id})
    assert caught.value.param == "test_clock" and "3 customers" in str(caught.value.user_message)

    price = client.v1.prices.create(params={
        "product_data": {"name": "Daily"}, "unit_amount": 100, "currency": "usd", "recurring": {"interval": "day"},
    })
    params = {"customer": customers[0].id, "items": [{"price": price.id}], "trial_period_days": 1}
    subs = [client.v1.subscriptions.create(params=params) for _ in range(3)]
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.subscriptions.create(params=params)
    assert caught.value.param == "customer" and "3 subscriptions" in str(caught.value.user_message)
    client.v1.subscriptions.cancel(subs[0].id)
    client.v1.subscriptions.create(params=params)  # an ended one no longer counts
    client.v1.test_helpers.test_clocks.delete(clock.id)


def test_an_advance_never_holds_up_api_requests(tmp_path, monkeypatch):
    """Each due moment runs in a transaction of its own. The advance used to be one transaction:
    200 customers with daily subscriptions made a customer create wait 183 s."""
    real_step = renewals.step

    def slow_step(*args):  # makes the advance last (18 steps, about 2 s)
        time.sleep(0.1)
        real_step(*args)

    monkeypatch.setattr(renewals, "step", slow_step)
    headers = {"Authorization": f"Bearer {SECRET}"}
    with TestClient(create_app(Database(tmp_path / "clock.sqlite3")), base_url="http://127.0.0.1", headers=headers) as session:
        def post(path, data):
            answer = session.post(path, data=data)
            assert answer.status_code == 200, answer.text
            return answer.json()

        frozen = int(time.time())
        clock = post("/v1/test_helpers/test_clocks", {"frozen_time": frozen})["id"]
        price = daily_price(post)
        subs = []
        for _ in range(3):
            customer = post("/v1/customers", {"test_clock": clock})["id"]
            subs += [post("/v1/subscriptions", {"customer": customer, "items[0][price]": price,
                                                "trial_period_days": 1})["id"] for _ in range(3)]
        post(f"/v1/test_helpers/test_clocks/{clock}/advance", {"frozen_time": frozen + 2 * 86400})
        wait_until(lambda: session.get("/v1/invoices", params={"subscription": subs[0]}).json()["data"][0][
            "billing_reason"] != "subscription_create")  # the advance is under way
        post("/v1/customers", {"email": unique_email()})
        assert session.get(f"/v1/test_helpers/test_clocks/{clock}").json()["status"] == "advancing"
        wait_until(lambda: session.get(f"/v1/test_helpers/test_clocks/{clock}").json()["status"] == "ready")
        for sub in subs:
            invoices = session.get("/v1/invoices", params={"subscription": sub}).json()["data"]
            assert [i["billing_reason"] for i in invoices] == ["subscription_cycle"] * 2 + ["subscription_create"]


# --------------------------------------------------------------------------- 17. indexed filters and search


@pytest.fixture
def traced(tmp_path, monkeypatch):
    """The app in this process, with every SQL statement its store runs recorded."""
    monkeypatch.setattr(test_clocks, "start", lambda room, version: None)
    store = Database(tmp_path / "traced.sqlite3")
    statements: list[str] = []
    connect = store._connect

    def traced_connect():
        db = connect()
        db.set_trace_callback(statements.append)
        return db

    monkeypatch.setattr(store, "_connect", traced_connect)
    with TestClient(create_app(store), base_url="http://127.0.0.1", headers={"Authorization": f"Bearer {SECRET}"}) as session:
        yield store, session, statements


def plans(store: Database, statements: list[str]) -> list[str]:
    """The query plans of the reads among ``statements``."""
    db = sqlite3.connect(store.path)
    out = []
    for sql in statements:
        if sql.lstrip().upper().startswith("SELECT") and ("objects" in sql or "search_terms" in sql):
            out.append(" | ".join(row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql)))
    return out


@pytest.mark.parametrize(("path", "params", "index"), [
    ("/v1/customers", {"email": "jenny@example.com"}, "objects_by_email"),
    ("/v1/customers", {"created[gte]": "1700000000"}, "objects_list"),
    ("/v1/customers", {"created[lte]": "1700000000"}, "objects_list"),
    ("/v1/customers", {"test_clock": "clock_x"}, "objects_by_test_clock"),
    ("/v1/events", {"type": "customer.updated"}, "objects_by_type"),
    ("/v1/events", {"types[]": "customer.upd*"}, "objects_by_type"),
    ("/v1/subscriptions", {"customer": "cus_x"}, "objects_by_customer"),
    ("/v1/customers/search", {"query": "email:'jenny@example.com'"}, "search_terms_lookup"),
    ("/v1/customers/search", {"query": "metadata['ref']:'x' OR email:'a@b.c'"}, "search_terms_lookup"),
    # broad queries test the newest customers one by one, through their own terms
    ("/v1/customers/search", {"query": "name~'jen' OR metadata['ref']:'x'"}, "search_terms_seq"),
    ("/v1/customers/search", {"query": "-phone:null created>1700000000"}, "search_terms_seq"),
])
def test_filters_and_search_use_indexes(traced, path, params, index):
    """At 50,000 customers these took 0.3-2.4 s each, reading every object of the type."""
    store, session, statements = traced
    session.post("/v1/customers", data={"email": "jenny@example.com", "name": "Jenny", "metadata[ref]": "x"})
    statements.clear()
    answer = session.get(path, params=params)
    assert answer.status_code == 200, answer.text
    found = plans(store, statements)
    assert any(index in plan for plan in found), found
    assert not any("SCAN objects" in plan or "SCAN o " in plan or plan.startswith("SCAN o") for plan in found), found


def test_a_sparse_substring_beyond_the_newest_uses_the_trigram_index(traced, monkeypatch):
    store, session, statements = traced
    monkeypatch.setattr(store_module, "RECENT_WINDOW", 3)
    rare = session.post("/v1/customers", data={"name": "Zyxwv Rare"}).json()["id"]
    for i in range(5):
        session.post("/v1/customers", data={"name": f"Common {i}"})
    statements.clear()
    found = session.get("/v1/customers/search", params={"query": "name~'xwv r'"}).json()["data"]
    assert [c["id"] for c in found] == [rare]
    drawn = [plan for plan in plans(store, statements) if "VIRTUAL TABLE INDEX" in plan]
    assert drawn, plans(store, statements)  # the trigram index is used
    # and drives: each match's term found by its rowid, not every name term of the account walked
    assert "SEARCH t USING INTEGER PRIMARY KEY" in drawn[0] and "search_terms_lookup" not in drawn[0], drawn[0]


def test_broad_search_pages_are_the_same_either_way(traced, monkeypatch):
    store, session, _ = traced
    ids = [session.post("/v1/customers", data={"name": f"Paged zzq {i}"}).json()["id"] for i in range(7)]
    session.post("/v1/customers", data={"name": "Other"})

    def pages():
        seen, page = [], None
        while True:
            params = {"query": "name~'zzq'", "limit": 2, **({"page": page} if page else {})}
            answer = session.get("/v1/customers/search", params=params).json()
            seen += [c["id"] for c in answer["data"]]
            if not answer["has_more"]:
                return seen
            page = answer["next_page"]

    everything = pages()
    assert everything == ids[::-1]
    monkeypatch.setattr(store_module, "RECENT_WINDOW", 3)  # most pages now come from the indexes
    assert pages() == everything


def test_search_finds_what_it_should(client):
    tag = unique("").lower()
    a = client.v1.customers.create(params={"email": f"a.{tag}@example.com", "name": f"Ann {tag}", "phone": "+1555"})
    b = client.v1.customers.create(params={"email": f"b.{tag}@example.com", "name": f"Bob {tag}",
                                           "metadata": {"team": tag}})

    def ids(query):
        return [c.id for c in client.v1.customers.search(params={"query": query}).data]

    assert ids(f"email:'A.{tag}@EXAMPLE.com'") == [a.id]  # exact matches ignore case
    assert ids(f"name~'{tag}'") == [b.id, a.id]  # newest first
    assert ids(f"name~'{tag}' phone:null") == [b.id]
    assert ids(f"name~'{tag}' -phone:null") == [a.id]
    assert ids(f"metadata['team']:'{tag}' OR email:'a.{tag}@example.com'") == [b.id, a.id]
    client.v1.customers.update(b.id, params={"name": "Renamed"})
    assert ids(f"name~'{tag}'") == [a.id]  # an update re-indexes
    client.v1.customers.delete(a.id)
    assert ids(f"email~'{tag}'") == [b.id]  # a deleted customer is no longer found


def test_an_older_database_is_migrated_with_its_search_terms(tmp_path):
    db = sqlite3.connect(tmp_path / "old.sqlite3")
    db.execute("CREATE TABLE objects (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, "
               "type TEXT NOT NULL, created INTEGER NOT NULL, data TEXT NOT NULL)")
    customer = {"id": "cus_old", "object": "customer", "email": "old@example.com", "name": "Old", "metadata": {}}
    db.execute("INSERT INTO objects (id, type, created, data) VALUES ('cus_old', 'customer', 1, ?)", (json.dumps(customer),))
    db.commit()
    db.close()
    room = Room(Database(tmp_path / "old.sqlite3"))
    demo = room.account(Accounts(room).for_key(SECRET, "secret"))  # what was there is the demo key's
    query = search.parse("email:'old@example.com'", SEARCH_FIELDS)
    assert [c["id"] for c in demo.search("customer", query, limit=10, offset=0)] == ["cus_old"]
    assert Room(Database(tmp_path / "old.sqlite3")).count_objects() == 1  # opening it again changes nothing


def test_reads_do_not_wait_for_a_write(traced):
    """A GET used to take the write lock: 8 concurrent searches made a create wait 11 s."""
    store, session, _ = traced
    session.get("/v1/customers")  # the key's first request opens its account (a write)
    holding, release = threading.Event(), threading.Event()

    def long_write():
        with store.transaction():
            holding.set()
            release.wait(30)

    writer = threading.Thread(target=long_write)
    writer.start()
    holding.wait(5)
    answers = []
    try:
        assert finishes(lambda: answers.append(session.get("/v1/customers")), seconds=10)
        assert finishes(lambda: answers.append(session.get("/v1/customers/search", params={"query": "name~'abc'"})))
    finally:
        release.set()
        writer.join()
    assert [a.status_code for a in answers] == [200, 200]
