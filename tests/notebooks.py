"""Run the notebooks the way `make test` and `make notebooks` need them run.

    python tests/notebooks.py check      # nbval: re-run each notebook, compare with its saved outputs
    python tests/notebooks.py execute    # re-execute and save the outputs (after a behaviour change)
    python tests/notebooks.py validate   # nbformat validation of every notebook

`check` and `execute` use a fresh sandbox (its own state directory and port), with the
autopilot on, and stop it afterwards, so a developer's own sandbox is never touched.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
sys.path.insert(0, str(ROOT))


def fresh_environment(state_dir: str) -> dict[str, str]:
    from helpers.sandbox.process import free_port

    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "TUTORIAL_"))}
    env.update(
        TUTORIAL_MODE="sandbox",
        TUTORIAL_STATE_DIR=state_dir,
        TUTORIAL_SANDBOX_PORT=str(free_port()),
        TUTORIAL_AUTOPILOT="1",
        PYTHONHASHSEED="0",
    )
    return env


def stop_sandbox(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "helpers.sandbox", "stop"], env=env, cwd=ROOT, check=False,
                   stdout=subprocess.DEVNULL)


def check() -> int:
    with tempfile.TemporaryDirectory(prefix="tutorial-") as state:
        env = fresh_environment(state)
        try:
            return subprocess.call(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
                 "--nbval-current-env", "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
                 "--nbval-cell-timeout", "300", *map(str, NOTEBOOKS)],
                env=env, cwd=ROOT,
            )
        finally:
            stop_sandbox(env)


def execute() -> int:
    import nbformat
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory(prefix="tutorial-") as state:
        env = fresh_environment(state)
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(env)
        try:
            for path in NOTEBOOKS:
                print(f"executing {path.relative_to(ROOT)}", flush=True)
                nb = nbformat.read(path, as_version=4)
                NotebookClient(nb, timeout=300, kernel_name="python3",
                               resources={"metadata": {"path": str(path.parent)}}).execute()
                nb.metadata.pop("widgets", None)  # widget state: noise for readers and diffs
                nbformat.write(nb, path)
        finally:
            stop_sandbox(env)
            os.environ.clear()
            os.environ.update(saved)
    return 0


def validate() -> int:
    import nbformat

    for path in NOTEBOOKS:
        nbformat.validate(nbformat.read(path, as_version=4))
    print(f"{len(NOTEBOOKS)} notebooks valid")
    return 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    sys.exit({"check": check, "execute": execute, "validate": validate}[command]())
