"""Customers through stripe-python: the sandbox against localstripe, at an empty store and at 10,000.

    .venv/bin/python benchmarks/bench_customers.py            # full run (a few minutes)
    .venv/bin/python benchmarks/bench_customers.py --quick    # 1,000 customers, smaller batches

Both servers run on 127.0.0.1 with a fresh store and are driven the same way: one
``stripe.StripeClient`` (max_network_retries=0), sequential calls, so a rate is calls per second
of one client. localstripe runs from its own venv (``benchmarks/.venv-localstripe``, created
here on first use, or the interpreter in ``LOCALSTRIPE_PYTHON``), never the project's.

Filling to the large store goes through the API for both (8 client threads), never straight
into a database. localstripe re-pickles its whole store on every write, so its fill runs
against a time budget; the table says how far it got.

Targets (issue "Foundation, and the offline Stripe sandbox part 1"): sandbox creates at least
2x localstripe's rate; sandbox creates at 10,000 customers no more than 20% slower than at an
empty store; ``customers.list(limit=10)`` at 10,000 as fast as at 100.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import venv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import stripe  # noqa: E402

from helpers.sandbox.client import process  # noqa: E402

LOCALSTRIPE_VENV = ROOT / "benchmarks" / ".venv-localstripe"
LAUNCHER = """
import sys
from aiohttp import web
from localstripe.server import app  # the CLI's app; its store starts empty unless loaded
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""
KEY = "sk_test_bench"


# --------------------------------------------------------------------------- servers


@dataclass
class Server:
    name: str
    url: str
    stop: Callable[[], None]


def start_sandbox(directory: Path) -> Server:
    proc = process.start(directory / "bench.sqlite3", log=directory / "sandbox.log")
    return Server("sandbox", proc.url, proc.stop)


def localstripe_python() -> str:
    given = os.environ.get("LOCALSTRIPE_PYTHON")
    if given:
        return given
    python = LOCALSTRIPE_VENV / "bin" / "python"
    if not python.exists():
        print(f"Creating {LOCALSTRIPE_VENV} with localstripe (once) ...", flush=True)
        venv.create(LOCALSTRIPE_VENV, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "localstripe"], check=True)  # noqa: S603
    return str(python)


def start_localstripe(directory: Path) -> Server:
    launcher = directory / "localstripe_launcher.py"
    launcher.write_text(LAUNCHER)
    port = process.free_port()
    log = open(directory / "localstripe.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(  # noqa: S603
        [localstripe_python(), str(launcher), str(port)], stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"localstripe exited at start; see {directory / 'localstripe.log'}")
        try:
            httpx.get(f"{url}/v1/customers", headers={"Authorization": f"Bearer {KEY}"}, timeout=0.5)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise SystemExit("localstripe did not answer within 30 s")

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()

    return Server("localstripe", url, stop)


def client_for(url: str) -> stripe.StripeClient:
    return stripe.StripeClient(KEY, base_addresses={"api": url}, max_network_retries=0)


# --------------------------------------------------------------------------- measurements


@dataclass
class Batch:
    server: str
    call: str
    store_size: int
    count: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


ROUNDS = 3


def timed(server: str, call: str, store_size: int, count: int, fn: Callable[[int], object]) -> Batch:
    """``count`` sequential calls, ``ROUNDS`` times; the best round counts (the least disturbed
    by other load on the machine)."""
    best: Batch | None = None
    for r in range(ROUNDS):
        latencies = []
        start = time.perf_counter()
        for i in range(count):
            t = time.perf_counter()
            fn(r * count + i)
            latencies.append(time.perf_counter() - t)
        batch = Batch(server, call, store_size, count, time.perf_counter() - start, latencies)
        if best is None or batch.rate > best.rate:
            best = batch
    return best


def create_batch(server: Server, store_size: int, count: int, ids: list[str]) -> Batch:
    client = client_for(server.url)

    def create(i: int) -> None:
        ids.append(client.v1.customers.create(params={"email": f"bench{i}@example.com", "name": "Bench"}).id)

    return timed(server.name, "customers.create", store_size, count, create)


def retrieve_batch(server: Server, store_size: int, count: int, ids: list[str]) -> Batch:
    client = client_for(server.url)
    return timed(server.name, "customers.retrieve", store_size, count,
                 lambda i: client.v1.customers.retrieve(ids[i % len(ids)]))


def list_batch(server: Server, store_size: int, count: int) -> Batch:
    client = client_for(server.url)
    return timed(server.name, "customers.list(limit=10)", store_size, count,
                 lambda i: client.v1.customers.list(params={"limit": 10}))


def fill(server: Server, target: int, have: int, budget: float, threads: int = 8) -> tuple[int, float]:
    """Create customers through the API until ``target`` or the time budget; return (count, s)."""
    lock = threading.Lock()
    state = {"n": have}
    deadline = time.monotonic() + budget
    start = time.perf_counter()

    def worker() -> None:
        client = client_for(server.url)
        while time.monotonic() < deadline:
            with lock:
                if state["n"] >= target:
                    return
                state["n"] += 1
                n = state["n"]
            try:
                client.v1.customers.create(params={"email": f"fill{n}@example.com"})
            except stripe.StripeError:
                with lock:
                    state["n"] -= 1

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    last = time.monotonic()
    while any(t.is_alive() for t in pool):
        time.sleep(0.5)
        if time.monotonic() - last > 15:
            print(f"  {server.name}: {state['n']:,} customers ...", flush=True)
            last = time.monotonic()
    for t in pool:
        t.join()
    return state["n"], time.perf_counter() - start


# --------------------------------------------------------------------------- the run


def run_one(server: Server, args: argparse.Namespace, budget: float) -> dict:
    out: dict = {"batches": []}
    ids: list[str] = []
    small = 100
    create_batch(server, 0, small, ids)  # warm-up: connections, caches; the store now holds 100
    warm = client_for(server.url)
    for i in range(20):  # warm the read paths too (first-use imports, caches)
        warm.v1.customers.retrieve(ids[i])
        warm.v1.customers.list(params={"limit": 10})
    if server.name == "sandbox":
        out["batches"].append(list_batch(server, small, args.list_calls))
    out["batches"].append(create_batch(server, small, args.batch, ids))
    have = small + ROUNDS * args.batch
    out["batches"].append(retrieve_batch(server, have, args.batch, ids))
    print(f"  {server.name}: filling to {args.customers:,} customers through the API ...", flush=True)
    reached, seconds = fill(server, args.customers, have, budget)
    out["fill"] = (reached, seconds, reached - have)
    out["batches"].append(create_batch(server, reached, args.batch, ids))
    out["batches"].append(retrieve_batch(server, reached + ROUNDS * args.batch, args.batch, ids))
    if server.name == "sandbox":
        out["batches"].append(list_batch(server, reached + ROUNDS * args.batch, args.list_calls))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=10_000, help="the large store (default 10,000)")
    parser.add_argument("--batch", type=int, default=300, help="timed calls per batch (default 300)")
    parser.add_argument("--list-calls", type=int, default=200, help="timed list calls (default 200)")
    parser.add_argument("--localstripe-budget", type=float, default=180, help="seconds for localstripe's fill")
    parser.add_argument("--skip-localstripe", action="store_true")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per batch; the best counts (default 3)")
    parser.add_argument("--quick", action="store_true", help="1,000 customers, 100-call batches")
    args = parser.parse_args(argv)
    global ROUNDS
    ROUNDS = args.rounds
    if args.quick:
        args.customers, args.batch, args.list_calls, args.localstripe_budget = 1_000, 100, 100, 60

    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-customers-") as tmp:
        directory = Path(tmp)
        starters = [("sandbox", start_sandbox, 3600.0)]
        if not args.skip_localstripe:
            starters.append(("localstripe", start_localstripe, args.localstripe_budget))
        for name, starter, budget in starters:
            print(f"{name}: starting ...", flush=True)
            server = starter(directory)
            try:
                results[name] = run_one(server, args, budget)
            finally:
                server.stop()
    report(results, args)
    return 0


def report(results: dict[str, dict], args: argparse.Namespace) -> None:
    print()
    print(f"stripe-python {stripe.VERSION}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; "
          f"one client, sequential calls, {args.batch} per batch, best of {ROUNDS} rounds; "
          f"load average at the end {os.getloadavg()[0]:.1f}")
    print()
    header = f"{'server':<12} {'call':<26} {'store':>8} {'calls/s':>9} {'p50 ms':>8} {'p95 ms':>8}"
    print(header)
    print("-" * len(header))
    for result in results.values():
        for b in result["batches"]:
            print(f"{b.server:<12} {b.call:<26} {b.store_size:>8,} {b.rate:>9.1f} {b.pct(0.5):>8.2f} {b.pct(0.95):>8.2f}")
    print()
    for name, result in results.items():
        reached, seconds, made = result["fill"]
        note = "" if reached >= args.customers else f"  (time budget {args.localstripe_budget:.0f} s ran out)"
        print(f"{name}: filled to {reached:,} customers, {made:,} creates in {seconds:.1f} s "
              f"with 8 threads = {made / seconds:.0f}/s{note}")

    def find(name: str, call: str, large: bool) -> Batch | None:
        batches = [b for b in results.get(name, {}).get("batches", []) if b.call == call]
        if not batches:
            return None
        return batches[-1] if large else batches[0]

    print()
    sb0, sb1 = find("sandbox", "customers.create", False), find("sandbox", "customers.create", True)
    sr0, sr1 = find("sandbox", "customers.retrieve", False), find("sandbox", "customers.retrieve", True)
    l0, l1 = find("sandbox", "customers.list(limit=10)", False), find("sandbox", "customers.list(limit=10)", True)
    checks = []
    ls0, ls1 = find("localstripe", "customers.create", False), find("localstripe", "customers.create", True)
    lr0, lr1 = find("localstripe", "customers.retrieve", False), find("localstripe", "customers.retrieve", True)
    if ls0:
        print(f"create   sandbox/localstripe at the small store: {sb0.rate / ls0.rate:.2f}x "
              f"({sb0.rate:.0f}/s vs {ls0.rate:.0f}/s)")
        print(f"create   sandbox/localstripe at the large store: {sb1.rate / ls1.rate:.2f}x "
              f"({sb1.rate:.0f}/s at {sb1.store_size:,} vs {ls1.rate:.0f}/s at {ls1.store_size:,})")
        print(f"retrieve sandbox/localstripe at the small store: {sr0.rate / lr0.rate:.2f}x "
              f"({sr0.rate:.0f}/s vs {lr0.rate:.0f}/s)")
        print(f"retrieve sandbox/localstripe at the large store: {sr1.rate / lr1.rate:.2f}x "
              f"({sr1.rate:.0f}/s vs {lr1.rate:.0f}/s)")
        checks.append(("sandbox creates >= 2x localstripe (small store)", sb0.rate >= 2 * ls0.rate))
        checks.append(("sandbox creates >= 2x localstripe (large store)", sb1.rate >= 2 * ls1.rate))
    slowdown = 1 - sb1.rate / sb0.rate
    print(f"sandbox create at {sb1.store_size:,} vs {sb0.store_size:,}: {-slowdown:+.1%} "
          f"(retrieve {sr1.rate / sr0.rate - 1:+.1%})")
    checks.append((f"sandbox creates at {sb1.store_size:,} no more than 20% slower", slowdown <= 0.20))
    print(f"sandbox list(limit=10) p50 {l0.pct(0.5):.2f} ms at {l0.store_size:,} vs "
          f"{l1.pct(0.5):.2f} ms at {l1.store_size:,}")
    # "As fast": within 10% at the median, plus 0.2 ms of timer noise.
    checks.append(("sandbox list at the large store as fast as at 100", l1.pct(0.5) <= l0.pct(0.5) * 1.10 + 0.2))
    print()
    for label, ok in checks:
        print(f"  [{'PASS' if ok else 'MISS'}] {label}")


if __name__ == "__main__":
    sys.exit(main())
