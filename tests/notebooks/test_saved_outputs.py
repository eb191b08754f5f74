"""nbval as one test of the suite: every notebook, re-run in order on a fresh sandbox, gives the
outputs it was committed with (``tests/run_notebooks.py check``, which `make test-notebooks` runs
alone). Inside the suite it runs beside the other tests: under pytest-xdist one worker runs the
ten notebooks one after the other while the other workers go on."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from helpers import autopilot

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not autopilot.browser_available(), reason="no Chromium found (set CHROMIUM_PATH)"),
]


def test_every_notebook_gives_its_saved_outputs():
    done = subprocess.run(  # noqa: S603 - our own script, on a fresh sandbox of its own
        [sys.executable, str(ROOT / "tests" / "run_notebooks.py"), "check"],
        capture_output=True, text=True, cwd=ROOT, timeout=1800, check=False,
    )
    report = done.stdout.splitlines()
    for note in [line for line in report if "was changed since `make notebooks`" in line]:
        warnings.warn(note, stacklevel=1)  # a notebook used in JupyterLab: its committed version was checked
    assert done.returncode == 0, "\n".join(report[-150:]) + done.stderr[-3000:]
    assert any(line.endswith("passed") or " passed in " in line for line in report[-3:]), report[-3:]
