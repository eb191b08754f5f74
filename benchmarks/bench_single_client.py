"""One client, side by side: the sandbox, stripe-stateful-mock and the limit of this client and server.

    .venv/bin/python benchmarks/bench_single_client.py              # 5 rounds of 300 calls each
    .venv/bin/python benchmarks/bench_single_client.py --rounds 3 --calls 200

Three servers on 127.0.0.1, driven the same way by one ``stripe.StripeClient``
(``max_network_retries=0``), calls in sequence, so a rate is calls per second of one client:

* **sandbox**: ``python -m helpers.sandbox serve`` on a fresh SQLite file (WAL; every write
  committed before the answer, so it survives ``kill -9``: tests/sandbox/test_process.py).
* **stripe-stateful-mock** (npm, 0.0.16; in memory, nothing written anywhere), installed on first
  use into ``benchmarks/.stateful-mock/`` (git-ignored) and started on 127.0.0.1.
* **limit**: the sandbox's own stack (uvicorn with the same settings, a Starlette route answering
  on the event loop, as the sandbox answers these small requests to quick routes) answering every
  request with one fixed customer, byte for byte one that the sandbox returned. No server that
  speaks this protocol through this stack can be faster, so sandbox/limit says how much of the
  time is the sandbox's own work.

The servers take turns round by round (create, then retrieve), so that other load on the shared
machine falls on all three alike; the best round of each counts, and the median is printed too.

Each server's **CPU time per call** (its process's user and system time, from ``/proc``, over a
batch, divided by the calls) is printed beside the rates: unlike a rate, it hardly moves with the
load other programs put on the machine, so it says how much work each server does per call.
``--compare DIR`` runs the sandbox of another copy of the project (``git archive main | tar -x
-C DIR``) as a fourth server, side by side: a before/after in one run, under the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import stripe  # noqa: E402

from helpers.sandbox.client import process  # noqa: E402

MOCK_DIR = ROOT / "benchmarks" / ".stateful-mock"
MOCK_VERSION = "0.0.16"
KEY = "sk_test_" + "bench"  # stripe-stateful-mock accepts any sk_test_ key; the sandbox opens an account

MOCK_LAUNCHER = """
const { createExpressApp } = require("stripe-stateful-mock");
require("loglevel").setLevel("silent");
createExpressApp().listen(+process.argv[2], "127.0.0.1");
"""

# The limit: the sandbox's stack (uvicorn, Starlette, the answer made on the event loop, as the
# sandbox answers a small request to a quick route) with nothing to do but answer the body it is given.
LIMIT_SERVER = """
import sys
import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

BODY = open(sys.argv[2], "rb").read()

async def answer(request):  # on the event loop, as the sandbox answers customers.create and .retrieve
    return Response(BODY, media_type="application/json", headers={"Request-Id": "req_limit"})

app = Starlette(routes=[Route("/v1/{path:path}", answer, methods=["GET", "POST"])])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
"""


@dataclass
class Server:
    name: str
    url: str
    proc: subprocess.Popen | process.SandboxProcess
    rounds: dict[str, list[list[float]]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)  # per call, seconds, one entry per round

    @property
    def pid(self) -> int:
        return (self.proc.process if isinstance(self.proc, process.SandboxProcess) else self.proc).pid

    def stop(self) -> None:
        if isinstance(self.proc, process.SandboxProcess):
            self.proc.stop()
            return
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def wait_until_up(url: str, proc: subprocess.Popen, name: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{name} exited at start (code {proc.returncode})")
        try:
            httpx.get(f"{url}/v1/customers", headers={"Authorization": f"Bearer {KEY}"}, timeout=0.5)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{name} did not answer within 30 s")


def install_mock() -> Path:
    """stripe-stateful-mock from npm, into benchmarks/.stateful-mock (git-ignored), once."""
    package = MOCK_DIR / "node_modules" / "stripe-stateful-mock"
    if not package.exists():
        if not shutil.which("npm"):
            raise SystemExit("stripe-stateful-mock needs Node.js and npm (Debian: apt-get install npm).")
        MOCK_DIR.mkdir(parents=True, exist_ok=True)
        (MOCK_DIR / "package.json").write_text('{"name": "bench-stateful-mock", "private": true}\n')
        print(f"Installing stripe-stateful-mock {MOCK_VERSION} into {MOCK_DIR} (once) ...", flush=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", f"stripe-stateful-mock@{MOCK_VERSION}"],  # noqa: S607
                       cwd=MOCK_DIR, check=True, stdout=subprocess.DEVNULL)
    return MOCK_DIR


def start_mock(directory: Path) -> Server:
    launcher = install_mock() / "launch.js"
    launcher.write_text(MOCK_LAUNCHER)
    port = process.free_port()
    proc = subprocess.Popen(["node", str(launcher), str(port)], cwd=MOCK_DIR,  # noqa: S603, S607
                            stdout=subprocess.DEVNULL, stderr=open(directory / "mock.log", "wb"))  # noqa: SIM115
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, proc, "stripe-stateful-mock")
    return Server("stripe-stateful-mock", url, proc)


def start_limit(directory: Path, body: bytes) -> Server:
    (directory / "body.json").write_bytes(body)
    script = directory / "limit_server.py"
    script.write_text(LIMIT_SERVER)
    port = process.free_port()
    proc = subprocess.Popen([sys.executable, str(script), str(port), str(directory / "body.json")],  # noqa: S603
                            stdout=subprocess.DEVNULL, stderr=open(directory / "limit.log", "wb"))  # noqa: SIM115
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, proc, "the limit server")
    return Server("limit (fixed body)", url, proc)


def start_other_sandbox(directory: Path, tree: Path) -> Server:
    """The sandbox of another copy of the project (``tree``), for a before/after in one run."""
    port = process.free_port()
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "helpers.sandbox", "serve", "--port", str(port), "--db", str(directory / "other.sqlite3")],
        cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)}, stdout=subprocess.DEVNULL,
        stderr=open(directory / "other.log", "wb"),  # noqa: SIM115
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, proc, f"the sandbox of {tree}")
    return Server(f"sandbox ({tree.name})", url, proc)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (every thread), from /proc; 0 where there is none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def client_for(url: str) -> stripe.StripeClient:
    return stripe.StripeClient(KEY, base_addresses={"api": url}, max_network_retries=0)


def timed(calls: int, fn: Callable[[int], object]) -> list[float]:
    latencies = []
    for i in range(calls):
        started = time.perf_counter()
        fn(i)
        latencies.append(time.perf_counter() - started)
    return latencies


def run_round(server: Server, client: stripe.StripeClient, number: int, calls: int) -> None:
    ids: list[str] = []

    def create(i: int) -> None:
        ids.append(client.v1.customers.create(params={"email": f"r{number}-{i}@example.com", "name": "Bench"}).id)

    for call, fn in (("customers.create", create), ("customers.retrieve", lambda i: client.v1.customers.retrieve(ids[i % len(ids)]))):
        before = cpu_seconds(server.pid)
        server.rounds.setdefault(call, []).append(timed(calls, fn))
        server.cpu.setdefault(call, []).append((cpu_seconds(server.pid) - before) / calls)


def rate(latencies: list[float]) -> float:
    return len(latencies) / sum(latencies)


def pct(latencies: list[float], q: float) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="rounds per server (default 5)")
    parser.add_argument("--calls", type=int, default=300, help="calls per batch (default 300)")
    parser.add_argument("--skip-mock", action="store_true", help="without stripe-stateful-mock")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--compare", type=Path, metavar="DIR",
                        help="also run the sandbox of another copy of the project (a before/after in one run)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-single-") as tmp:
        directory = Path(tmp)
        sandbox_proc = process.start(directory / "bench.sqlite3", log=directory / "sandbox.log")
        servers = [Server("sandbox", sandbox_proc.url, sandbox_proc)]
        try:
            sample = client_for(sandbox_proc.url).v1.customers.create(params={"email": "sample@example.com", "name": "Bench"})
            body = json.dumps(sample.to_dict_recursive() if hasattr(sample, "to_dict_recursive") else sample.to_dict()).encode()
            servers.append(start_limit(directory, body))
            if not args.skip_mock:
                servers.append(start_mock(directory))
            if args.compare:
                servers.append(start_other_sandbox(directory, args.compare.resolve()))
            clients = {s.name: client_for(s.url) for s in servers}
            for server in servers:  # warm-up: connections, imports, caches
                run_round(server, clients[server.name], -1, 50)
                server.rounds.clear()
                server.cpu.clear()
            for number in range(args.rounds):
                for server in servers:
                    run_round(server, clients[server.name], number, args.calls)
                print(f"  round {number + 1}/{args.rounds} done (load {os.getloadavg()[0]:.1f})", flush=True)
        finally:
            for server in servers:
                server.stop()
    report(servers, args)
    return 0


def report(servers: list[Server], args: argparse.Namespace) -> None:
    print()
    print(f"stripe-python {stripe.VERSION}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; one client, "
          f"sequential calls; {args.rounds} rounds of {args.calls}, best round (median round in brackets); "
          f"load average at the end {os.getloadavg()[0]:.1f}")
    print()
    header = f"{'server':<22} {'call':<20} {'calls/s':>18} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms/call':>12}"
    print(header)
    print("-" * len(header))
    figures: dict[str, dict[str, dict[str, float]]] = {}
    for server in servers:
        for call, rounds in server.rounds.items():
            best = max(rounds, key=rate)
            median = statistics.median(rate(r) for r in rounds)
            cpu = statistics.median(server.cpu[call]) * 1000
            figures.setdefault(server.name, {})[call] = {
                "best": rate(best), "median": median, "p50": pct(best, 0.5), "p95": pct(best, 0.95), "cpu_ms": cpu}
            print(f"{server.name:<22} {call:<20} {rate(best):>9.0f} ({median:>5.0f}) "
                  f"{pct(best, 0.5):>8.2f} {pct(best, 0.95):>8.2f} {cpu:>12.2f}")
    print()
    sandbox, limit = figures["sandbox"], figures["limit (fixed body)"]
    mock = figures.get("stripe-stateful-mock")
    for call in ("customers.create", "customers.retrieve"):
        line = (f"{call:<20} sandbox/limit {sandbox[call]['best'] / limit[call]['best']:.0%} "
                f"(median rounds {sandbox[call]['median'] / limit[call]['median']:.0%})")
        if mock:
            line += (f", sandbox/stripe-stateful-mock {sandbox[call]['best'] / mock[call]['best']:.2f}x "
                     f"(median rounds {sandbox[call]['median'] / mock[call]['median']:.2f}x)")
        print(line)
    print("CPU per call (median round), server process only: " + "; ".join(
        f"{name} {figures[name]['customers.create']['cpu_ms']:.2f} / {figures[name]['customers.retrieve']['cpu_ms']:.2f} ms"
        for name in figures) + " (create / retrieve)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    sys.exit(main())
