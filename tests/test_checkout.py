"""The checkout server ("your server"): the page, /secret, the return_url, webhooks, proxy URLs."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request

import pytest
import stripe
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from conftest import PUBLISHABLE, SECRET, chromium_path, setup_intent
from helpers import autopilot
from helpers.checkout import (
    CheckoutServer,
    RedirectTimeout,
    public_url,
    stand_in_js_url,
    start_checkout,
    stop_checkout,
)

WHSEC = "whsec_test_checkout"


def browser_test(test):
    """Needs headless Chromium; skipped only when none can be found at all."""
    no_chromium = pytest.mark.skipif(
        not autopilot.browser_available(), reason="no Chromium found (set CHROMIUM_PATH)"
    )
    return pytest.mark.browser(no_chromium(test))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = chromium_path()
    return {**browser_type_launch_args, "args": autopilot.LAUNCH_ARGS, **({"executable_path": path} if path else {})}


@pytest.fixture
def checkout(sandbox):
    server = CheckoutServer(PUBLISHABLE, f"{sandbox.url}/js/stripe.js", sandbox.url, "sandbox").start()
    yield server
    server.stop()


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def post(url: str, body: str, headers: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def click_through(page, checkout: CheckoutServer, button: str) -> None:
    page.goto(checkout.url)
    page.locator("#setup").click()
    try:
        page.wait_for_url("**/pm-redirects/authorize/**", timeout=10_000)
    except PlaywrightTimeout:
        pytest.fail(f"no redirect; the page shows: {page.locator('#error').inner_text()!r}")
    page.get_by_role("button", name=button).click()
    page.wait_for_url("**/complete?**")


# --- without a browser --------------------------------------------------------------------------


def test_secret_without_setup_intent_is_json_404(checkout):
    status, body = get(checkout.url + "secret")
    assert status == 404
    assert "register_setup_intent" in json.loads(body)["error"]["message"]


def test_secret_serves_only_the_client_secret(checkout, client):
    intent = setup_intent(client, checkout.url + "complete")
    checkout.register_setup_intent(intent)
    status, body = get(checkout.url + "secret")
    assert status == 200
    assert json.loads(body) == {"client_secret": intent.client_secret}


def test_refuses_a_secret_key(sandbox):
    with pytest.raises(ValueError, match="publishable"):
        CheckoutServer(SECRET, f"{sandbox.url}/js/stripe.js", sandbox.url)


def test_complete_without_params_explains(checkout):
    status, body = get(checkout.url + "complete")
    assert status == 400
    assert "return_url" in body


def test_wait_for_redirect_times_out_with_advice(checkout, client):
    checkout.register_setup_intent(setup_intent(client, checkout.url + "complete"))
    with pytest.raises(RedirectTimeout, match="Authorize test setup") as raised:
        checkout.wait_for_redirect(timeout=0.2)
    assert "autopilot" in str(raised.value)


def test_webhooks_verify_the_signature(checkout):
    event = {
        "id": "evt_test_1", "object": "event", "type": "setup_intent.succeeded", "created": int(time.time()),
        "livemode": False, "api_version": None, "pending_webhooks": 1, "request": {"id": None},
        "data": {"object": {"id": "seti_test_1", "object": "setup_intent"}},
    }
    payload = json.dumps(event)
    url = checkout.url + "webhooks"
    signature = stripe.WebhookSignature.generate_signature_header(payload, WHSEC)

    assert post(url, payload, {"Stripe-Signature": signature})[0] == 400  # no secret configured yet
    checkout.set_webhook_secret(WHSEC)
    assert post(url, payload, {"Stripe-Signature": signature}) == (200, {"received": True})
    tampered = payload.replace("seti_test_1", "seti_test_2")
    status, body = post(url, tampered, {"Stripe-Signature": signature})
    assert status == 400 and "signature" in body["error"]["message"].lower()
    assert post(url, payload, {})[0] == 400

    assert [e.id for e in checkout.events] == ["evt_test_1"]
    assert checkout.wait_for_event("setup_intent.succeeded", timeout=1).id == "evt_test_1"
    frame = checkout.events_frame()
    assert list(frame.columns) == ["created", "type", "id", "object_id"]
    assert frame.iloc[0]["object_id"] == "seti_test_1"
    assert str(frame.iloc[0]["created"].tz) == "UTC"


def test_public_url_through_jupyterhub_proxy(monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX", raising=False)
    assert public_url(8123) == "http://127.0.0.1:8123/"
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/jenny/")
    assert public_url(8123) == "/user/jenny/proxy/8123/"
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/jenny")
    assert public_url(8123) == "/user/jenny/proxy/8123/"
    assert stand_in_js_url("http://127.0.0.1:12111") == "/user/jenny/proxy/12111/js/stripe.js"
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX")
    assert stand_in_js_url("http://127.0.0.1:12111") == "http://127.0.0.1:12111/js/stripe.js"


def test_link_prints_direct_url_and_renders_html(checkout, monkeypatch, capsys):
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/jenny/")
    link = checkout.link()
    assert checkout.url in capsys.readouterr().out
    assert f'href="/user/jenny/proxy/{checkout.port}/"' in link._repr_html_()


def test_start_checkout_reuses_or_restarts(sandbox):
    args = (PUBLISHABLE, f"{sandbox.url}/js/stripe.js", sandbox.url)
    try:
        first = start_checkout(*args, "sandbox")
        assert start_checkout(*args, "sandbox") is first
        second = start_checkout(*args, "test")
        assert second is not first and second.running and not first.running
    finally:
        stop_checkout()


# --- in the browser -----------------------------------------------------------------------------


@browser_test
def test_authorize_through_checkout_page(page, checkout, client):
    intent = setup_intent(client, checkout.url + "complete")
    checkout.register_setup_intent(intent)
    click_through(page, checkout, "Authorize test setup")

    assert "succeeded" in page.locator("#outcome").inner_text()
    outcome = checkout.wait_for_redirect(timeout=5)
    assert (outcome.setup_intent, outcome.redirect_status, outcome.status) == (intent.id, "succeeded", "succeeded")
    after = client.v1.setup_intents.retrieve(intent.id)
    assert after.status == "succeeded"
    assert client.v1.payment_methods.retrieve(after.payment_method).customer == intent.customer
    assert client.v1.mandates.retrieve(after.mandate).status == "active"
    # Stripe.js confirmed with the PaymentMethod of the server-side confirm, not a second one.
    assert after.payment_method == intent.payment_method
    attached = client.v1.customers.payment_methods.list(intent.customer, params={"type": "amazon_pay"})
    assert [pm.id for pm in attached.data] == [intent.payment_method]


@browser_test
def test_fail_shows_the_error(page, checkout, client):
    intent = setup_intent(client, checkout.url + "complete")
    checkout.register_setup_intent(intent)
    click_through(page, checkout, "Fail test setup")

    outcome = checkout.wait_for_redirect(timeout=5)
    assert (outcome.redirect_status, outcome.status) == ("failed", "requires_payment_method")
    assert outcome.error_message
    assert outcome.error_message in page.locator("#outcome").inner_text()


@browser_test
def test_server_side_confirm_link(page, checkout, client):
    intent = setup_intent(client, checkout.url + "complete")
    checkout.register_setup_intent(intent)
    page.goto(checkout.url)
    page.locator("#redirect-link").click()  # next_action.redirect_to_url.url, no Stripe.js confirm
    page.get_by_role("button", name="Authorize test setup").click()
    page.wait_for_url("**/complete?**")

    assert checkout.wait_for_redirect(timeout=5).status == "succeeded"


@browser_test
def test_no_page_carries_the_secret_key(page, checkout, client):
    intent = setup_intent(client, checkout.url + "complete")
    checkout.register_setup_intent(intent)
    click_through(page, checkout, "Authorize test setup")
    texts = [get(checkout.url + path)[1] for path in ("", "secret", "static/checkout.js")]
    texts.append(page.content())
    for text in texts:
        assert SECRET not in text
        assert not re.search(r"\b[sr]k_(test|live)_", text)


def test_test_mode_page_explains_stripe_listen():
    from helpers.checkout import pages

    stripe_mode = pages.checkout_page(PUBLISHABLE, "https://js.stripe.com/v3/", "stripe", None)
    sandbox_mode = pages.checkout_page(PUBLISHABLE, "http://127.0.0.1:1/js/stripe.js", "sandbox", None)
    assert "stripe listen --forward-to" in stripe_mode
    assert '<script src="https://js.stripe.com/v3/">' in stripe_mode
    assert "stripe listen" not in sandbox_mode
