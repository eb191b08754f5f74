"""What `make lab` and `make test` do, read from the Makefile's own dry run (issue 9.16)."""

from __future__ import annotations

import os
import subprocess
import sys

from support.make import ROOT, dry_run


def test_lab_passes_its_ports_through_and_prints_both_urls():
    commands = dry_run("lab", "LAB_PORT=9999", "SANDBOX_PORT=12345")
    assert "TUTORIAL_SANDBOX_PORT=12345" in commands and "helpers.sandbox start" in commands
    assert "--ServerApp.port=9999" in commands and "http://127.0.0.1:9999/lab" in commands


def test_lab_without_a_port_lets_the_sandbox_pick_one():
    """A second learner on the machine: 12111 is the first one's, so no port may be forced on
    the sandbox, which then picks a free one (QA: make lab always passed 12111 and stopped)."""
    commands = dry_run("lab")
    assert "TUTORIAL_SANDBOX_PORT" not in commands and "helpers.sandbox start" in commands


def test_setup_stops_with_one_sentence_on_an_old_python(tmp_path):
    old_python = tmp_path / "python3.9"  # answers the version check as Python 3.9 would
    old_python.write_text("#!/bin/sh\nexit 1\n")
    old_python.chmod(0o755)
    venv = tmp_path / "venv"
    done = subprocess.run(["make", "-B", "venv", f"PYTHON={old_python}", f"VENV={venv}"],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode != 0 and "needs Python 3.11 or newer" in done.stdout
    assert not venv.exists()  # nothing made with it


def test_first_setup_shows_its_progress():
    makefile = (ROOT / "Makefile").read_text()
    install = next(line for line in makefile.splitlines() if "pip install" in line and "-e '." in line)
    assert "--quiet" not in install
    assert "the first time takes a few minutes" in makefile


def test_test_looks_for_a_browser_before_the_tests():
    commands = dry_run("-B", "test").splitlines()
    browser = next(i for i, line in enumerate(commands) if "helpers.browser ensure" in line)
    first_test = next(i for i, line in enumerate(commands) if "run_notebooks.py check" in line or "pytest" in line)
    assert browser < first_test


def test_test_runs_the_whole_suite_in_parallel_with_nbval_inside_it():
    """Issue 20.8: one pytest run on every core, a worker more than cores (workers wait as often
    as they compute); nbval is a test of that run, not a phase before it."""
    commands = dry_run("-B", "test", "TEST_WORKERS=5").splitlines()
    suite = [line for line in commands if "pytest" in line]
    assert len(suite) == 1 and "-n 5 --dist loadgroup tests" in suite[0]
    assert not [line for line in commands if "run_notebooks.py check" in line]
    nbval = (ROOT / "tests" / "notebooks" / "test_saved_outputs.py").read_text()
    assert '"run_notebooks.py"), "check"]' in nbval
    default = dry_run("-B", "test-unit")
    assert f"-n {(os.cpu_count() or 1) + 1} " in default


def test_tests_marked_with_one_xdist_group_run_in_one_worker(tmp_path):
    """`make test`'s ``--dist loadgroup`` sends a module's tests marked ``xdist_group`` to one worker,
    so its expensive module fixture (a JupyterLab, a run of every notebook) is made once. With
    pytest 9 and pytest-xdist 3.8 the marks were silently ignored: each of three workers made it."""
    (tmp_path / "test_grouped.py").write_text(
        "import os, pytest\n"
        "pytestmark = pytest.mark.xdist_group('one')\n"
        "@pytest.mark.parametrize('n', range(6))\n"
        "def test_where(n):\n"
        "    print('worker', os.environ['PYTEST_XDIST_WORKER'])\n"
    )
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "3", "--dist", "loadgroup",
                           "-v", "-rA", "test_grouped.py"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-2000:]
    workers = {line.split()[0] for line in done.stdout.splitlines() if " PASSED " in line and line.startswith("[gw")}
    assert done.stdout.count(" PASSED ") >= 6 and len(workers) == 1, done.stdout[-2000:]
