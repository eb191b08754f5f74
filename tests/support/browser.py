"""The Chromium the browser tests drive."""

from __future__ import annotations

from helpers import browser


def chromium_path() -> str | None:
    """Chromium for Playwright: CHROMIUM_PATH, the system's, or Playwright's own (helpers.browser)."""
    return browser.find()
