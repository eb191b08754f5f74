"""Which Chromium the autopilot and the browser tests launch, and how to get one.

In this order: ``CHROMIUM_PATH``; a Chromium or Chrome of the system (on ``PATH``, or the
macOS app); Playwright's own (``playwright install chromium``, kept in Playwright's cache).

``python -m helpers.browser ensure`` (run by ``make test`` before the tests) finds one, or
installs Playwright's where it can download, or stops with one message that says how to get one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
MAC_APPS = ("/Applications/Chromium.app/Contents/MacOS/Chromium",
            "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome")
# Where Playwright keeps its browsers, per platform, and the executable inside each build.
PLAYWRIGHT_EXECUTABLES = ("chromium-*/chrome-linux*/chrome", "chromium-*/chrome-mac*/Chromium.app/Contents/MacOS/Chromium",
                          "chromium-*/chrome-mac*/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing",
                          "chromium-*/chrome-win*/chrome.exe")
INSTALL_TIMEOUT = 900  # seconds for `playwright install chromium` (about 150 MB)

HOW_TO_GET_ONE = (
    "Install one: Debian `apt-get install chromium`, Ubuntu `snap install chromium`, macOS "
    "`brew install --cask chromium`; or `.venv/bin/playwright install chromium` where it can "
    "download; or point CHROMIUM_PATH at any Chromium or Chrome executable. Then run make test again."
)


def playwright_cache() -> Path:
    if os.environ.get("PLAYWRIGHT_BROWSERS_PATH"):
        return Path(os.environ["PLAYWRIGHT_BROWSERS_PATH"])
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "ms-playwright"
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "ms-playwright"
    return Path.home() / ".cache" / "ms-playwright"


def system_chromium() -> str | None:
    """``CHROMIUM_PATH`` if it exists, else a Chromium or Chrome of the system, else None."""
    named = os.environ.get("CHROMIUM_PATH")
    if named and Path(named).exists():
        return named
    for name in SYSTEM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return next((app for app in MAC_APPS if sys.platform == "darwin" and Path(app).exists()), None)


def playwright_chromium() -> str | None:
    """The Chromium that ``playwright install chromium`` downloaded, if any (newest build)."""
    cache = playwright_cache()
    found = [path for pattern in PLAYWRIGHT_EXECUTABLES for path in cache.glob(pattern)]
    return str(sorted(found)[-1]) if found else None


def find() -> str | None:
    """The Chromium to launch, or None when there is none on this machine."""
    return system_chromium() or playwright_chromium()


def ensure() -> int:
    """0 with a Chromium (found, or installed by Playwright); else 1 and one message."""
    if find():
        return 0
    print("No Chromium found for the browser tests: trying `playwright install chromium` …", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "playwright", "install", "chromium"], check=True,
                       timeout=INSTALL_TIMEOUT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        pass
    if find():
        return 0
    print(f"make test needs a Chromium for its browser tests, and none could be found or downloaded. "
          f"{HOW_TO_GET_ONE}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    if sys.argv[1:] != ["ensure"]:
        sys.exit("usage: python -m helpers.browser ensure")
    sys.exit(ensure())
