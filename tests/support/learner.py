"""A learner, headless: notebooks run with nbclient (autopilot on) against a sandbox of its own,
in any order, re-run, with cells of the learner's own put in between (a changed form value, the
sandbox killed). Every cell must succeed or stop with one of our clear one-line messages."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient

import helpers.autopilot
import helpers.checkout
import helpers.client
import helpers.forms
import helpers.progress  # noqa: F401 - each defines Problems that a cell may stop with
from helpers.problems import Problem
from helpers.sandbox.client import process
from support.messages import said

ROOT = Path(__file__).resolve().parents[2]
MARK = "\x1b[1;31m⚠ "
KILL_SANDBOX = """
import json, os, signal, time
from helpers.sandbox.client import process as _process
_info = json.loads((_process.state_dir() / "sandbox.json").read_text())
os.kill(_info["pid"], signal.SIGKILL)
while _process.health(_info["url"], 0.2):
    time.sleep(0.05)
"""


def our_problems() -> set[str]:
    found, todo = set(), [Problem]
    while todo:
        kind = todo.pop()
        found.add(kind.__name__)
        todo += kind.__subclasses__()
    return found


@dataclass
class Cell:
    source: str
    outputs: list
    seconds: float = 0.0

    @property
    def error(self) -> dict | None:
        return next((o for o in self.outputs if o["output_type"] == "error"), None)

    @property
    def text(self) -> str:
        parts = []
        for output in self.outputs:
            if output["output_type"] == "stream":
                parts.append(output["text"])
            elif output["output_type"] == "error":  # our messages as one text again (see support.messages)
                parts.append(said("\n".join(output["traceback"])))
            else:
                parts.append(output.get("data", {}).get("text/plain", ""))
        return "".join(parts)

    def stopped_clearly(self) -> bool:
        """Stopped with one of our messages: one line, from a Problem of ours."""
        error = self.error
        return (error is not None and error["ename"] in our_problems()
                and len(error["traceback"]) == 1 and error["traceback"][0].startswith(MARK))


@dataclass
class Run:
    notebook: str
    cells: list[Cell] = field(default_factory=list)
    seconds: float = 0.0

    def unexpected(self) -> list[str]:
        """Cells that failed other than with our clear message, with what they showed."""
        return [f"{self.notebook} cell {i}: {c.error['ename']}: {c.error['evalue']}\n{c.source[:300]}"
                for i, c in enumerate(self.cells) if c.error and not c.stopped_clearly()]

    def stopped(self) -> list[Cell]:
        return [c for c in self.cells if c.error]

    @property
    def text(self) -> str:
        return "\n".join(c.text for c in self.cells)

    def cell(self, fragment: str) -> Cell:
        """The (last) cell whose source contains ``fragment``."""
        return [c for c in self.cells if fragment in c.source][-1]


def _cells(code: str | list[str]) -> list[str]:
    return [code] if isinstance(code, str) else list(code)


class Learner:
    """One learner with a fresh sandbox (own state directory and port); stop() ends it."""

    def __init__(self, state_dir: Path) -> None:
        self.state = state_dir
        self.env = {
            "TUTORIAL_MODE": "sandbox", "TUTORIAL_STATE_DIR": str(state_dir),
            "TUTORIAL_SANDBOX_PORT": "0", "TUTORIAL_AUTOPILOT": "1",  # 0: a free port, bound by the sandbox
            "TUTORIAL_ENV_FILE": os.devnull,  # a developer's .env (a room's URL) is not this learner's
            "PYTHONHASHSEED": "0",
        }
        self.runs: list[Run] = []

    @contextlib.contextmanager
    def environment(self, **extra: str) -> Iterator[None]:
        saved = dict(os.environ)
        for name in [n for n in os.environ if n.startswith(("STRIPE_", "TUTORIAL_"))]:
            del os.environ[name]
        os.environ.update({**self.env, **extra})
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def run(self, *parts: str | tuple[str, dict[int, str | list[str]]], autopilot: str = "1") -> Run:
        """Run notebooks (by number, "04"), one after the other in one kernel, as a learner who
        re-runs a notebook in the same kernel. A part ``("05", {3: code})`` runs ``code`` before
        the notebook's code cell number 3 (0-based, code cells only); key -1 runs it at the end.
        ``code`` may be a list: one cell each."""
        cells: list[str] = []
        names = []
        for part in parts:
            number, extra = (part, {}) if isinstance(part, str) else part
            path = next((ROOT / "notebooks").glob(f"{number}_*.ipynb"))
            names.append(path.stem)
            code = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
            for index, source in enumerate(code):
                if index in extra:
                    cells += _cells(extra[index])
                cells.append(source)
            if -1 in extra:
                cells += _cells(extra[-1])
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in cells])
        run = Run(" then ".join(names))
        started = time.monotonic()
        with self.environment(TUTORIAL_AUTOPILOT=autopilot):
            client = NotebookClient(nb, timeout=180, kernel_name="python3", allow_errors=True,
                                    resources={"metadata": {"path": str(ROOT / "notebooks")}})
            with client.setup_kernel():
                for index, cell in enumerate(nb.cells):
                    began = time.monotonic()
                    client.execute_cell(cell, index)
                    run.cells.append(Cell(cell.source, cell.outputs, time.monotonic() - began))
        run.seconds = time.monotonic() - started
        self.runs.append(run)
        return run

    def stop(self) -> None:
        with self.environment():
            process.stop_recorded()
