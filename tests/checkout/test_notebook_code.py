"""Your server's code in the notebook (issue 10): the page, client.js, /secret, the return
handling and the webhook handler are the notebook's own, served by the checkout server, whose
checks stay around them."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import stripe

from helpers import autopilot
from helpers.checkout import CheckoutServer
from support.stripe_objects import PUBLISHABLE, post_json, setup_intent

WHSEC = "whsec_test_own_code"
PAGE = """<!doctype html>
<html><head><title>Checkout</title><script src="{{STRIPE_JS_URL}}"></script></head>
<body><button id="setup">Set up Amazon Pay</button><p id="error" role="alert"></p>
<script src="client.js"></script></body></html>"""
SCRIPT = """const stripe = Stripe('{{PUBLISHABLE_KEY}}');
document.getElementById('setup').addEventListener('click', async () => {
  const response = await fetch('secret');
  const {client_secret: clientSecret, error: problem} = await response.json();
  if (problem) { document.getElementById('error').textContent = problem.message; return; }
  const {error} = await stripe.confirmAmazonPaySetup(clientSecret, {
    return_url: new URL('complete', window.location.href).href,
    mandate_data: {customer_acceptance: {type: 'online', online: {infer_from_client: true}}},
  });
  if (error) { document.getElementById('error').textContent = error.message; }
});"""


@pytest.fixture
def checkout(sandbox):
    server = CheckoutServer(PUBLISHABLE, f"{sandbox.url}/js/stripe.js", sandbox.url, "sandbox").start()
    yield server
    server.stop()


def get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get("content-type", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("content-type", ""), error.read().decode()


def event(event_id: str = "evt_own_1") -> str:
    return json.dumps({
        "id": event_id, "object": "event", "type": "invoice.paid", "created": int(time.time()),
        "livemode": False, "api_version": None, "pending_webhooks": 1, "request": {"id": None},
        "data": {"object": {"id": "in_own_1", "object": "invoice"}},
    })


def test_serve_says_what_each_path_takes(checkout):
    with pytest.raises(ValueError, match="/secret"):
        checkout.serve("/admin", lambda: {})
    with pytest.raises(TypeError, match="function"):
        checkout.serve("/secret", "text")
    with pytest.raises(TypeError, match="text"):
        checkout.serve("/", lambda: "<html>")


def test_the_notebooks_page_and_script_are_what_is_served(checkout, sandbox):
    assert get(checkout.url + "client.js")[0] == 404  # nothing of the notebook's own yet
    checkout.serve("/", PAGE)
    checkout.serve("/client.js", SCRIPT)
    status, kind, page = get(checkout.url)
    assert status == 200 and kind.startswith("text/html")
    assert page == PAGE.replace("{{STRIPE_JS_URL}}", f"{sandbox.url}/js/stripe.js") == checkout.served("/")
    status, kind, script = get(checkout.url + "client.js")
    assert status == 200 and kind.startswith("text/javascript")
    assert script == SCRIPT.replace("{{PUBLISHABLE_KEY}}", PUBLISHABLE) == checkout.served("/client.js")
    checkout.serve("/", None)  # the server's own page again
    assert 'id="checkout-config"' in get(checkout.url)[2]


def test_placeholders_are_escaped_for_where_they_stand(sandbox):
    odd = CheckoutServer(PUBLISHABLE, 'https://js.example/"><script>x</script>', sandbox.url)
    odd.serve("/", '<script src="{{STRIPE_JS_URL}}"></script>')
    odd.serve("/client.js", "const url = '{{STRIPE_JS_URL}}';")
    assert odd.served("/") == '<script src="https://js.example/&quot;&gt;&lt;script&gt;x&lt;/script&gt;"></script>'
    assert "</script>" not in odd.served("/client.js") and '\\"' in odd.served("/client.js")


def test_your_secret_handler_is_served_with_the_checks_around_it(checkout, client):
    intent = setup_intent(client, checkout.url + "complete")
    checkout.register_setup_intent(intent)
    checkout.serve("/secret", lambda: {"client_secret": client.v1.setup_intents.retrieve(intent.id).client_secret})
    status, _, body = get(checkout.url + "secret")
    assert (status, json.loads(body)) == (200, {"client_secret": intent.client_secret})

    other = setup_intent(client, checkout.url + "complete")
    checkout.serve("/secret", lambda: {"client_secret": other.client_secret})
    status, _, body = get(checkout.url + "secret")
    assert status == 409 and f"client secret of {other.id}" in body
    assert other.client_secret not in body and intent.client_secret not in body

    def broken():
        raise KeyError("setup_intent")

    for handler, words in ((broken, "raised KeyError"), (lambda: intent.client_secret, "must return")):
        checkout.serve("/secret", handler)
        status, _, body = get(checkout.url + "secret")
        assert status == 500 and words in json.loads(body)["error"]["message"]
        assert "Traceback" not in body


def test_your_return_page_comes_after_the_servers_checks(checkout, client):
    calls = []

    def complete(setup_intent_id: str, redirect_status: str) -> str:
        calls.append((setup_intent_id, redirect_status))
        found = client.v1.setup_intents.retrieve(setup_intent_id)
        return f"<h1>Thank you</h1><p id=status>{found.status}</p>"

    checkout.serve("/complete", complete)
    intent = setup_intent(client, checkout.url + "complete")
    checkout.register_setup_intent(intent)
    forged = urllib.parse.urlencode({"setup_intent": intent.id, "redirect_status": "succeeded",
                                     "setup_intent_client_secret": intent.id + "_secret_forged"})
    assert get(checkout.url + "complete?" + forged)[0] == 400
    assert calls == []  # a link that is not the registered SetupIntent's never reaches your code

    checkout.settle_seconds = 0
    genuine = urllib.parse.urlencode({"setup_intent": intent.id, "redirect_status": "failed",
                                      "setup_intent_client_secret": intent.client_secret})
    status, _, page = get(checkout.url + "complete?" + genuine)
    assert (status, page) == (200, "<h1>Thank you</h1><p id=status>requires_action</p>")
    assert calls == [(intent.id, "failed")]
    assert checkout.take_outcome().redirect_status == "failed"  # the notebook was told too
    assert checkout.outcome_of(intent.id).redirect_status == "failed"  # and keeps it for a later cell
    assert checkout.outcome_of("seti_other") is None

    checkout.serve("/complete", lambda *_: 1 / 0)
    status, _, page = get(checkout.url + "complete?" + genuine)
    assert status == 500 and "raised ZeroDivisionError" in page and "Traceback" not in page


def test_your_webhook_handler_gets_each_signed_event_once(checkout):
    handled = []

    def webhook(payload: bytes, signature: str) -> None:
        handled.append(stripe.Webhook.construct_event(payload, signature, WHSEC).id)

    checkout.serve("/webhooks", webhook)
    checkout.set_webhook_secret(WHSEC)
    url, payload = checkout.url + "webhooks", event()
    forged = stripe.WebhookSignature.generate_signature_header(payload, "whsec_someone_else")
    assert post_json(url, payload, {"Stripe-Signature": forged})[0] == 400
    assert handled == []  # the server refused it before your handler saw it

    signed = stripe.WebhookSignature.generate_signature_header(payload, WHSEC)
    assert post_json(url, payload, {"Stripe-Signature": signed}) == (200, {"received": True})
    assert post_json(url, payload, {"Stripe-Signature": signed})[1]["duplicate"] is True
    assert handled == ["evt_own_1"] and [e.id for e in checkout.events] == ["evt_own_1"]
    assert checkout.wait_for_event("evt_own_1", timeout=1).type == "invoice.paid"  # by ID, or by type


def test_an_event_your_handler_refuses_is_taken_again_later(checkout):
    attempts = []

    def webhook(payload: bytes, signature: str) -> None:
        attempts.append(signature)
        if len(attempts) == 1:
            raise RuntimeError("database is down")

    checkout.serve("/webhooks", webhook)
    checkout.set_webhook_secret(WHSEC)
    payload = event("evt_own_2")
    signed = stripe.WebhookSignature.generate_signature_header(payload, WHSEC)
    status, body = post_json(checkout.url + "webhooks", payload, {"Stripe-Signature": signed})
    assert status == 500 and "database is down" in body["error"]["message"]
    assert checkout.events == []  # not handled: Stripe delivers it again
    assert post_json(checkout.url + "webhooks", payload, {"Stripe-Signature": signed})[0] == 200
    assert len(attempts) == 2 and [e.id for e in checkout.events] == ["evt_own_2"]


@pytest.mark.browser
@pytest.mark.skipif(not autopilot.browser_available(), reason="no Chromium found (set CHROMIUM_PATH)")
def test_the_redirect_through_your_own_page_and_handlers(checkout, client):
    intent = setup_intent(client, checkout.url + "complete")
    checkout.register_setup_intent(intent)
    checkout.serve("/", PAGE)
    checkout.serve("/client.js", SCRIPT)
    checkout.serve("/secret", lambda: {"client_secret": client.v1.setup_intents.retrieve(intent.id).client_secret})
    checkout.serve("/complete", lambda found, status: f"<p id=mine>{status}: {found}</p>")
    result = autopilot.run(checkout.url, "authorize")
    assert result.redirect_status == "succeeded"
    assert result.page_text.strip() == f"succeeded: {intent.id}"
    assert checkout.wait_for_redirect(timeout=5).status == "succeeded"
