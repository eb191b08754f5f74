"""Run the notebooks the way `make test` and `make notebooks` need them run.

    python tests/run_notebooks.py check      # nbval: re-run each notebook, compare with its saved outputs
    python tests/run_notebooks.py execute    # re-execute and save the outputs (after a behaviour change)
    python tests/run_notebooks.py validate   # nbformat validation of every notebook

`check` and `execute` use a fresh sandbox (its own state directory and port), with the
autopilot on, and stop it afterwards, so a developer's own sandbox is never touched.

`execute` stamps each notebook with a fingerprint of its cells. `check` runs a notebook as it
is when the fingerprint still matches; one changed since (a learner ran it in JupyterLab, where
it autosaved) is checked in its committed version instead, and `check` says so.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
sys.path.insert(0, str(ROOT))


# Credentials of the run's throwaway sandbox, redacted before a notebook is saved: they are
# worthless once it stops, but no output of ours carries one. Each stays in the shape the
# sanitize rules (nbval_sanitize.cfg) rewrite, so nbval compares it with a fresh run's.
REDACTIONS = (
    (re.compile(r"_secret_[A-Za-z0-9]+"), "_secret_REDACTED"),
    (re.compile(r"whsec_[A-Za-z0-9]+"), "whsec_REDACTED"),
    (re.compile(r"#token=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"), "#token=REDACTED.REDACTED"),
)


# Outputs a reader sees before running anything must not pass for the learner's own: no link to
# the build run's servers (JupyterLab makes every http:// URL in an output a link), and no output
# at all under cells tagged LEARNER_STATE (a check's verdict, "Progress cleared", a sign-in link).
# nbval_sanitize.cfg applies the same rules first, so a fresh run still compares with these.
PUBLISHED = (
    (re.compile(r'<a href="https?://(?:127\.0\.0\.1|localhost):\d+[^"]*"[^>]*>([^<]*)</a>'),
     r"\1 (your own link, once you run this cell)"),
    # the same sign-in link as plain text (what nbconvert, a text viewer or the JSON shows)
    (re.compile(r"""https?://(?:127\.0\.0\.1|localhost):\d+/dashboard/login#token=[^\s'"<]*"""),
     "(your own sign-in link, once you run this cell)"),
    (re.compile(r"https?://(127\.0\.0\.1|localhost):\d+"), r"\1:PORT"),
)
LEARNER_STATE = "learner-state"  # a cell whose output only makes sense as the learner's own
IGNORED = "nbval-ignore-output"


def _rewrite(value, rules):
    if isinstance(value, str):
        for pattern, replacement in rules:
            value = pattern.sub(replacement, value)
        return value
    if isinstance(value, list):
        return [_rewrite(v, rules) for v in value]
    if isinstance(value, dict):
        return {k: _rewrite(v, rules) for k, v in value.items()}
    return value


def redact(value):
    """``value`` (an output's text, or a nested dict/list of them) with credentials redacted."""
    return _rewrite(value, REDACTIONS)


def publish(cell):
    """A code cell's outputs as committed: redacted, unlinked from the build run's servers, and
    none under a cell tagged LEARNER_STATE (tagged for nbval to skip)."""
    import nbformat

    tags = cell.metadata.setdefault("tags", []) if LEARNER_STATE in cell.metadata.get("tags", []) else []
    if tags:
        cell.outputs = []
        if IGNORED not in tags:
            tags.append(IGNORED)
        return cell
    cell.outputs = [nbformat.from_dict(_rewrite(redact(o), PUBLISHED)) for o in cell.outputs]
    return cell


FINGERPRINT = "tutorial_executed"  # notebook metadata: the fingerprint `make notebooks` stamped


def fingerprint(text: str) -> str:
    """A hash of a notebook's cells (sources and outputs), from its saved text."""
    import nbformat

    cells = [{"type": c.cell_type, "source": c.source, "outputs": c.get("outputs", [])}
             for c in nbformat.reads(text, as_version=4).cells]
    return hashlib.sha256(json.dumps(cells, sort_keys=True).encode()).hexdigest()[:16]


def pristine(text: str) -> bool:
    """Whether a notebook is as `make notebooks` saved it (cells unchanged since)."""
    stamped = json.loads(text).get("metadata", {}).get(FINGERPRINT)
    return stamped == fingerprint(text)


def committed(path: Path) -> str | None:
    """The notebook's text in git's HEAD, or None (no git, or not committed)."""
    relative = path.resolve().relative_to(ROOT).as_posix()
    done = subprocess.run(["git", "show", f"HEAD:{relative}"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout if done.returncode == 0 else None


def to_check(path: Path, head: str | None = None) -> tuple[str, str | None]:
    """The notebook text to check, and a note when it is not the working copy.

    ``head``: the committed text (looked up in git when not given)."""
    text = path.read_text()
    if pristine(text):
        return text, None
    head = committed(path) if head is None else head
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    if head is not None and pristine(head):
        return head, (f"{name} was changed since `make notebooks` (run in JupyterLab?): checking its "
                      f"committed version. `git checkout {name}` restores it; `make notebooks` "
                      "re-executes it if you changed it on purpose.")
    raise SystemExit(f"{name} was changed since `make notebooks`, and there is no committed, executed "
                     f"version to check instead. Run `make notebooks` (or `git checkout {name}`), then "
                     "make test again.")


def fresh_environment(state_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "TUTORIAL_"))}
    env.update(
        TUTORIAL_MODE="sandbox",
        TUTORIAL_STATE_DIR=state_dir,
        TUTORIAL_SANDBOX_PORT="0",  # a free port, which the sandbox binds itself
        TUTORIAL_AUTOPILOT="1",
        TUTORIAL_ENV_FILE=os.devnull,  # a developer's .env (a room's URL, a key) is not this run's
        PYTHONHASHSEED="0",
    )
    return env


def stop_sandbox(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "helpers.sandbox", "stop"], env=env, cwd=ROOT, check=False,
                   stdout=subprocess.DEVNULL)


@contextlib.contextmanager
def kernels_in_a_fresh_tutorial(prefix: str) -> Iterator[None]:
    """Kernels started inside see a fresh tutorial (own state directory, port, sandbox mode,
    autopilot); afterwards its sandbox is stopped and this process's environment restored."""
    with tempfile.TemporaryDirectory(prefix=prefix) as state:
        env = fresh_environment(state)
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(env)
        try:
            yield
        finally:
            stop_sandbox(env)
            os.environ.clear()
            os.environ.update(saved)


def check() -> int:
    with tempfile.TemporaryDirectory(prefix="tutorial-") as state:
        copies = Path(state) / "notebooks"
        copies.mkdir()
        for path in NOTEBOOKS:
            text, note = to_check(path)
            if note:
                print(note, flush=True)
            (copies / path.name).write_text(text)
        env = fresh_environment(str(Path(state) / "state"))
        try:
            return subprocess.call(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
                 "--nbval-current-env", "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
                 "--nbval-cell-timeout", "300", "--rootdir", str(copies),
                 *sorted(map(str, copies.glob("*.ipynb")))],
                env=env, cwd=copies,
            )
        finally:
            stop_sandbox(env)


def execute() -> int:
    import nbformat
    from nbclient import NotebookClient

    with kernels_in_a_fresh_tutorial("tutorial-"):
        for path in NOTEBOOKS:
            print(f"executing {path.relative_to(ROOT)}", flush=True)
            nb = nbformat.read(path, as_version=4)
            NotebookClient(nb, timeout=300, kernel_name="python3",
                           resources={"metadata": {"path": str(path.parent)}}).execute()
            nb.metadata.pop("widgets", None)  # widget state: noise for readers and diffs
            for cell in nb.cells:
                if cell.cell_type == "code":
                    publish(cell)
            nb.metadata["kernelspec"] = kernelspec()  # as JupyterLab shows it: opening changes nothing
            nb.metadata[FINGERPRINT] = fingerprint(nbformat.writes(nb))
            nbformat.write(nb, path)
    return 0


def kernelspec() -> dict[str, str]:
    """The python3 kernel as installed (its display name is what JupyterLab writes on open)."""
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    return {"display_name": spec.display_name, "language": spec.language, "name": "python3"}


def validate() -> int:
    import nbformat

    for path in NOTEBOOKS:
        nbformat.validate(nbformat.read(path, as_version=4))
    print(f"{len(NOTEBOOKS)} notebooks valid")
    return 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    sys.exit({"check": check, "execute": execute, "validate": validate}[command]())
