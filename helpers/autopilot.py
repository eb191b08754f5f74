"""Headless Chromium that clicks through the Amazon Pay redirect, for tests and unattended demos.

It does what a person would: open the checkout page, click the button, click "Authorize test
setup" (or "Fail test setup") on the authorization page, and wait to be back on the
return_url. The same clicks work on Stripe's real test page (best effort: Stripe may change it).
On the sandbox's hosted invoice page it clicks "Pay with Amazon Pay", then "Authorize test
payment" (or "Fail test payment").

Playwright's async API runs in a fresh thread with its own event loop (``run``), so it works in
plain Python and inside a Jupyter kernel, whose loop is already running. Give it the server's
direct URL (``server.url``), not the JupyterHub proxy URL.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import re
import threading
import urllib.parse
from dataclasses import dataclass
from typing import Literal

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout
from playwright.async_api import async_playwright

from helpers import browser
from helpers.problems import Problem

Action = Literal["authorize", "fail"]
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
BUTTONS = {  # on the authorization page of a SetupIntent, or of an invoice's payment
    "authorize": re.compile(r"^\s*authorize test (setup|payment)\s*$", re.IGNORECASE),
    "fail": re.compile(r"^\s*fail test (setup|payment)\s*$", re.IGNORECASE),
}
PAY_INVOICE = "Pay with Amazon Pay"  # the button of the sandbox's hosted invoice page


class AutopilotError(Problem, RuntimeError):
    """The browser did not get back to the return_url; the message says where it got stuck."""


@dataclass(frozen=True)
class RedirectResult:
    """Where the browser ended up: the return_url with Stripe's query parameters."""

    url: str
    setup_intent: str | None
    redirect_status: str | None
    page_text: str


def enabled() -> bool:
    """True when ``TUTORIAL_AUTOPILOT`` is ``1``, ``authorize`` or ``fail``: notebooks then click
    through the redirect themselves."""
    return action() is not None


def action() -> Action | None:
    """What the autopilot clicks: ``fail`` with ``TUTORIAL_AUTOPILOT=fail``, ``authorize`` with
    ``1`` or ``authorize``, None when it is off."""
    wanted = os.environ.get("TUTORIAL_AUTOPILOT", "").strip().lower()
    if wanted in ("1", "authorize"):
        return "authorize"
    return "fail" if wanted == "fail" else None


def chromium_path() -> str | None:
    """CHROMIUM_PATH, else the system's chromium, else None (Playwright's own browser)."""
    return browser.system_chromium()


def browser_available() -> bool:
    """A Chromium to launch: the system's, or one Playwright downloaded (``playwright install``)."""
    return browser.find() is not None


def _returned(url: str) -> bool:
    return "redirect_status=" in urllib.parse.urlsplit(url).query


async def _left(page, start: str, timeout: float) -> None:
    """Wait until the checkout page navigates away; fail fast when it shows an error instead."""
    deadline = asyncio.get_running_loop().time() + timeout
    while page.url == start:
        try:
            shown = await page.locator("#error").text_content() if await page.locator("#error").is_visible() else ""
        except PlaywrightError:  # navigating right now
            shown = ""
        if shown:
            raise AutopilotError(f"The checkout page shows an error instead of redirecting: {shown}")
        if asyncio.get_running_loop().time() > deadline:
            raise AutopilotError(f"The checkout page did not redirect within {timeout:.0f} s.")
        await asyncio.sleep(0.1)


async def complete_redirect(
    page_url: str, action: Action = "authorize", timeout: float = 30.0
) -> RedirectResult:
    """Open ``page_url`` (the checkout page, or a next_action redirect URL) and finish the redirect."""
    if action not in BUTTONS:
        raise ValueError(f"action must be 'authorize' or 'fail', not {action!r}")
    ms = timeout * 1000
    executable = browser.find()
    if executable is None:
        raise AutopilotError(f"The autopilot needs a Chromium, and none was found. {browser.HOW_TO_GET_ONE}")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        try:
            page = await chromium.new_page()
            page.set_default_timeout(ms)
            await page.goto(page_url)
            start = page.url
            if await page.locator("#done").count():  # our checkout page, nothing left to do
                raise AutopilotError(f"Nothing to authorize: {await page.locator('#done').inner_text()}")
            setup = page.locator("#setup")
            pay = page.get_by_role("button", name=PAY_INVOICE)
            if await setup.count():  # our checkout page: let Stripe.js confirm and redirect
                await setup.click()
                await _left(page, start, timeout)
            elif await pay.count():  # a hosted invoice page: pay it with Amazon Pay
                await pay.click()
                await _left(page, start, timeout)
            if not _returned(page.url):
                button = page.get_by_text(BUTTONS[action]).first
                try:
                    await button.click()
                except PlaywrightTimeout as error:
                    raise AutopilotError(
                        f"No '{action} test setup' (or payment) button on {page.url}: is this the "
                        "authorization page?"
                    ) from error
                await page.wait_for_url(_returned, timeout=ms)
            await page.wait_for_load_state()
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
            return RedirectResult(
                url=page.url,
                setup_intent=query.get("setup_intent", [None])[0],
                redirect_status=query.get("redirect_status", [None])[0],
                page_text=await page.inner_text("body"),
            )
        finally:
            await chromium.close()


def run(page_url: str, action: Action = "authorize", timeout: float = 30.0) -> RedirectResult:
    """``complete_redirect`` from synchronous code, in its own thread and event loop."""
    result: dict[str, RedirectResult | BaseException] = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(complete_redirect(page_url, action, timeout))
        except BaseException as error:  # re-raised in the caller's thread
            result["value"] = error

    thread = threading.Thread(target=target, name="autopilot", daemon=True)
    thread.start()
    thread.join(timeout * 3 + 30)
    value = result.get("value")
    if value is None:
        raise AutopilotError(f"The browser did not finish within {timeout * 3 + 30:.0f} s.")
    if isinstance(value, BaseException):
        raise value
    return value


def start(page_url: str, action: Action = "authorize", timeout: float = 30.0) -> concurrent.futures.Future:
    """``run`` in the background: the caller can show what it waits for meanwhile."""
    future: concurrent.futures.Future = concurrent.futures.Future()

    def target() -> None:
        try:
            future.set_result(run(page_url, action, timeout))
        except BaseException as error:  # handed to whoever looks at the future
            future.set_exception(error)

    threading.Thread(target=target, name="autopilot-start", daemon=True).start()
    return future
