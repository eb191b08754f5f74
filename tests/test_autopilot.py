"""The autopilot: headless Chromium clicks through the redirect, also from inside a running loop."""

from __future__ import annotations

import asyncio
import concurrent.futures

import pytest

from helpers import autopilot
from helpers.checkout import CheckoutServer
from support.stripe_objects import PUBLISHABLE, setup_intent

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not autopilot.browser_available(), reason="no Chromium found (set CHROMIUM_PATH)"),
]


@pytest.fixture
def checkout(sandbox):
    server = CheckoutServer(PUBLISHABLE, f"{sandbox.url}/js/stripe.js", sandbox.url, "sandbox").start()
    yield server
    server.stop()


def registered_intent(client, checkout: CheckoutServer):
    intent = setup_intent(client, checkout.url + "complete")
    checkout.register_setup_intent(intent)
    return intent


def test_enabled(monkeypatch):
    monkeypatch.delenv("TUTORIAL_AUTOPILOT", raising=False)
    assert not autopilot.enabled()
    monkeypatch.setenv("TUTORIAL_AUTOPILOT", "1")
    assert autopilot.enabled()


def test_authorize_through_the_checkout_page(checkout, client):
    intent = registered_intent(client, checkout)
    result = autopilot.run(checkout.url, "authorize")

    assert result.url.startswith(checkout.url + "complete?")
    assert (result.setup_intent, result.redirect_status) == (intent.id, "succeeded")
    assert checkout.wait_for_redirect(timeout=5).status == "succeeded"
    assert client.v1.setup_intents.retrieve(intent.id).status == "succeeded"


def test_fail_on_the_next_action_url(checkout, client):
    intent = registered_intent(client, checkout)
    result = autopilot.run(intent.next_action.redirect_to_url.url, "fail")

    assert result.redirect_status == "failed"
    outcome = checkout.wait_for_redirect(timeout=5)
    assert outcome.status == "requires_payment_method"
    assert outcome.error_message and outcome.error_message in result.page_text


def test_runs_inside_a_running_event_loop(checkout, client):
    """As in a Jupyter kernel, whose asyncio loop is running while a cell executes."""
    registered_intent(client, checkout)

    async def cell():
        asyncio.get_running_loop()  # a loop is running, so Playwright's sync API would refuse
        return autopilot.run(checkout.url)

    # A thread of its own: pytest-playwright may already own this thread's event loop.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        result = pool.submit(asyncio.run, cell()).result(timeout=120)
    assert result.redirect_status == "succeeded"


def test_checkout_error_is_reported(checkout):
    # No SetupIntent registered: GET secret answers 404 and the page shows why.
    with pytest.raises(autopilot.AutopilotError, match="shows an error"):
        autopilot.run(checkout.url, timeout=10)


def test_nothing_to_authorize_is_said(checkout, client):
    """Issue 9.4: a succeeded SetupIntent was confirmed again, and the cell waited 600 s."""
    intent = registered_intent(client, checkout)
    autopilot.run(checkout.url)
    checkout.register_setup_intent(client.v1.setup_intents.retrieve(intent.id))
    with pytest.raises(autopilot.AutopilotError, match="Nothing to authorize.*already succeeded"):
        autopilot.run(checkout.url, timeout=10)


def test_action_from_the_environment(monkeypatch):
    monkeypatch.setenv("TUTORIAL_AUTOPILOT", "fail")
    assert autopilot.enabled() and autopilot.action() == "fail"
    monkeypatch.setenv("TUTORIAL_AUTOPILOT", "1")
    assert autopilot.action() == "authorize"
    monkeypatch.setenv("TUTORIAL_AUTOPILOT", "0")
    assert not autopilot.enabled() and autopilot.action() is None


def test_rejects_unknown_action():
    with pytest.raises(ValueError, match="authorize"):
        autopilot.run("http://127.0.0.1:9/", "maybe")  # type: ignore[arg-type]
