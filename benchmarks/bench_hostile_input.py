"""Hostile input against the sandbox (issue 11): what each request gets, how long it takes, how
long ``/health`` waits meanwhile, and what it costs in memory and log.

    .venv/bin/python benchmarks/bench_hostile_input.py                 # starts its own sandbox
    .venv/bin/python benchmarks/bench_hostile_input.py --url http://127.0.0.1:12931 --log FILE --pid PID

Each request is sent once from one client while a second thread polls ``/health`` every 50 ms;
"worst /health" is the slowest of those polls during the request. RSS is the sandbox process's
resident memory after all requests (Linux ``/proc``); "log" is how much its log grew.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from helpers.sandbox.client import process  # noqa: E402

KEY = "sk_test_" + "bench"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def cases() -> list[tuple[str, str, bytes]]:
    """(name, path, body) of each hostile request."""
    return [
        ("35 MB of expand[]", "/v1/customers", "&".join(["expand[]=x"] * 3_500_000).encode()),
        ("30 MB description", "/v1/customers", b"description=" + b"x" * 30_000_000),
        ("100,000 metadata keys", "/v1/customers", "&".join(f"metadata[k{i}]=v" for i in range(100_000)).encode()),
        ("51 metadata keys", "/v1/customers", "&".join(f"metadata[k{i}]=v" for i in range(51)).encode()),
        ("nesting 500 levels deep", "/v1/customers", ("metadata" + "[a]" * 500 + "=1").encode()),
        ("%ff (not UTF-8)", "/v1/customers", b"name=%ff"),
    ]


def timed(url: str, path: str, body: bytes) -> tuple[int, float, float]:
    """(status, seconds, worst /health seconds) of one POST."""
    worst, done = [0.0], threading.Event()

    def poll() -> None:
        while not done.is_set():
            started = time.monotonic()
            try:
                httpx.get(f"{url}/health", timeout=120)
            except httpx.HTTPError:
                pass
            worst[0] = max(worst[0], time.monotonic() - started)
            time.sleep(0.05)

    poller = threading.Thread(target=poll)
    poller.start()
    started = time.monotonic()
    try:
        status = httpx.post(url + path, content=body, headers=FORM, auth=(KEY, ""), timeout=300).status_code
    except httpx.HTTPError as error:
        status = f"{type(error).__name__}"
    elapsed = time.monotonic() - started
    done.set()
    poller.join()
    return status, elapsed, worst[0]


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running sandbox (default: start one)")
    parser.add_argument("--log", type=Path, help="that sandbox's log file")
    parser.add_argument("--pid", type=int, help="that sandbox's process id")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc = None
        if args.url:
            url, log, pid = args.url, args.log, args.pid
        else:
            log = Path(tmp) / "sandbox.log"
            proc = process.start(Path(tmp) / "sandbox.sqlite3", log=log)
            url, pid = proc.url, proc.process.pid
        log_before = log.stat().st_size if log and log.exists() else 0
        try:
            print(f"{'request':<26} {'status':>6} {'seconds':>8} {'worst /health':>14}")
            for name, path, body in cases():
                status, elapsed, worst = timed(url, path, body)
                print(f"{name:<26} {status!s:>6} {elapsed:>8.2f} {worst:>13.2f}s")
            memory = rss_mb(pid) if pid else None
            grown = (log.stat().st_size - log_before) if log and log.exists() else None
            print(f"sandbox RSS after: {memory:.0f} MB" if memory else "sandbox RSS: unknown (no --pid)")
            print(f"log grew by: {grown:,} bytes" if grown is not None else "log: unknown (no --log)")
        finally:
            if proc:
                proc.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
