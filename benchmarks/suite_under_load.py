"""`make test` on a busy machine: its phases, timed, several runs in a row, with processes that burn
CPU beside it (issue 20, items 7 and 8).

    .venv/bin/python benchmarks/suite_under_load.py                      # 3 runs, 2 burners
    .venv/bin/python benchmarks/suite_under_load.py --runs 1 --burners 0  # a quiet machine: timings
    .venv/bin/python benchmarks/suite_under_load.py --workers 2           # TEST_WORKERS for make

A run is `make test`'s phases one after the other (lint, browser, the suite: pytest on every core
with nbval among its tests), each through `make` itself, so the commands are the Makefile's. The
burners are busy loops (`while True: pass`), one per process, started before the first run and
stopped after the last. Prints one line per phase (seconds, pass or fail, pytest's own summary,
the load average) and a summary; each phase's output is kept in build/suite-under-load/. Exits 1
when a phase of any run failed. Needs the venv (`make venv`) and a Chromium (`make browser`).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHASES = ("lint", "browser", "test-unit")  # what `make test` runs after the venv, in its order
OUT = ROOT / "build" / "suite-under-load"
SUMMARY = re.compile(r"^=*\s*(\d+ (passed|failed).*?) in [\d.]+s")


def burn() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])  # noqa: S603


def phase(target: str, make_args: list[str], log: Path) -> tuple[float, int, str]:
    """Run one `make` target: its seconds, exit code and pytest's summary line (if it printed one)."""
    started = time.monotonic()
    with open(log, "w") as out:
        code = subprocess.call(["make", "--no-print-directory", target, *make_args],  # noqa: S603, S607
                               cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    seconds = time.monotonic() - started
    summary = ""
    for line in log.read_text(errors="replace").splitlines():
        found = SUMMARY.match(line.strip())
        if found:
            summary = found.group(1)
    return seconds, code, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--burners", type=int, default=2, help="CPU-burning processes beside the runs")
    parser.add_argument("--workers", help="TEST_WORKERS for make (default: the Makefile's)")
    parser.add_argument("--venv", help="VENV for make (default: the Makefile's .venv)")
    parser.add_argument("--phases", nargs="+", default=list(PHASES), choices=PHASES, metavar="PHASE",
                        help=f"only these of make test's phases ({', '.join(PHASES)})")
    args = parser.parse_args()
    make_args = [f"TEST_WORKERS={args.workers}"] * bool(args.workers) + [f"VENV={args.venv}"] * bool(args.venv)
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"{args.runs} run(s) of make test's phases {', '.join(args.phases)}; {args.burners} CPU burner(s); "
          f"{os.cpu_count()} cores; make {' '.join(make_args) or '(defaults)'}", flush=True)
    burners = [burn() for _ in range(args.burners)]
    failed, totals = [], []
    try:
        for run in range(1, args.runs + 1):
            total = 0.0
            for target in args.phases:
                log = OUT / f"run-{run}-{target}.log"
                seconds, code, summary = phase(target, make_args, log)
                total += seconds
                verdict = "ok" if code == 0 else f"FAILED (exit {code}, see {log.relative_to(ROOT)})"
                load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
                print(f"run {run}  {target:<10} {seconds:7.1f} s  {verdict}  {summary}  [load {load}]", flush=True)
                if code:
                    failed.append(f"run {run} {target}")
            totals.append(total)
            print(f"run {run}  total      {total:7.1f} s", flush=True)
    finally:
        for proc in burners:
            proc.terminate()
            proc.wait()
    runs_ok = args.runs - len({f.split()[1] for f in failed})
    print(f"{runs_ok} of {args.runs} run(s) green; make test's phases took "
          + ", ".join(f"{t:.0f} s" for t in totals) + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
