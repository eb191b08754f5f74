"""JupyterLab as `make lab` starts it (its flags read from the Makefile's dry run), for the tests
that look at the notebooks as a learner's browser shows them: run by support.jupyter, with a
config directory of its own in which notebooks are drawn whole."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from support.jupyter import jupyterlab
from support.make import dry_run

ROOT = Path(__file__).resolve().parents[2]
OURS = ("--ServerApp.port=", "--ServerApp.port_retries=", "--ServerApp.ip=", "--allow-root")


@dataclass(frozen=True)
class Lab:
    url: str  # http://127.0.0.1:<port>
    token: str
    root: Path

    def notebook_url(self, relative: str) -> str:
        return f"{self.url}/lab/tree/{relative}?token={self.token}"


def make_lab_flags() -> list[str]:
    """The `jupyter lab` flags `make lab` passes (root dir, start page, …), but the port and the
    address, which a test chooses; a relative root dir made absolute (it is the project's)."""
    dry = dry_run("lab").replace("\\\n", " ")
    line = next(line for line in dry.splitlines() if " lab " in line and "jupyter" in line)
    words = shlex.split(re.sub(r"\$\$?\(\[.*?\)\)", "", line.split("jupyter lab", 1)[1]))
    flags = [w for w in words if w.startswith("--") and not w.startswith(OURS)]
    return [f"--ServerApp.root_dir={(ROOT / f.split('=', 1)[1]).resolve()}" if f.startswith("--ServerApp.root_dir=")
            else f for f in flags]


@contextlib.contextmanager
def running_lab(home: Path, flags: list[str] | None = None) -> Iterator[Lab]:
    """JupyterLab with `make lab`'s flags (or ``flags``); ``home`` holds its config, runtime,
    workspaces and log (never the developer's). Notebooks are drawn whole (``windowingMode:
    none``): what is drawn is the same, only nothing waits for a scroll."""
    settings = home / "config" / "lab" / "user-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"), "TUTORIAL_STATE_DIR": str(home / "state")}
    token = secrets.token_hex(8)
    flags = make_lab_flags() if flags is None else flags
    root = next(Path(f.split("=", 1)[1]) for f in flags if f.startswith("--ServerApp.root_dir="))
    others = [f for f in flags if not f.startswith("--ServerApp.root_dir=")]
    with jupyterlab(home, token, *others, env=env, serve=root) as server:
        yield Lab(server["url"].rstrip("/"), token, Path(server["root_dir"]))
