"""The checkout server ("your server"): the page, /secret, the return_url, webhooks, proxy URLs."""

from __future__ import annotations

import concurrent.futures
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import stripe
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from helpers import autopilot
from helpers.checkout import (
    CheckoutServer,
    RedirectOutcome,
    RedirectTimeout,
    authorized,
    await_redirect,
    public_url,
    publishable_retriever,
    stand_in_js_url,
    start_checkout,
    stop_checkout,
)
from helpers.checkout import server as server_mod
from helpers.problems import NextStep
from helpers.urls import path_segment
from support.browser import chromium_path
from support.stripe_objects import PUBLISHABLE, SECRET, post_json, setup_intent
from support.waiting import PATIENCE


def authorize_on_sandbox_page(url: str, action: str) -> None:
    """Click a button of the sandbox's authorization page without a browser (a form POST)."""
    request = urllib.request.Request(url, data=urllib.parse.urlencode({"action": action}).encode(),
                                     method="POST")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(request, timeout=10)
    except urllib.error.HTTPError as answer:
        assert answer.code == 303


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

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


def get(url: str, timeout: float = 10) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def click_through(page, checkout: CheckoutServer, button: str) -> None:
    page.goto(checkout.url)
    page.locator("#setup").click()
    try:
        page.wait_for_url("**/pm-redirects/authorize/**", timeout=PATIENCE * 1000)
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

    assert post_json(url, payload, {"Stripe-Signature": signature})[0] == 400  # no secret configured yet
    checkout.set_webhook_secret(WHSEC)
    assert post_json(url, payload, {"Stripe-Signature": signature}) == (200, {"received": True})
    tampered = payload.replace("seti_test_1", "seti_test_2")
    status, body = post_json(url, tampered, {"Stripe-Signature": signature})
    assert status == 400 and "signature" in body["error"]["message"].lower()
    assert post_json(url, payload, {})[0] == 400

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

    stripe_mode = pages.checkout_page(PUBLISHABLE, "https://js.stripe.com/endive/stripe.js", "stripe", None)
    sandbox_mode = pages.checkout_page(PUBLISHABLE, "http://127.0.0.1:1/js/stripe.js", "sandbox", None)
    assert "stripe listen --forward-to" in stripe_mode
    assert '<script src="https://js.stripe.com/endive/stripe.js">' in stripe_mode
    assert "stripe listen" not in sandbox_mode


def test_the_checkout_page_shows_the_authorization_before_the_button():
    """Issue 17.10: Stripe asks a custom form to show a written notice of authorization before
    confirming; the page had none."""
    from helpers.checkout import pages

    page = pages.checkout_page(PUBLISHABLE, "http://127.0.0.1:1/js/stripe.js", "sandbox",
                               {"id": "seti_1", "status": "requires_action"})
    notice = "By continuing, you authorize Stock Photo Service to debit your Amazon Pay account"
    assert notice in page and page.index(notice) < page.index('id="setup"')
    assert "until this authorization is revoked." in page
    done = pages.checkout_page(PUBLISHABLE, "http://127.0.0.1:1/js/stripe.js", "sandbox",
                               {"id": "seti_1", "status": "succeeded"})
    assert notice not in done  # nothing left to authorize


# --- off the happy path (issue 9) and under attack (issue 11) ------------------------------------


def signed_post(checkout: CheckoutServer, payload: str) -> tuple[int, dict]:
    signature = stripe.WebhookSignature.generate_signature_header(payload, WHSEC)
    return post_json(checkout.url + "webhooks", payload, {"Stripe-Signature": signature})


def an_event(event_id: str = "evt_test_1") -> str:
    return json.dumps({
        "id": event_id, "object": "event", "type": "customer.created", "created": int(time.time()),
        "livemode": False, "api_version": None, "pending_webhooks": 1, "request": {"id": None},
        "data": {"object": {"id": "cus_test_1", "object": "customer"}},
    })


@pytest.mark.parametrize("payload", ["[]", '{"a": 1}', '"text"', "null", "{not json",
                                     '{"id": "evt_1", "object": "event", "type": "x", "data": []}'])
def test_webhooks_refuse_signed_non_events(checkout, payload):
    """Issue 11.18: a signed `[]` answered 500; a signed `{"a":1}` was kept and broke events_frame()."""
    checkout.set_webhook_secret(WHSEC)
    status, body = signed_post(checkout, payload)
    assert status == 400 and "not an event" in body["error"]["message"]
    assert checkout.events == []
    assert checkout.events_frame().empty


def test_webhooks_keep_a_redelivered_event_once(checkout):
    """Issue 11.18: a replayed event was stored again each time."""
    checkout.set_webhook_secret(WHSEC)
    assert signed_post(checkout, an_event()) == (200, {"received": True})
    assert signed_post(checkout, an_event()) == (200, {"received": True, "duplicate": True})
    assert signed_post(checkout, an_event("evt_test_2"))[0] == 200
    assert [event.id for event in checkout.events] == ["evt_test_1", "evt_test_2"]


def test_complete_refuses_what_is_not_the_registered_setup_intent(checkout, client):
    """Issue 11.19: any `/complete?…` was recorded; a bad client secret made the wait report failure."""
    intent = setup_intent(client, checkout.url + "complete")
    checkout.register_setup_intent(intent)
    other = setup_intent(client, checkout.url + "complete")
    forged = [
        f"setup_intent={intent.id}&setup_intent_client_secret={intent.id}_secret_wrong&redirect_status=failed",
        f"setup_intent={other.id}&setup_intent_client_secret={other.client_secret}&redirect_status=failed",
        f"setup_intent={intent.id}&setup_intent_client_secret={other.client_secret}&redirect_status=failed",
    ]
    for query in forged:
        status, body = get(checkout.url + "complete?" + query)
        assert status == 400 and "Not the SetupIntent of this notebook" in body
    assert checkout.outcomes == []
    with pytest.raises(RedirectTimeout):
        checkout.wait_for_redirect(timeout=0.3, poll=0.1)


def test_complete_checks_off_the_worker_threads_and_keeps_a_bounded_history(checkout, client):
    """Issue 11.19: each /complete blocked a worker while the SetupIntent settled; outcomes grew
    without bound. Many slow checks at once still answer, and only the newest outcomes are kept."""
    intent = setup_intent(client, checkout.url + "complete")  # stays requires_action: settles slowly
    checkout.register_setup_intent(intent)
    checkout.settle_seconds = 2.0  # 24 checks, server_mod.MAX_CHECKS at a time: 12 s in all
    query = (f"setup_intent={intent.id}&setup_intent_client_secret={intent.client_secret}"
             "&redirect_status=succeeded")
    with concurrent.futures.ThreadPoolExecutor(24) as pool:
        pending = [pool.submit(get, checkout.url + "complete?" + query, 120) for _ in range(24)]
        time.sleep(0.5)  # most of them have arrived (a slow machine: fewer, and the test shows less)
        assert get(checkout.url + "secret")[0] == 200
        # answered while most checks still run, not queued behind them (counted, not timed)
        assert sum(future.done() for future in pending) <= 12
        assert [future.result()[0] for future in pending] == [200] * 24
    assert len(checkout.outcomes) == server_mod.KEPT_OUTCOMES


def test_publishable_retriever_keeps_the_id_in_its_path_segment(sandbox, client):
    """Issue 11.20: `quote(intent_id)` left `/` unencoded: `seti_x/../../v1/customers` listed customers."""
    client.v1.customers.create(params={"email": "someone@example.com"})
    retrieve = publishable_retriever(sandbox.url, PUBLISHABLE)
    answer = retrieve("seti_x/../../v1/customers_secret_abc")
    assert answer.get("object") != "list"
    assert answer["error"]["type"] == "invalid_request_error"


def test_every_quote_in_helpers_encodes_slashes():
    """Issue 11.20: IDs enter URLs only through urls.path_segment (quote with safe="")."""
    root = Path(__file__).resolve().parents[2] / "helpers"
    for path in root.rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"(?<![.\w])quote\(|parse\.quote\(", line) and "safe=" not in line:
                pytest.fail(f"{path.relative_to(root)}:{number} quotes without safe=: {line.strip()}")
    assert path_segment("seti_1/../x?y#z") == "seti_1%2F..%2Fx%3Fy%23z"


def test_a_second_wait_waits_for_a_new_redirect(checkout, client):
    """Issue 9.3: retrying in the same kernel returned the earlier `failed` before any click."""
    intent = setup_intent(client, checkout.url + "complete")
    checkout.register_setup_intent(intent)
    authorize_on_sandbox_page(intent.next_action.redirect_to_url.url, "fail")
    query = (f"setup_intent={intent.id}&setup_intent_client_secret={intent.client_secret}"
             "&redirect_status=failed")
    assert get(checkout.url + "complete?" + query)[0] == 200
    assert checkout.wait_for_redirect(timeout=5).redirect_status == "failed"
    checkout.register_setup_intent(client.v1.setup_intents.retrieve(intent.id))  # the notebook re-run
    with pytest.raises(RedirectTimeout):
        checkout.wait_for_redirect(timeout=0.5, poll=0.1)


def test_a_setup_intent_decided_elsewhere_ends_the_wait(checkout, client):
    """Issues 9.4 and 9.5: the wait went on although the SetupIntent had succeeded by another route
    (its next_action link, whose return_url is not this server)."""
    intent = setup_intent(client, "https://www.stripe.com")
    checkout.register_setup_intent(intent)
    authorize_on_sandbox_page(intent.next_action.redirect_to_url.url, "authorize")
    started = time.monotonic()
    outcome = checkout.wait_for_redirect(timeout=120, poll=0.1)
    assert time.monotonic() - started < 60  # not the whole timeout
    assert (outcome.status, outcome.redirect_status) == ("succeeded", None)
    assert "succeeded" in str(outcome)


def test_the_page_offers_no_link_that_strands_the_customer(checkout, client):
    """Issue 9.5: "Open it directly" went to the guide's return_url (www.stripe.com), a dead end."""
    checkout.register_setup_intent(setup_intent(client, "https://www.stripe.com"))
    page = get(checkout.url)[1]
    assert 'id="redirect-link"' not in page and "not to this server" in page
    checkout.register_setup_intent(setup_intent(client, checkout.url + "complete"))
    assert 'id="redirect-link"' in get(checkout.url)[1]


def test_await_redirect_says_what_it_waits_for(checkout, client, capsys):
    """Issue 9.11: nothing showed what a blocked cell waits for."""
    checkout.register_setup_intent(setup_intent(client, checkout.url + "complete"))
    with pytest.raises(RedirectTimeout):
        await_redirect(checkout, timeout=0.3)
    printed = capsys.readouterr().out
    assert f"{checkout.url}complete" in printed and checkout.url in printed
    assert "Set up Amazon Pay" in printed and "Authorize test setup" in printed
    assert "interrupt" in printed and "run this cell again" in printed


def test_await_redirect_after_success_returns_at_once(checkout, client, capsys):
    """Issue 9.4: re-running the redirect step after success waited 600 s."""
    intent = setup_intent(client, checkout.url + "complete")
    authorize_on_sandbox_page(intent.next_action.redirect_to_url.url, "authorize")
    checkout.register_setup_intent(client.v1.setup_intents.retrieve(intent.id))
    started = time.monotonic()
    outcome = await_redirect(checkout, timeout=600)
    assert time.monotonic() - started < 60 and outcome.succeeded  # not the 600 s
    assert "Already done" in capsys.readouterr().out


def test_a_declined_setup_is_explained_not_a_crash(client, checkout):
    """Issue 9.2: after "Fail test setup" the next cell died with `TypeError: quote_from_bytes()`."""
    intent = setup_intent(client, checkout.url + "complete")
    authorize_on_sandbox_page(intent.next_action.redirect_to_url.url, "fail")
    declined = client.v1.setup_intents.retrieve(intent.id)
    with pytest.raises(NextStep, match="declined.*setup_intent_authentication_failure.*Authorize test setup"):
        authorized(declined)
    waiting = setup_intent(client, "https://x.example")
    with pytest.raises(NextStep, match="has not authorized it yet"):
        authorized(waiting)
    outcome = RedirectOutcome.from_retrieved(intent.id, "failed", declined.to_dict())
    assert "requires_payment_method" in str(outcome) and "run this cell again" in str(outcome)


def test_a_lesson_on_a_decline_stops_when_the_customer_authorized(checkout, client):
    """Issue 16.11: 08's section 1 took *Authorize test setup* silently and went on to text and a
    diagram that describe a decline."""
    intent = setup_intent(client, checkout.url + "complete")
    authorize_on_sandbox_page(intent.next_action.redirect_to_url.url, "authorize")
    checkout.register_setup_intent(client.v1.setup_intents.retrieve(intent.id))
    with pytest.raises(NextStep) as stopped:
        await_redirect(checkout, click="fail", timeout=5)
    said = str(stopped.value)
    assert f"SetupIntent {intent.id} succeeded" in said and "no decline to look at" in said
    assert "run this cell again" in said and "Fail test setup" in said
    checkout.register_setup_intent(setup_intent(client, checkout.url + "complete"))
    with pytest.raises(RedirectTimeout, match="then 'Fail test setup' on the redirect page.*, 'fail'\\)"):
        await_redirect(checkout, click="fail", timeout=0.3)  # nobody came: it names the button asked for


def test_the_server_records_what_browsers_did_for_each_setup_intent(checkout, client):
    """Issue 16.13: 04's sequence diagram is drawn from these, so that a page nobody loaded is not
    drawn."""
    intent = setup_intent(client, checkout.url + "complete")
    checkout.register_setup_intent(intent)
    assert checkout.visits_of(intent.id) == []
    get(checkout.url)
    get(checkout.url + "secret")
    authorize_on_sandbox_page(intent.next_action.redirect_to_url.url, "fail")
    assert [(v.kind, v.redirect_status) for v in checkout.visits_of(intent.id)] == [("page", None), ("secret", None)]
    other = setup_intent(client, checkout.url + "complete")
    checkout.register_setup_intent(other)
    get(checkout.url)
    assert [v.kind for v in checkout.visits_of(intent.id)] == ["page", "secret"]
    assert [v.kind for v in checkout.visits_of(other.id)] == ["page"]


def test_serving_your_code_says_what_it_serves(checkout, capsys):
    """Issue 16.16: `server.serve(...)` confirmed nothing."""
    def secret() -> dict:
        return {"client_secret": "seti_1_secret_x"}

    checkout.serve("/secret", secret)
    checkout.serve("/", "<!doctype html>\n<p>Checkout</p>\n")
    checkout.serve("/secret", None)
    said = capsys.readouterr().out.splitlines()
    assert said == ["Your server now answers GET /secret with secret().",
                    "Your server now serves your page at GET / (2 lines; the placeholders are filled in on each request).",
                    "Your server serves its own /secret again."]
