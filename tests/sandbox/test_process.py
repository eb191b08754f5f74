"""The sandbox as a process: the CLI (serve, status, reset), a taken port, the health route,
the account's default API version, surviving ``kill -9``, and concurrent writers."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import httpx
import pytest

from helpers.sandbox.client import process
from helpers.sandbox.state.database import Database
from support.stripe_objects import SECRET, make_client
from support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
DAHLIA = "2026-06-24.dahlia"


def cli(*args: str, state_dir: Path, timeout: float = 30) -> subprocess.CompletedProcess:
    env = {**os.environ, "TUTORIAL_STATE_DIR": str(state_dir), "PYTHONPATH": str(ROOT)}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "helpers.sandbox", *args],
        capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT, check=False,
    )


@pytest.fixture
def own(tmp_path):
    """A sandbox of this test's own (own database), stopped afterwards."""
    started: list[process.SandboxProcess] = []

    def start(db: Path | None = None, **kwargs) -> process.SandboxProcess:
        proc = process.start(db or tmp_path / "own.sqlite3", log=tmp_path / "own.log", **kwargs)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


# --------------------------------------------------------------------------- CLI


def test_serve_refuses_a_taken_port(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = cli("serve", "--port", str(port), "--db", str(tmp_path / "x.sqlite3"), state_dir=tmp_path)
        assert done.returncode != 0
        assert f"Port {port}" in done.stderr and "taken" in done.stderr
        assert "Traceback" not in done.stderr
        with pytest.raises(process.SandboxError, match="taken"):
            process.start(tmp_path / "y.sqlite3", port)


def test_start_binds_a_free_port_itself_so_nobody_takes_it_in_between(own, monkeypatch):
    """A port picked free and bound a moment later can be taken in between (busy test runs
    did): the sandbox binds port 0 itself and announces the port it got."""
    with socket.socket() as taker:
        taker.bind(("127.0.0.1", 0))
        taker.listen()
        taken = taker.getsockname()[1]
        monkeypatch.setattr(process, "free_port", lambda: taken)  # what a pick-then-bind would get
        proc = own()
        assert proc.port != taken and proc.url == f"http://127.0.0.1:{proc.port}"
        assert process.health(proc.url)["pid"] == proc.process.pid
        assert process.announced_url(proc.db, proc.process.pid) == proc.url
        assert process.announced_url(proc.db, proc.process.pid + 1) is None  # another process's word


def test_serve_on_port_0_says_which_port_it_got(tmp_path):
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "helpers.sandbox", "serve", "--port", "0", "--db", str(tmp_path / "z.sqlite3")],
        stdout=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        first = proc.stdout.readline()
        url = first.split(" on ", 1)[1].split()[0]
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
        assert wait_until(lambda: process.health(url), "the sandbox to answer")["pid"] == proc.pid
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_sandbox_that_died_starts_again_on_the_port_it_had(tmp_path, monkeypatch):
    """The kernel's client still points at the old address: the restart must land there."""
    monkeypatch.setenv("TUTORIAL_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("TUTORIAL_SANDBOX_PORT", "0")
    first = process.ensure_running()
    try:
        os.kill(json.loads((tmp_path / "sandbox.json").read_text())["pid"], signal.SIGKILL)
        wait_until(lambda: process.health(first, 0.2) is None, "the killed sandbox to stop answering")
        assert process.ensure_running() == first
    finally:
        assert process.stop_recorded() is True


def test_start_cli_prints_the_address_or_one_sentence(tmp_path):
    """``make lab``'s first line: the learner's sandbox address, or why it cannot start (no traceback)."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        env_port = {**os.environ, "TUTORIAL_SANDBOX_PORT": str(port)}
        done = subprocess.run([sys.executable, "-m", "helpers.sandbox", "start"], capture_output=True,  # noqa: S603
                              text=True, timeout=30, cwd=ROOT, check=False,
                              env={**env_port, "TUTORIAL_STATE_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)})
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"Port {port}" in done.stderr and "unset TUTORIAL_SANDBOX_PORT" in done.stderr
    started = cli("start", state_dir=tmp_path / "learner")
    try:
        assert started.returncode == 0, started.stderr
        url = started.stdout.split()[-1]
        assert started.stdout.startswith("Sandbox:") and process.health(url) is not None
    finally:
        assert "Stopped" in cli("stop", state_dir=tmp_path / "learner").stdout


def test_serve_on_the_port_of_the_tutorials_own_sandbox_says_so(own, tmp_path):
    """QA: a second `serve` on the port of the running sandbox said "taken by another program"."""
    db = tmp_path / "mine.sqlite3"
    proc = own(db)
    pid = process.health(proc.url)["pid"]
    same = cli("serve", "--port", str(proc.port), "--db", str(db), state_dir=tmp_path)
    assert same.returncode == 2
    assert same.stderr.strip() == (f"The tutorial's sandbox (pid {pid}) already serves {db} on {proc.url}: "
                                   "use it (`python -m helpers.sandbox status`), or stop it first.")
    other = cli("serve", "--port", str(proc.port), "--db", str(tmp_path / "other.sqlite3"), state_dir=tmp_path)
    assert other.returncode == 2
    assert other.stderr.strip() == (f"Port {proc.port} on 127.0.0.1 is taken by another tutorial sandbox "
                                    f"(pid {pid}, another database or user): stop it, or pass --port <another port>.")


@pytest.mark.parametrize("link", [os.symlink, os.link], ids=["symlink", "hard link"])
def test_a_second_serve_through_a_link_to_the_same_database_is_refused(own, tmp_path, link):
    """Issue 19, item 4: a second `serve` through a symlink (or hard link) to the served database
    started, and every webhook went out twice. The lock is the database file's own."""
    db = tmp_path / "served.sqlite3"
    own(db)
    other = tmp_path / "elsewhere" / "alias.sqlite3"
    other.parent.mkdir()
    link(db, other)
    port = process.free_port()
    second = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "helpers.sandbox", "serve", "--port", str(port), "--db", str(other)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "TUTORIAL_STATE_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)},
    )
    try:
        _, err = second.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        second.kill()
        second.communicate()
        pytest.fail(f"a second sandbox served {db} through {other.name} (it was still running after 20 s)")
    assert second.returncode == 2
    assert "already serves" in err and "Traceback" not in err


def test_serve_binds_loopback_only(tmp_path):
    done = cli("serve", "--host", "0.0.0.0", "--port", str(process.free_port()), "--db", str(tmp_path / "x.sqlite3"), state_dir=tmp_path)  # noqa: S104
    assert done.returncode != 0
    assert "loopback" in done.stderr


def test_health_route(sandbox):
    doc = httpx.get(f"{sandbox.url}/health").json()
    assert doc["status"] == "ok" and doc["service"] == "stripe-sandbox"
    assert isinstance(doc["objects"], int)
    assert process.health(sandbox.url)["service"] == "stripe-sandbox"
    assert process.health(f"http://127.0.0.1:{process.free_port()}", 0.5) is None


def test_root_page_says_what_the_sandbox_is(sandbox):
    """Issue 9.16: the sandbox's root URL answered `Not Found`."""
    response = httpx.get(sandbox.url + "/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "Stripe sandbox" in page and 'href="health"' in page and "00_start_here" in page
    assert httpx.get(sandbox.url + "/health").json()["service"] == "stripe-sandbox"


def test_status_cli(own, tmp_path):
    proc = own()
    make_client(proc.url).v1.customers.create()
    done = cli("status", "--url", proc.url, state_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["url"] == proc.url and doc["service"] == "stripe-sandbox"
    assert doc["objects"] >= 1  # the customer (and its event)
    down = cli("status", "--url", f"http://127.0.0.1:{process.free_port()}", state_dir=tmp_path)
    assert down.returncode == 1
    assert "No sandbox answers" in down.stdout


def learner_client(url: str, state_dir: Path):
    """A client with the learner's own keys of ``state_dir`` (as the tutorial makes them)."""
    done = cli("key", state_dir=state_dir)
    assert done.returncode == 0, done.stderr
    return make_client(url, done.stdout.strip())


def test_reset_cli_running_empties_only_the_learners_account(own, tmp_path):
    proc = own()
    mine = learner_client(proc.url, tmp_path).v1.customers.create()
    demo = make_client(proc.url)
    theirs = demo.v1.customers.create()
    before = process.health(proc.url)["objects"]
    done = cli("reset", "--url", proc.url, state_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    removed = before - process.health(proc.url)["objects"]
    assert removed >= 1  # the customer (and its event)
    assert done.stdout.strip() == f"Emptied your account ({removed} objects removed)."
    with pytest.raises(Exception, match="No such customer"):
        learner_client(proc.url, tmp_path).v1.customers.retrieve(mine.id)
    assert demo.v1.customers.retrieve(theirs.id).id == theirs.id  # another account: untouched
    left = process.health(proc.url)["objects"]
    everything = cli("reset", "--all", "--url", proc.url, "--db", str(proc.db), state_dir=tmp_path)
    assert everything.returncode == 0, everything.stderr
    assert process.health(proc.url)["objects"] == 0
    assert everything.stdout.strip() == (f"Emptied every account ({left} objects removed); "
                                         "2 accounts keep their keys and names.")


def test_reset_finds_the_sandbox_that_serves_the_database(own, tmp_path):
    """QA: TRAINING.md's `reset --all --db <its database>` failed while the room's sandbox ran
    ("Another sandbox … already serves …"): the reset now goes through that sandbox."""
    db = tmp_path / "room.sqlite3"
    proc = own(db)
    learner_client(proc.url, tmp_path).v1.customers.create()
    mine = cli("reset", "--db", str(db), state_dir=tmp_path)
    assert mine.returncode == 0, mine.stderr
    assert mine.stdout.strip() == "Emptied your account (2 objects removed)."  # the customer and its event
    make_client(proc.url).v1.customers.create()
    everything = cli("reset", "--all", "--db", str(db), state_dir=tmp_path)
    assert everything.returncode == 0, everything.stderr
    assert everything.stdout.strip() == "Emptied every account (2 objects removed); 2 accounts keep their keys and names."
    assert process.health(proc.url)["objects"] == 0


def test_reset_all_needs_the_trainers_token(own, tmp_path):
    proc = own()
    make_client(proc.url).v1.customers.create()
    elsewhere = tmp_path / "elsewhere"
    done = cli("reset", "--all", "--url", proc.url, "--db", str(elsewhere / "x.sqlite3"), state_dir=tmp_path)
    assert done.returncode == 2 and "trainer's token" in done.stderr
    refused = httpx.post(f"{proc.url}/_sandbox/reset", headers={**dict([process.RESET_HEADER]),
                                                                 process.TRAINER_HEADER: "guess"})
    assert refused.status_code == 403
    assert process.health(proc.url)["objects"] > 0


def test_reset_cli_stopped(own, tmp_path):
    db = tmp_path / "stopped.sqlite3"
    proc = own(db)
    learner_client(proc.url, tmp_path).v1.customers.create()
    make_client(proc.url).v1.customers.create()
    proc.stop()
    done = cli("reset", "--url", proc.url, "--db", str(db), state_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Emptied your account (2 objects removed)."  # the customer and its event
    again = own(db)
    assert learner_client(again.url, tmp_path).v1.customers.list().data == []
    assert len(make_client(again.url).v1.customers.list().data) == 1  # the demo key's account stays
    again.stop()
    everything = cli("reset", "--all", "--db", str(db), state_dir=tmp_path)
    assert everything.returncode == 0, everything.stderr
    assert everything.stdout.strip() == "Emptied every account (2 objects removed); 2 accounts keep their keys and names."
    emptied = own(db)
    assert process.health(emptied.url)["objects"] == 0
    emptied.stop()
    nothing = cli("reset", "--db", str(db), state_dir=tmp_path)
    assert nothing.stdout.strip() == "Your account was empty already: nothing to remove."


def test_account_default_api_version(own):
    proc = own(api_version=DAHLIA)
    assert process.health(proc.url)["api_version"] == DAHLIA
    http = httpx.Client(base_url=proc.url, auth=(SECRET, ""))
    response = http.post("/v1/setup_intents", data={"payment_method_types[]": "amazon_pay"})
    assert response.status_code == 200, response.text
    assert response.headers["stripe-version"] == DAHLIA
    newest = http.post(
        "/v1/setup_intents", data={"payment_method_types[]": "amazon_pay"},
        headers={"Stripe-Version": "2026-10-28.endive"},
    )
    assert newest.status_code == 400
    assert newest.json()["error"]["code"] == "payment_method_types_no_longer_supported"


def test_unknown_default_api_version_is_refused(tmp_path):
    done = cli(
        "serve", "--port", "0", "--db", str(tmp_path / "v.sqlite3"),
        "--api-version", "2099-01-01.future", state_dir=tmp_path,
    )
    assert done.returncode != 0


# --------------------------------------------------------------------------- durability


def test_everything_survives_kill_9(own, tmp_path):
    db = tmp_path / "durable.sqlite3"
    proc = own(db)
    client = make_client(proc.url)
    product = client.v1.products.create(params={"name": "Durable"})
    price = client.v1.prices.create(
        params={"product": product.id, "unit_amount": 1500, "currency": "usd", "recurring": {"interval": "month"}}
    )
    customer = client.v1.customers.create(params={"email": "durable@example.com"}, options={"idempotency_key": "durable-1"})
    intent = client.v1.setup_intents.create(
        params={
            "confirm": True, "customer": customer.id, "payment_method_data": {"type": "amazon_pay"},
            "return_url": "https://shop.example/return",
            "mandate_data": {"customer_acceptance": {"type": "online", "online": {"ip_address": "127.0.0.0", "user_agent": "device"}}},
        }
    )
    assert httpx.post(intent.next_action.redirect_to_url.url, data={"action": "authorize"}).status_code == 303
    done = client.v1.setup_intents.retrieve(intent.id)
    before = {
        "product": client.v1.products.retrieve(product.id).to_dict(),
        "price": client.v1.prices.retrieve(price.id).to_dict(),
        "customer": client.v1.customers.retrieve(customer.id).to_dict(),
        "setup_intent": done.to_dict(),
        "payment_method": client.v1.payment_methods.retrieve(done.payment_method).to_dict(),
        "mandate": client.v1.mandates.retrieve(done.mandate).to_dict(),
        "attempts": client.v1.setup_attempts.list(params={"setup_intent": intent.id}).to_dict(),
    }
    count = process.health(proc.url)["objects"]

    proc.kill()  # SIGKILL: no shutdown handler runs
    assert proc.process.returncode == -9
    again = own(db)
    client = make_client(again.url)
    after = {
        "product": client.v1.products.retrieve(product.id).to_dict(),
        "price": client.v1.prices.retrieve(price.id).to_dict(),
        "customer": client.v1.customers.retrieve(customer.id).to_dict(),
        "setup_intent": client.v1.setup_intents.retrieve(intent.id).to_dict(),
        "payment_method": client.v1.payment_methods.retrieve(done.payment_method).to_dict(),
        "mandate": client.v1.mandates.retrieve(done.mandate).to_dict(),
        "attempts": client.v1.setup_attempts.list(params={"setup_intent": intent.id}).to_dict(),
    }
    assert after == before
    assert process.health(again.url)["objects"] == count
    # Idempotency keys survive too: the replay returns the customer created before the kill.
    replay = client.v1.customers.create(params={"email": "durable@example.com"}, options={"idempotency_key": "durable-1"})
    assert replay.id == customer.id
    assert replay.last_response.headers["idempotent-replayed"] == "true"


def test_kill_9_during_a_write_storm_leaves_a_consistent_database(own, tmp_path):
    """Kill the server while clients are writing: every acknowledged create is still there."""
    db = tmp_path / "storm.sqlite3"
    proc = own(db)
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer() -> None:
        with httpx.Client(base_url=proc.url, auth=(SECRET, ""), timeout=5) as http:
            while not stop.is_set():
                try:
                    response = http.post("/v1/customers", data={"name": "storm"})
                except httpx.HTTPError:
                    return
                if response.status_code == 200:
                    with lock:
                        acknowledged.append(response.json()["id"])

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    while len(acknowledged) < 100:
        threading.Event().wait(0.01)
    proc.kill()
    stop.set()
    for t in threads:
        t.join(10)
    again = own(db)
    client = make_client(again.url)
    stored = {c.id for c in client.v1.customers.list(params={"limit": 100}).auto_paging_iter()}
    assert set(acknowledged) <= stored
    assert len(stored) - len(acknowledged) <= 4  # at most the requests in flight at the kill


# --------------------------------------------------------------------------- concurrency


def test_concurrent_writers_lose_nothing(sandbox):
    threads, per_thread = 8, 25
    email = f"{uuid.uuid4().hex[:12]}@example.com"
    created: list[list[str]] = [[] for _ in range(threads)]
    errors: list[str] = []
    barrier = threading.Barrier(threads)

    def writer(index: int) -> None:
        client = make_client(sandbox.url)
        barrier.wait()
        for n in range(per_thread):
            try:
                customer = client.v1.customers.create(params={"email": email, "metadata": {"thread": str(index), "n": str(n)}})
            except Exception as error:  # noqa: BLE001 - collected and asserted below
                errors.append(repr(error))
                continue
            created[index].append(customer.id)

    workers = [threading.Thread(target=writer, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert errors == []
    ids = [i for chunk in created for i in chunk]
    assert len(ids) == threads * per_thread
    assert len(set(ids)) == len(ids)
    client = make_client(sandbox.url)
    listed = [c for c in client.v1.customers.list(params={"email": email, "limit": 100}).auto_paging_iter()]
    assert len(listed) == threads * per_thread
    assert {c.id for c in listed} == set(ids)
    # Each thread's writes are intact and in its own order (newest first within the list).
    for index in range(threads):
        mine = [c.metadata["n"] for c in listed if c.metadata["thread"] == str(index)]
        assert mine == [str(n) for n in reversed(range(per_thread))]


def test_concurrent_updates_to_one_object(sandbox):
    """Parallel metadata updates of one customer: every key lands (no lost update)."""
    client = make_client(sandbox.url)
    customer = client.v1.customers.create()
    threads, per_thread = 8, 5  # 40 keys: within Stripe's 50-key metadata limit
    barrier = threading.Barrier(threads)

    def updater(index: int) -> None:
        own_client = make_client(sandbox.url)
        barrier.wait()
        for n in range(per_thread):
            own_client.v1.customers.update(customer.id, params={"metadata": {f"t{index}_{n}": "1"}})

    workers = [threading.Thread(target=updater, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    metadata = client.v1.customers.retrieve(customer.id).metadata.to_dict()
    assert len(metadata) == threads * per_thread


# --------------------------------------------------------------------------- the database's permissions


def test_the_database_is_readable_by_its_owner_only(own, tmp_path):
    """QA: the room's database (every learner's emails and client_secrets) was created 0644,
    readable by every user of a shared machine. Its WAL and shared-memory files too."""
    db = tmp_path / "room.sqlite3"
    proc = own(db)
    make_client(proc.url).v1.customers.create(params={"email": "private@example.com"})
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        assert path.exists(), path
        assert path.stat().st_mode & 0o777 == 0o600, f"{path}: {oct(path.stat().st_mode & 0o777)}"


def test_an_existing_database_is_tightened_when_opened(tmp_path):

    db = tmp_path / "old.sqlite3"
    Database(db)
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        if path.exists():
            path.chmod(0o644)
    Database(db)
    assert db.stat().st_mode & 0o777 == 0o600
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in (Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists())


def test_stop_recorded_never_signals_a_stranger(tmp_path, monkeypatch, sandbox):
    monkeypatch.setenv("TUTORIAL_STATE_DIR", str(tmp_path))
    stranger = subprocess.Popen(["sleep", "30"])  # noqa: S607 - the pid a reboot handed to another program
    try:
        for url in (f"http://127.0.0.1:{process.free_port()}", sandbox.url):  # nothing there / another sandbox
            (tmp_path / "sandbox.json").write_text(json.dumps({"url": url, "pid": stranger.pid}))
            assert process.stop_recorded() is False
            assert stranger.poll() is None, "stop_recorded signalled a process that is not the sandbox"
    finally:
        stranger.send_signal(signal.SIGKILL)
        stranger.wait()


def test_port_is_free_on_ipv6_loopback():
    try:
        holder = socket.socket(socket.AF_INET6)
        holder.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with holder:
        holder.listen()
        assert process.port_is_free(holder.getsockname()[1], "::1") is False
    assert process.port_is_free(process.free_port(), "::1") is True


def test_ensure_running_from_two_kernels_at_once_starts_one_sandbox(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTORIAL_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("TUTORIAL_SANDBOX_PORT", "0")
    results: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)
    starts: list[int] = []
    real_start = process.start

    def counting_start(*args, **kwargs) -> process.SandboxProcess:
        starts.append(1)
        return real_start(*args, **kwargs)

    monkeypatch.setattr(process, "start", counting_start)

    def kernel() -> None:
        barrier.wait()
        try:
            results.append(process.ensure_running())
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=kernel) for _ in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        assert len(results) == 2 and results[0] == results[1]
        assert len(starts) == 1, "both kernels started a sandbox"
    finally:
        assert process.stop_recorded() is True


def test_the_served_sockets_connections_send_without_waiting_for_acks():
    """The benchmark's 44 ms per request: the listening socket was made with proto 0, so asyncio
    (which sets TCP_NODELAY only on IPPROTO_TCP sockets) left Nagle on, and each answer's second
    write waited for the client's delayed ACK."""
    import asyncio
    import concurrent.futures

    async def accept_one() -> int:
        listener = process.bound_socket(0)
        connected: asyncio.Future = asyncio.get_running_loop().create_future()

        class Note(asyncio.Protocol):
            def connection_made(self, transport):
                sock = transport.get_extra_info("socket")
                connected.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Note, sock=listener)  # as uvicorn serves it
        try:
            _, writer = await asyncio.open_connection(*listener.getsockname()[:2])
            nodelay = await asyncio.wait_for(connected, 10)
            writer.close()
            return nodelay
        finally:
            server.close()

    with concurrent.futures.ThreadPoolExecutor(1) as thread:  # a loop of its own, whatever this thread runs
        assert thread.submit(asyncio.run, accept_one()).result(timeout=30) != 0
