"""A real JupyterLab for browser tests: started as `make lab` starts it (its flags read from the
Makefile's dry run), on a free port with a token of its own, in a config directory of its own;
and headless Chromium opening a notebook in it at a given window size."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from helpers.sandbox.client.process import free_port

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
    address, which a test chooses."""
    env = {k: v for k, v in os.environ.items() if k != "TUTORIAL_SANDBOX_PORT"}
    dry = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True, check=True,
                         env=env).stdout.replace("\\\n", " ")
    line = next(line for line in dry.splitlines() if " lab " in line and "jupyter" in line)
    words = shlex.split(re.sub(r"\$\$?\(\[.*?\)\)", "", line.split("jupyter lab", 1)[1]))
    return [w for w in words if w.startswith("--") and not w.startswith(OURS)]


@contextlib.contextmanager
def running_lab(home: Path, flags: list[str] | None = None) -> Iterator[Lab]:
    """JupyterLab with `make lab`'s flags (or ``flags``), run from the project's root; ``home``
    holds its config, runtime and workspaces (never the developer's). Notebooks are drawn whole
    (``windowingMode: none``): what is drawn is the same, only nothing waits for a scroll."""
    port, token = free_port(), secrets.token_hex(8)
    # Every cell drawn at once (no windowing), so a test sees the whole notebook without scrolling.
    settings = home / "config" / "lab" / "user-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"), "TUTORIAL_STATE_DIR": str(home / "state")}
    log = open(home / "lab.log", "wb")  # noqa: SIM115 - closed below
    lab = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", "--allow-root",
         *(make_lab_flags() if flags is None else flags)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert lab.poll() is None, (home / "lab.log").read_text()[-3000:]
            try:
                if httpx.get(f"{url}/api/status", params={"token": token}, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "JupyterLab did not start within 90 s"
            time.sleep(0.3)
        root = Path(httpx.get(f"{url}/api/contents", params={"token": token}, timeout=5).json()["path"] or ".")
        yield Lab(url, token, ROOT / root)
    finally:
        lab.terminate()
        try:
            lab.wait(timeout=30)
        except subprocess.TimeoutExpired:
            lab.kill()
        log.close()


def open_notebook(page, lab: Lab, relative: str, timeout: float = 90.0) -> None:
    """Open ``relative`` (from the lab's root) in ``page`` and wait until its cells are drawn
    (every Mermaid diagram drawn or failed)."""
    page.goto(lab.notebook_url(relative))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=timeout * 1000)
    page.wait_for_function(
        """() => [...document.querySelectorAll('.jp-RenderedMarkdown, .jp-RenderedMermaid')]
                 .every(e => !e.classList.contains('jp-RenderedMermaid') || e.querySelector('img')
                             || e.classList.contains('jp-mod-warning'))""", timeout=timeout * 1000)
