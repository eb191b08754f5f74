"""JupyterLab for the tests that need a real one: on a port it picks itself (``--ServerApp.port=0``,
read back from its server-info file, so no port is picked first and taken by someone else before it
binds), with runtime files of its own; stopped when the block ends (killed if it lingers)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx

from support.waiting import PATIENCE, wait_until

STOP = 10  # seconds JupyterLab has to stop before it and its kernels are killed


@contextlib.contextmanager
def jupyterlab(root: Path, token: str, *options: str, env: dict[str, str] | None = None,
               serve: Path | None = None) -> Iterator[dict]:
    """JupyterLab serving ``root`` (or ``serve``: ``root`` then only holds its runtime files and log)
    until the block ends: its server info (``url`` with the base URL, ``port``, …). ``options``:
    more command-line options (e.g. a base URL)."""
    runtime = root / "runtime"
    env = {**(env if env is not None else os.environ), "JUPYTER_RUNTIME_DIR": str(runtime)}
    log = root / "lab.log"
    with open(log, "wb") as out:
        lab = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
             "--ServerApp.port=0", f"--IdentityProvider.token={token}", "--allow-root",
             f"--ServerApp.root_dir={serve or root}", *options],
            env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # a group of its own: whatever it started is stopped with it
        )
        try:
            def answering() -> dict | None:
                assert lab.poll() is None, log.read_text(errors="replace")[-3000:]
                info = next(runtime.glob("jpserver-*.json"), None) if runtime.exists() else None
                if info is None:
                    return None
                try:
                    server = json.loads(info.read_text())
                except json.JSONDecodeError:
                    return None  # caught while Jupyter is still writing it
                try:
                    status = httpx.get(f"{server['url']}api/status", params={"token": token}, timeout=5)
                except httpx.HTTPError:
                    return None
                return server if status.status_code == 200 else None

            yield wait_until(answering, "JupyterLab to answer", timeout=2 * PATIENCE, poll=0.3)
        finally:
            lab.terminate()
            try:
                # It shuts its kernels down first; one still starting held it up a minute. Nothing a
                # test's JupyterLab holds needs a clean stop (its kernels end when it does: they
                # watch their parent, JPY_PARENT_PID).
                lab.wait(STOP)
            except subprocess.TimeoutExpired:
                pass
            with contextlib.suppress(ProcessLookupError):
                os.killpg(lab.pid, signal.SIGKILL)
            lab.wait()
