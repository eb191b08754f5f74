"""A fresh machine without a browser: make test finds a Chromium, or says how to get one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from helpers import browser

ROOT = Path(__file__).resolve().parents[1]


def test_chromium_path_wins(monkeypatch, tmp_path):
    executable = tmp_path / "my-chromium"
    executable.write_text("")
    monkeypatch.setenv("CHROMIUM_PATH", str(executable))
    assert browser.find() == str(executable)


def test_playwrights_own_is_found(monkeypatch, tmp_path):
    monkeypatch.delenv("CHROMIUM_PATH", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path))
    assert browser.find() is None
    chrome = tmp_path / "chromium-1234" / "chrome-linux" / "chrome"
    chrome.parent.mkdir(parents=True)
    chrome.write_text("")
    assert browser.find() == str(chrome)


def test_no_chromium_and_no_download_stops_with_one_message(tmp_path):
    """Issue 9: on a fresh machine `make test` ran 16 notebook cells into Playwright's
    "Executable doesn't exist". Now it stops first, and says how to get a Chromium."""
    env = {k: v for k, v in os.environ.items() if k != "CHROMIUM_PATH"}
    env.update(PATH=str(Path(sys.executable).parent), PLAYWRIGHT_BROWSERS_PATH=str(tmp_path),
               PLAYWRIGHT_DOWNLOAD_HOST="http://127.0.0.1:9")  # nothing listens: no download
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "helpers.browser", "ensure"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    message = done.stderr.strip()
    assert len(message.splitlines()) == 1
    for advice in ("apt-get install chromium", "brew install --cask chromium", "CHROMIUM_PATH",
                   "playwright install chromium"):
        assert advice in message
    assert "Traceback" not in done.stdout + done.stderr
    assert time.monotonic() - started < 120
