"""The Makefile's own dry run (`make -n`), as a fresh shell would see it: without the calling make's
variables (`make test TEST_WORKERS=4` passes them down in MAKEFLAGS) or a sandbox port of the shell."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_PASSED = ("TUTORIAL_SANDBOX_PORT", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")


def dry_run(*args: str) -> str:
    env = {name: value for name, value in os.environ.items() if name not in NOT_PASSED}
    return subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True,
                          check=True, env=env).stdout
