"""How long the learner-path sequences take (tests/notebooks/test_learner_paths.py runs and checks them).

    .venv/bin/python benchmarks/learner_paths.py

Each sequence runs on a fresh sandbox of its own, headless, autopilot on; printed: seconds per
sequence and per notebook run, and how many cells stopped with one of our clear messages.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.learner import KILL_SANDBOX, Learner  # noqa: E402

SEQUENCES: dict[str, list[tuple[tuple, str]]] = {
    "05 first on an empty state": [(("05",), "1")],
    "04 declined, then 04 authorizing": [(("04",), "fail"), (("04",), "1")],
    "04 twice after success": [(("04",), "1"), (("04",), "1")],
    "02 with a new customer after 04, then 05": [
        (("04",), "1"), ((("02", {2: "form.email.value = 'second@example.com'"}),), "1"), (("05",), "1")],
    "05 twice": [(("05",), "1"), (("05",), "1")],
    "06 twice": [(("06",), "1"), (("06",), "1")],
    "07 twice": [(("07",), "1"), (("07",), "1")],
    "08 first on an empty state, then again": [(("08",), "1"), (("08",), "1")],
    "09 twice": [(("05",), "1"), (("09",), "1"), (("09",), "1")],
    "the sandbox killed mid-way": [((("05", {2: KILL_SANDBOX}),), "1"), ((("04", {6: KILL_SANDBOX}),), "1"),
                                   (("04",), "1")],
    "the whole series, 00 to 09": [(("00", "01", "02", "03", "04", "05", "06", "07", "08", "09"), "1")],
}


def main() -> int:
    total = time.monotonic()
    for name, steps in SEQUENCES.items():
        with tempfile.TemporaryDirectory(prefix="learner-") as state:
            learner = Learner(Path(state))
            started = time.monotonic()
            try:
                runs = [learner.run(*parts, autopilot=pilot) for parts, pilot in steps]
            finally:
                learner.stop()
            took = time.monotonic() - started
        unexpected = sum(len(run.unexpected()) for run in runs)
        clear = sum(len(run.stopped()) for run in runs) - unexpected
        each = ", ".join(f"{run.notebook[:2]} {run.seconds:.1f} s" for run in runs)
        print(f"{name:45s} {took:6.1f} s  ({each}); clear stops {clear}, unexpected {unexpected}", flush=True)
    print(f"{'all sequences':45s} {time.monotonic() - total:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
