"""A room of learners at once against one classroom sandbox: latency per call, and errors.

    .venv/bin/python benchmarks/classroom.py                      # 10, 30 and 100 learners
    .venv/bin/python benchmarks/classroom.py --learners 30 --json /tmp/room.json

Each simulated learner has an account of their own (a key of their own, as the tutorial gives
each learner) and runs the guide's flow through stripe-python, back to back, all starting
together: a product and its monthly price (15 USD), a test clock and a customer on it, the
guide's SetupIntent (``confirm=true``, Amazon Pay, ``mandate_data``, ``return_url``), the
authorization on the hosted page as a browser does it (GET the page, POST its form with the
browser's ``Origin``), the SetupIntent retrieved, the subscription (``off_session``), its first
invoice; then one renewal: the clock advanced by a month, polled until ``ready``, and the
subscription's invoices listed (two, both paid).

The sandbox is ``serve --classroom`` on 127.0.0.1 with a fresh database, as a trainer starts it
(a few seconds before the room: it loads stripe-python's classes in the background). Each client
process first runs one untimed flow of its own (stripe-python imports its modules on first use,
which a learner's kernel did long before). The learners run in ``--processes`` client processes (threads inside each), so that the
clients' own Python does not stand in one queue; they share the machine's cores with the
sandbox, as they would not in a real room (there each learner's kernel is elsewhere, and
clicks at human pace), so the figures are an upper bound.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RETURN_URL = "http://127.0.0.1:9/return"  # never followed: the benchmark stops at the 303
MONTH = 31 * 24 * 3600
WARM_UP_SECONDS = 3  # a trainer starts the sandbox before the room arrives


def learner_flow(url: str, key: str, timings: dict[str, list[float]], errors: dict[str, list[str]],
                 pause: float = 0.0) -> None:
    """One learner, the guide's flow and one renewal; every call timed under its name, with
    ``pause`` seconds before each next call (a person running the next cell)."""
    import httpx
    import stripe

    client = stripe.StripeClient(key, base_addresses={"api": url}, max_network_retries=0)
    browser = httpx.Client(timeout=30)
    origin = url.rstrip("/")

    def call(name: str, fn):
        if pause and timings:
            time.sleep(pause * (0.5 + random.random()))  # people do not click in step
        started = time.perf_counter()
        try:
            return fn()
        except Exception as error:  # noqa: BLE001 - every failure is counted and named
            errors[name].append(f"{type(error).__name__}: {str(error)[:200]}")
            raise
        finally:
            timings[name].append(time.perf_counter() - started)

    try:
        product = call("products.create", lambda: client.v1.products.create(params={"name": "Stock photos"}))
        price = call("prices.create", lambda: client.v1.prices.create(params={
            "product": product.id, "unit_amount": 1500, "currency": "usd", "recurring": {"interval": "month"}}))
        now = int(time.time())
        clock = call("test_clocks.create", lambda: client.v1.test_helpers.test_clocks.create(params={"frozen_time": now}))
        customer = call("customers.create", lambda: client.v1.customers.create(params={
            "email": "jenny.rosen@example.com", "name": "Jenny Rosen", "test_clock": clock.id}))
        intent = call("setup_intents.create", lambda: client.v1.setup_intents.create(params={
            "confirm": True, "customer": customer.id, "payment_method_data": {"type": "amazon_pay"},
            "usage": "off_session", "return_url": RETURN_URL,
            "mandate_data": {"customer_acceptance": {"type": "online", "online": {
                "ip_address": "127.0.0.1", "user_agent": "classroom benchmark"}}},
        }))
        page_url = intent.next_action.redirect_to_url.url

        def authorize_page() -> None:
            page = browser.get(page_url)
            if page.status_code != 200 or "Authorize test setup" not in page.text:
                raise RuntimeError(f"authorization page: HTTP {page.status_code}")

        def authorize_post() -> None:
            decided = browser.post(page_url, data={"action": "authorize"}, headers={"Origin": origin})
            location = decided.headers.get("location", "")
            if decided.status_code != 303 or "redirect_status=succeeded" not in urllib.parse.urlsplit(location).query:
                raise RuntimeError(f"authorize: HTTP {decided.status_code} to {location[:80]}")

        call("authorization page (GET)", authorize_page)
        call("authorization form (POST)", authorize_post)
        intent = call("setup_intents.retrieve", lambda: client.v1.setup_intents.retrieve(intent.id))
        if intent.status != "succeeded":
            errors["setup_intents.retrieve"].append(f"status {intent.status}")
            return
        sub = call("subscriptions.create", lambda: client.v1.subscriptions.create(params={
            "customer": customer.id, "items": [{"price": price.id}],
            "default_payment_method": intent.payment_method, "off_session": True}))
        invoice = call("invoices.retrieve", lambda: client.v1.invoices.retrieve(sub.latest_invoice))
        if (sub.status, invoice.status) != ("active", "paid"):
            errors["subscriptions.create"].append(f"subscription {sub.status}, invoice {invoice.status}")
            return
        call("test_clocks.advance", lambda: client.v1.test_helpers.test_clocks.advance(
            clock.id, params={"frozen_time": now + MONTH + 3600}))
        deadline = time.monotonic() + 120
        while True:
            state = call("test_clocks.retrieve (until ready)",
                         lambda: client.v1.test_helpers.test_clocks.retrieve(clock.id)).status
            if state == "ready" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        if state != "ready":
            errors["test_clocks.retrieve (until ready)"].append(f"still {state} after 120 s")
            return
        paid = call("invoices.list", lambda: client.v1.invoices.list(params={"subscription": sub.id}))
        statuses = [i.status for i in paid.data]
        if statuses != ["paid", "paid"]:
            errors["invoices.list"].append(f"invoices after the renewal: {statuses}")
    except Exception:  # noqa: BLE001 - already counted by call(); this learner stops here
        return
    finally:
        browser.close()


def client_process(url: str, keys: list[str], warm_key: str, start_at: float, pause: float,
                   out: multiprocessing.Queue) -> None:
    # One untimed flow first: stripe-python imports its modules on first use, as a learner's
    # kernel did long before the step (and it is this process's Python, not the sandbox).
    learner_flow(url, warm_key, defaultdict(list), defaultdict(list))
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    threads = [threading.Thread(target=learner_flow, args=(url, key, timings, errors, pause)) for key in keys]
    time.sleep(max(0.0, start_at - time.time()))  # every process starts its learners together
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put((dict(timings), dict(errors)))


def run_room(learners: int, processes: int, pause: float = 0.0) -> dict:
    from helpers.sandbox.client import process
    from helpers.sandbox.shared.ids import random_token

    with tempfile.TemporaryDirectory(prefix="bench-room-") as tmp:
        port = process.free_port()
        log = open(Path(tmp) / "sandbox.log", "wb")  # noqa: SIM115
        import subprocess

        sandbox = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "helpers.sandbox", "serve", "--classroom", "--port", str(port),
             "--db", str(Path(tmp) / "room.sqlite3"),
             # every simulated learner comes from 127.0.0.1, as on The Littlest JupyterHub
             "--new-accounts-per-minute", str(max(60, learners))], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while not process.health(url, 0.5):
                if sandbox.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the classroom sandbox did not start; see {tmp}/sandbox.log")
                time.sleep(0.1)
            time.sleep(WARM_UP_SECONDS)  # the sandbox loads stripe-python's classes once, in the background
            keys = ["sk_test_" + random_token(32) for _ in range(learners)]
            queue: multiprocessing.Queue = multiprocessing.Queue()
            start_at = time.time() + 5.0
            workers = [multiprocessing.Process(target=client_process, args=(
                url, keys[i::processes], "sk_test_" + random_token(32), start_at, pause, queue))
                for i in range(min(processes, learners))]
            for worker in workers:
                worker.start()
            results = [queue.get() for _ in workers]
            for worker in workers:
                worker.join()
            seconds = time.time() - start_at
        finally:
            sandbox.terminate()
            sandbox.wait(10)
            log.close()
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    for got_timings, got_errors in results:
        for name, values in got_timings.items():
            timings[name] += values
        for name, values in got_errors.items():
            errors[name] += values
    return {"learners": learners, "pause": pause, "seconds": seconds, "timings": dict(timings), "errors": dict(errors)}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


ORDER = ["products.create", "prices.create", "test_clocks.create", "customers.create", "setup_intents.create",
         "authorization page (GET)", "authorization form (POST)", "setup_intents.retrieve", "subscriptions.create",
         "invoices.retrieve", "test_clocks.advance", "test_clocks.retrieve (until ready)", "invoices.list"]


def report(room: dict) -> dict:
    timings, errors = room["timings"], room["errors"]
    every = [v for values in timings.values() for v in values]
    how = f"a pause of about {room['pause']:g} s between calls" if room["pause"] else "calls back to back"
    print(f"\n{room['learners']} learners at once, {how}: {len(every)} calls in {room['seconds']:.1f} s, "
          f"{sum(len(e) for e in errors.values())} errors")
    header = f"  {'call':<36} {'calls':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
    print(header)
    print("  " + "-" * (len(header) - 2))
    for name in [n for n in ORDER if n in timings] + sorted(set(timings) - set(ORDER)):
        values = timings[name]
        print(f"  {name:<36} {len(values):>6} {pct(values, .5):>8.1f} {pct(values, .95):>8.1f} "
              f"{pct(values, .99):>8.1f} {len(errors.get(name, [])):>7}")
    print(f"  {'every call':<36} {len(every):>6} {pct(every, .5):>8.1f} {pct(every, .95):>8.1f} "
          f"{pct(every, .99):>8.1f} {sum(len(e) for e in errors.values()):>7}")
    for name, found in errors.items():
        for message in sorted(set(found))[:3]:
            print(f"  error in {name}: {message}")
    return {"learners": room["learners"], "pause": room["pause"], "seconds": room["seconds"], "calls": len(every),
            "errors": sum(len(e) for e in errors.values()),
            "p50": pct(every, .5), "p95": pct(every, .95), "p99": pct(every, .99),
            "per_call": {n: {"calls": len(v), "p50": pct(v, .5), "p95": pct(v, .95), "p99": pct(v, .99),
                             "errors": len(errors.get(n, []))} for n, v in timings.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, action="append", help="room size (repeatable; default 10, 30, 100)")
    parser.add_argument("--processes", type=int, default=2, help="client processes (default 2, one per core)")
    parser.add_argument("--pause", type=float, action="append",
                        help="seconds between one learner's calls, about (repeatable; default 0 and 1)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    sizes = args.learners or [10, 30, 100]
    pauses = args.pause or [0.0, 1.0]
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.processes} client processes; "
          f"load average at the start {os.getloadavg()[0]:.1f}")
    summary = [report(run_room(n, args.processes, pause)) for pause in pauses for n in sizes]
    print(f"\n  {'pause s':>7} {'learners':>8} {'calls':>6} {'seconds':>8} {'calls/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'errors':>7}")
    for row in summary:
        print(f"  {row['pause']:>7g} {row['learners']:>8} {row['calls']:>6} {row['seconds']:>8.1f} "
              f"{row['calls'] / row['seconds']:>8.0f} {row['p50']:>8.1f} {row['p95']:>8.1f} {row['p99']:>8.1f} "
              f"{row['errors']:>7}")
    for row in summary:
        if row["learners"] == 30:
            ok = row["errors"] == 0 and row["p95"] < 100
            print(f"  [{'PASS' if ok else 'MISS'}] 30 learners, pause {row['pause']:g} s: 0 errors and p95 under "
                  f"100 ms ({row['errors']} errors, p95 {row['p95']:.1f} ms)")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    print(f"  load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
