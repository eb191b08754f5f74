"""What `make lab` and `make test` do, read from the Makefile's own dry run (issue 9.16)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def dry_run(*args: str) -> str:
    return subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout


def test_lab_passes_its_ports_through_and_prints_both_urls():
    commands = dry_run("lab", "LAB_PORT=9999", "SANDBOX_PORT=12345")
    assert "TUTORIAL_SANDBOX_PORT=12345" in commands and "print('Sandbox:" in commands
    assert "--ServerApp.port=9999" in commands and "http://127.0.0.1:9999/lab" in commands


def test_first_setup_shows_its_progress():
    makefile = (ROOT / "Makefile").read_text()
    install = next(line for line in makefile.splitlines() if "pip install" in line and "-e '." in line)
    assert "--quiet" not in install
    assert "the first time takes a few minutes" in makefile


def test_test_looks_for_a_browser_before_the_tests():
    commands = dry_run("-B", "test").splitlines()
    browser = next(i for i, line in enumerate(commands) if "helpers.browser ensure" in line)
    first_test = next(i for i, line in enumerate(commands) if "notebooks.py check" in line or "pytest" in line)
    assert browser < first_test
