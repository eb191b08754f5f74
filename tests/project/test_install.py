"""Installing the package: no deprecation warnings from the build backend (issue 9.16)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_building_the_package_warns_about_nothing(tmp_path):
    """`project.license` as a TOML table made setuptools print a deprecation notice on install."""
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--verbose", "--wheel-dir", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    output = built.stdout + built.stderr
    assert not re.search(r"deprecat", output, re.IGNORECASE), re.findall(r".*[Dd]eprecat.*", output)
