"""stripe-node from npm, for the tests that run what a learner's Node server would: the current
release (what most learners' servers install), once per test process."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class StripeNode:
    modules: Path  # NODE_PATH for `node` programs that `require("stripe")`
    version: str


def install_stripe_node(where: Path) -> StripeNode:
    """The current stripe-node installed into ``where``; the test is skipped, with the reason, when
    node, npm or the npm registry is not there."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("npm and node are not installed")
    try:
        current = subprocess.run(["npm", "view", "stripe", "version"], capture_output=True, text=True,
                                 timeout=60, check=True).stdout.strip()
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(where),
                        f"stripe@{current}"], check=True, timeout=300, capture_output=True)
    except (subprocess.SubprocessError, OSError) as error:
        pytest.skip(f"npm could not install stripe-node from its registry ({error})")
    return StripeNode(where / "node_modules", current)
