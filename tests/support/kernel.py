"""A learner's IPython kernel, as JupyterLab drives it: started for a notebook (Jupyter Server
sets ``JPY_SESSION_NAME`` to its path), each cell sent with its ``cellId`` in the request's
metadata, as JupyterLab sends it."""

from __future__ import annotations

import os
from pathlib import Path

from jupyter_client.manager import KernelManager

ROOT = Path(__file__).resolve().parents[2]


class Kernel:
    def __init__(self, notebook: Path, env: dict[str, str], extensions: tuple[str, ...] = ()) -> None:
        """``extensions``: loaded at the kernel's start, as the environment's kernel config
        (jupyter-config/ipython_kernel_config.py) loads them."""
        self.notebook = notebook
        self.manager = KernelManager(kernel_name="python3")
        kept = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "TUTORIAL_"))}
        self.manager.start_kernel(env={**kept, "PYTHONPATH": str(ROOT), "JPY_SESSION_NAME": str(notebook), **env},
                                  cwd=str(notebook.parent), extra_arguments=[f"--ext={e}" for e in extensions])
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def run(self, code: str, cell_id: str | None = None, timeout: float = 60, *, silent: bool = False) -> dict:
        """Run ``code`` as the cell ``cell_id``; the execute_reply's content. ``silent``: as a
        widget's change runs (no cell of the learner's)."""
        message = self.client.session.msg("execute_request", {
            "code": code, "silent": silent, "store_history": not silent, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": False,
        })
        if cell_id:
            message["metadata"]["cellId"] = cell_id
        self.client.shell_channel.send(message)
        while True:
            reply = self.client.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == message["header"]["msg_id"]:
                return reply["content"]

    def shutdown(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=False)

    def kill(self) -> None:
        self.client.stop_channels()
        self.manager.kill_kernel()
