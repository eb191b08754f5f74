"""Issue 12, single-client speed: what the faster paths must keep doing. (The figures are in
benchmarks/bench_single_client.py; durability across kill -9 in test_sandbox_process.py.)"""

from __future__ import annotations

import collections
import sqlite3
import string
import threading
import time
import urllib.parse
import warnings

import httpx
import pytest

from helpers.sandbox.api.router import Router
from helpers.sandbox.resources.customers import SEARCH_FIELDS
from helpers.sandbox.server import create_app
from helpers.sandbox.shared.ids import random_token
from helpers.sandbox.state import database as database_module
from helpers.sandbox.state import migrations as migrations_module
from helpers.sandbox.state import search
from helpers.sandbox.state.account_store import AccountStore
from helpers.sandbox.state.database import Database
from helpers.sandbox.state.room import Room
from support.stripe_objects import ONLINE, RETURN_URL, SECRET
from support.waiting import PATIENCE, wait_until

with warnings.catch_warnings():  # starlette 1.x would rather have httpx2 drive its TestClient
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

KEY = "sk_test_" + "speed"


@pytest.fixture
def served(tmp_path):
    db = Database(tmp_path / "speed.sqlite3")
    client = TestClient(create_app(db), base_url="http://127.0.0.1", headers={"Authorization": f"Bearer {KEY}"})
    return db, client


def read(db: Database, sql: str) -> list[tuple]:
    """What another program sees in the database file (committed rows)."""
    with sqlite3.connect(db.path) as other:
        return other.execute(sql).fetchall()


def test_random_tokens_draw_every_character_equally_often():
    """One read of the OS's randomness per token, mapped onto 62 characters without the bias of
    a plain modulo (which would make the first 8 characters 25% more likely)."""
    counts = collections.Counter("".join(random_token(62) for _ in range(2_000)))
    assert set(counts) == set(string.ascii_letters + string.digits)
    expected = 2_000
    assert all(abs(n - expected) < expected * 0.1 for n in counts.values()), counts.most_common(3)
    assert len(random_token(1)) == 1 and len(random_token(300)) == 300


def test_the_router_prefers_literal_segments_and_counts_segments():
    router = Router()
    router.route("GET", "/v1/things/{id}")(lambda req: "one")
    router.route("GET", "/v1/things/search")(lambda req: "search")
    router.route("GET", "/v1/things/{id}/parts")(lambda req: "parts")
    assert router.resolve("GET", "/v1/things/search")[0].handler(None) == "search"
    assert router.resolve("GET", "/v1/things/th_1")[1] == {"id": "th_1"}
    assert router.resolve("GET", "/v1/things/th_1/parts")[0].handler(None) == "parts"
    assert router.resolve("POST", "/v1/things/th_1") is None
    assert router.resolve("GET", "/v1/things/") is None


def test_search_finds_customers_before_and_after_the_trigram_index_has_them(served):
    """New terms wait in search_pending until the housekeeping thread indexes them; a substring
    search finds them either way, and a renamed customer only by its new name."""
    store, client = served
    if not store.fts:
        pytest.skip("this SQLite has no trigram tokenizer")
    store.housekeeper.stopping.set()  # this test indexes by hand: no race with the thread (a busy
    store.housekeeper.join()          # machine's scheduling once let the thread index first)

    def found(query: str) -> list[str]:
        answer = client.get("/v1/customers/search", params={"query": query})
        assert answer.status_code == 200, answer.text
        return [c["id"] for c in answer.json()["data"]]

    ada = client.post("/v1/customers", data={"name": "Ada Qwertzlace"}).json()["id"]
    assert found("name~'wertzla'") == [ada]  # pending
    assert store.index_pending_terms() >= 1
    assert read(store, "SELECT count(*) FROM search_pending")[0][0] == 0
    assert found("name~'wertzla'") == [ada]  # indexed
    client.post(f"/v1/customers/{ada}", data={"name": "Ada Lovelace"})  # indexed terms replaced by pending ones
    assert found("name~'wertzla'") == []
    assert found("name~'ovelac'") == [ada]
    store.index_pending_terms()
    assert found("name~'ovelac'") == [ada]
    assert found("name~'wertzla'") == []
    client.delete(f"/v1/customers/{ada}")
    assert found("name~'ovelac'") == []
    # The index and the terms agree: every indexed row is a term, nothing is left pending.
    store.index_pending_terms()
    indexed = {r[0] for r in read(store, "SELECT rowid FROM search_fts")}
    assert indexed == {r[0] for r in read(store, "SELECT rowid FROM search_terms")}


def test_a_database_of_before_the_pending_terms_is_migrated(tmp_path):
    """Migration 5 on a database with indexed terms: they stay found; new ones are pending."""
    path = tmp_path / "old.sqlite3"
    migrations = migrations_module.MIGRATIONS
    migrations_module.MIGRATIONS = migrations[:4]
    try:
        old = Database(path)
        AccountStore(old, "acct_1").insert({"id": "cus_old", "object": "customer", "name": "Oldname Person", "created": 1})
    finally:
        migrations_module.MIGRATIONS = migrations
    assert read(old, "SELECT count(*) FROM search_fts")[0][0] == 1  # the trigger of migration 3 indexed it
    db = Database(path)
    assert read(db, "PRAGMA user_version")[0][0] == len(migrations)
    view = AccountStore(db, "acct_1")
    view.insert({"id": "cus_new", "object": "customer", "name": "Newname Person", "created": 2})
    assert read(db, "SELECT count(*) FROM search_pending")[0][0] == 1
    for name, wanted in (("ldnam", "cus_old"), ("ewnam", "cus_new")):
        query = search.parse(f"name~'{name}'", SEARCH_FIELDS)
        assert [c["id"] for c in view.search("customer", query, limit=10, offset=0)] == [wanted]


def test_housekeeping_checkpoints_the_wal_and_requests_do_not(served):
    """Requests commit to the WAL only (no checkpoint with its fsync inside a request); the
    housekeeping thread moves the WAL into the database file."""
    store, client = served
    assert store.housekeeper is not None and store.housekeeper.is_alive()
    for i in range(300):
        assert client.post("/v1/customers", data={"email": f"wal{i}@example.com"}).status_code == 200
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        # A PASSIVE checkpoint of our own reports (busy, WAL frames, frames checkpointed).
        with sqlite3.connect(store.path) as db:
            busy, frames, done = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if frames == done:
            break
        time.sleep(0.2)
    assert frames == done


def test_the_test_clock_worker_looks_for_advancing_clocks_in_an_index(tmp_path):
    """The worker's look, in every account, many times a second: the statement it runs
    (traced) uses the partial index of clocks by status."""
    db = Database(tmp_path / "clocks.sqlite3")
    statements: list[str] = []
    db._connect().set_trace_callback(statements.append)
    assert Room(db).advancing_clocks() == []
    db._connect().set_trace_callback(None)
    [sql] = statements
    plan = " ".join(row[3] for row in db._connect().execute("EXPLAIN QUERY PLAN " + sql).fetchall())
    assert "objects_clocks_by_status" in plan and "SCAN" not in plan, plan


def test_cors_headers_go_to_browsers_only(served):
    _, client = served
    browser = client.get("/v1/customers", headers={"Origin": "http://127.0.0.1:8888"})
    assert browser.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-origin" not in client.get("/v1/customers").headers
    preflight = client.options("/v1/customers", headers={
        "Origin": "http://127.0.0.1:8888", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == "*"


def test_the_warm_up_loads_every_routes_params_class_and_every_object():
    """What a room's first requests would otherwise each wait for: every route's params class
    (with the ones nested in it) and every resource class's fields, loaded once at start. It
    also finds a route whose params class the installed stripe-python does not have."""
    from helpers.sandbox import resources  # noqa: F401 - registers the routes
    from helpers.sandbox.api import schema  # noqa: F401 - registers the routes
    from helpers.sandbox.api.router import api

    names = {r.params for r in api.routes if r.params}
    for cached in (schema.params_class, schema._fields, schema.object_fields, schema.blank):
        cached.cache_clear()
    schema.warm(names)
    assert schema.params_class.cache_info().currsize == len(names)
    assert schema._fields.cache_info().currsize > len(names)  # the nested ones too
    assert schema.object_fields.cache_info().currsize == len(schema.SANDBOX_OBJECTS)
    assert schema.blank.cache_info().currsize == len(schema.SANDBOX_OBJECTS)


def test_after_the_warm_up_the_guides_flow_loads_nothing(served):
    from helpers.sandbox.api import schema
    from helpers.sandbox.api.router import api

    store, client = served
    schema.warm({r.params for r in api.routes if r.params})
    loads = [schema._fields.cache_info().misses, schema.object_fields.cache_info().misses,
             schema.expandable_fields.cache_info().misses, schema.blank.cache_info().misses]
    customer = client.post("/v1/customers", data={"email": "warm@example.com"}).json()["id"]
    intent = client.post("/v1/setup_intents", data={
        "customer": customer, "confirm": "true", "payment_method_data[type]": "amazon_pay", "usage": "off_session",
        "return_url": "https://shop.example/done", "mandate_data[customer_acceptance][type]": "online",
        "mandate_data[customer_acceptance][online][ip_address]": "127.0.0.1",
        "mandate_data[customer_acceptance][online][user_agent]": "test"}).json()
    assert intent["status"] == "requires_action", intent
    client.get(f"/v1/customers/{customer}", params={"expand[]": "invoice_settings.default_payment_method"})
    assert [schema._fields.cache_info().misses, schema.object_fields.cache_info().misses,
            schema.expandable_fields.cache_info().misses, schema.blank.cache_info().misses] == loads


def test_statement_journals_stay_in_memory_on_every_connection(tmp_path):
    """A create's savepoint and INSERT … SELECT keep their undo in memory, not in a temporary
    file made and unlinked per write (0.4 ms of a create on this machine's SQLite): on the
    first connection and on a worker thread's own."""
    import threading

    db = Database(tmp_path / "journals.sqlite3")
    seen = [db._connect().execute("PRAGMA temp_store").fetchone()[0]]
    worker = threading.Thread(target=lambda: seen.append(db._connect().execute("PRAGMA temp_store").fetchone()[0]))
    worker.start()
    worker.join()
    assert seen == [2, 2]  # 2: MEMORY


def _record_where_parsing_runs(monkeypatch) -> list[str]:
    import asyncio

    from helpers.sandbox.api import pipeline as app

    where: list[str] = []
    original = app.form_pairs

    def recording(request, body):
        try:
            asyncio.get_running_loop()
            where.append("loop")
        except RuntimeError:
            where.append("worker")
        return original(request, body)

    monkeypatch.setattr(app, "form_pairs", recording)
    return where


def test_small_requests_to_quick_routes_are_answered_on_the_event_loop(in_process_sandbox, monkeypatch):
    """No hand-over to a worker thread for a create or a retrieve (0.2 ms or more each); lists,
    billing routes and large bodies stay in worker threads."""
    from helpers.sandbox.api.pipeline import QUICK_BYTES

    _, client = in_process_sandbox
    where = _record_where_parsing_runs(monkeypatch)
    customer = client.post("/v1/customers", data={"email": "quick@example.com"}).json()["id"]
    assert client.get(f"/v1/customers/{customer}").status_code == 200
    assert client.get("/v1/customers").status_code == 200  # a list: not quick
    assert client.post("/v1/customers", data={"description": "x" * QUICK_BYTES}).status_code == 200
    assert client.post(f"/v1/customers/{customer}", data={"name": "Quick"}).status_code == 200
    assert where == ["loop", "loop", "worker", "worker", "loop"]


def _health_answers_within(client, seconds: float) -> bool:
    """Does /health answer within ``seconds`` (the event loop is free)? Asked from a thread, so
    that a blocked loop fails the test instead of hanging it."""
    import threading

    answered = threading.Event()
    threading.Thread(target=lambda: client.get("/health").status_code == 200 and answered.set(), daemon=True).start()
    return answered.wait(seconds)


def test_a_quick_write_never_waits_on_the_event_loop_for_the_write_lock(in_process_sandbox, monkeypatch):
    """While another thread holds the store's write lock (a test clock's renewal, say), a create
    moves to a worker thread and waits there; the loop goes on answering meanwhile."""
    import threading

    store, client = in_process_sandbox
    where = _record_where_parsing_runs(monkeypatch)
    answers: list[int] = []
    store.db.lock.acquire()
    try:
        writer = threading.Thread(target=lambda: answers.append(
            client.post("/v1/customers", data={"email": "waits@example.com"}).status_code))
        writer.start()
        wait_until(lambda: where == ["loop", "worker"], "the create to move to a worker thread")
        assert _health_answers_within(client, 10)  # the loop is free
        assert answers == [] and writer.is_alive()
    finally:
        store.db.lock.release()
    writer.join(10)
    assert answers == [200]
    assert where == ["loop", "worker"]  # tried on the loop, answered in a worker
    listed = client.get("/v1/customers", params={"email": "waits@example.com"}).json()["data"]
    assert len(listed) == 1


def test_a_quick_write_never_waits_on_the_event_loop_for_sqlites_lock(in_process_sandbox, monkeypatch):
    """Another program's connection holding SQLite's write lock (the sqlite3 shell, say): the
    create moves to a worker thread, where it waits; the loop goes on answering."""
    import threading

    store, client = in_process_sandbox
    where = _record_where_parsing_runs(monkeypatch)
    answers: list[int] = []
    other = sqlite3.connect(store.db.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        writer = threading.Thread(target=lambda: answers.append(
            client.post("/v1/customers", data={"email": "shell@example.com"}).status_code))
        writer.start()
        wait_until(lambda: where == ["loop", "worker"], "the create to move to a worker thread")
        assert _health_answers_within(client, 10)
        assert answers == [] and writer.is_alive()
    finally:
        other.execute("ROLLBACK")
        other.close()
    writer.join(10)
    assert answers == [200]
    assert where == ["loop", "worker"]
    # The loop's connection waits for other programs again afterwards (only its BEGIN does not).
    assert store.db._connect().execute("PRAGMA busy_timeout").fetchone()[0] == database_module.BUSY_TIMEOUT_MS


def test_the_api_route_comes_first_and_no_other_route_is_under_v1(served):
    """Starlette tries routes in order: the API's is first (no 20 pattern matches per API call),
    which is only right while no other route lies under /v1."""
    _, client = served
    routes = client.app.routes
    assert routes[0].path == "/v1/{path:path}"
    assert not [r.path for r in routes[1:] if r.path.startswith("/v1")]


class WatchedLock:
    """The store's lock, telling when another thread has to wait for it."""

    def __init__(self, lock) -> None:
        self.lock, self.contended = lock, threading.Event()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if self.lock.acquire(blocking=False):
            return True
        if blocking:
            self.contended.set()
        return blocking and self.lock.acquire(True, timeout)

    def release(self) -> None:
        self.lock.release()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def test_hosted_page_store_work_does_not_block_the_event_loop(tmp_path):
    store = Database(tmp_path / "page.sqlite3")
    with TestClient(create_app(store), base_url="http://127.0.0.1", headers={"Authorization": f"Bearer {SECRET}"}) as session:
        customer = session.post("/v1/customers").json()
        intent = session.post("/v1/setup_intents", data={
            "confirm": "true", "customer": customer["id"], "payment_method_data[type]": "amazon_pay",
            "return_url": RETURN_URL, "mandate_data[customer_acceptance][type]": ONLINE["type"],
            "mandate_data[customer_acceptance][online][ip_address]": "127.0.0.1",
            "mandate_data[customer_acceptance][online][user_agent]": "device",
        }).json()
        page = urllib.parse.urlsplit(intent["next_action"]["redirect_to_url"]["url"]).path
        assert session.get(page).status_code == 200
        out: dict[str, httpx.Response] = {}
        store.lock = WatchedLock(store.lock)
        store.lock.acquire()  # another request's transaction is in progress
        try:
            decide = threading.Thread(
                target=lambda: out.setdefault("decide", session.post(page, data={"action": "authorize"},
                                                                     follow_redirects=False))
            )
            decide.start()
            wait_until(store.lock.contended.is_set, "the decision to wait for the store's lock")
            health = threading.Thread(target=lambda: out.setdefault("health", session.get("/health")))
            health.start()
            health.join(10)
            assert "health" in out, "the event loop was blocked by the hosted page's store work"
        finally:
            store.lock.release()
        decide.join(10)
        assert out["decide"].status_code == 303
        assert session.get(f"/v1/setup_intents/{intent['id']}").json()["status"] == "succeeded"


def test_the_sandbox_starts_without_importing_the_pdf_library():
    """fpdf2 took half a second of every sandbox start (every learner's, every test's): the
    invoice PDF imports it when a PDF is asked for."""
    import subprocess
    import sys

    code = "import sys, helpers.sandbox.server; print(sorted(m for m in sys.modules if m.startswith('fpdf')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603
    assert done.stdout.strip() == "[]"
