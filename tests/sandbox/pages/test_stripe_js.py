"""The Stripe.js stand-in in a real browser, against the sandbox: confirm, redirect, return."""

from __future__ import annotations

import urllib.parse

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from helpers import autopilot
from helpers.checkout.runner import BackgroundServer
from support.stripe_objects import PUBLISHABLE, setup_intent

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not autopilot.browser_available(), reason="no Chromium found (set CHROMIUM_PATH)"),
]


@pytest.fixture(scope="module")
def shop(sandbox):
    """A merchant page that loads the stand-in from the sandbox, and a return page."""
    page = (
        f'<!doctype html><html><head><script src="{sandbox.url}/js/stripe.js"></script></head>'
        f"<body><p id=page>{{name}}</p><script>window.stripe = Stripe('{PUBLISHABLE}');</script></body></html>"
    )
    app = Starlette(
        routes=[
            Route("/", lambda request: HTMLResponse(page.format(name="shop"))),
            Route("/return", lambda request: HTMLResponse(page.format(name="returned"))),
        ]
    )
    server = BackgroundServer(app).start()
    yield server.url
    server.stop()


CONFIRM = """cs => {
  const mandate_data = {customer_acceptance: {type: 'online', online: {infer_from_client: true}}};
  window.stripe.confirmAmazonPaySetup(cs, {return_url: new URL('return?keep=1', location.href).href, mandate_data})
    .then(result => { window.result = result; });
}"""


def confirm_and_decide(page, shop: str, client_secret: str, button: str) -> dict[str, str]:
    page.goto(shop)
    page.evaluate(CONFIRM, client_secret)
    page.wait_for_url("**/pm-redirects/authorize/**")
    page.get_by_role("button", name=button).click()
    page.wait_for_url("**/return?**")
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query))


def test_authorize_returns_with_stripe_params(page, shop, client):
    intent = setup_intent(client, shop + "return")
    query = confirm_and_decide(page, shop, intent.client_secret, "Authorize test setup")

    assert query == {
        "keep": "1",
        "setup_intent": intent.id,
        "setup_intent_client_secret": intent.client_secret,
        "redirect_status": "succeeded",
    }
    assert client.v1.setup_intents.retrieve(intent.id).status == "succeeded"
    seen = page.evaluate("cs => window.stripe.retrieveSetupIntent(cs)", intent.client_secret)
    assert seen["setupIntent"]["id"] == intent.id
    assert seen["setupIntent"]["status"] == "succeeded"


def test_fail_returns_failed(page, shop, client):
    intent = setup_intent(client, shop + "return")
    query = confirm_and_decide(page, shop, intent.client_secret, "Fail test setup")

    assert query["redirect_status"] == "failed"
    assert query["setup_intent"] == intent.id
    after = client.v1.setup_intents.retrieve(intent.id)
    assert after.status == "requires_payment_method"
    assert after.last_setup_error is not None


def test_integration_errors_are_thrown(page, shop):
    page.goto(shop)
    thrown = page.evaluate(
        """() => {
          const attempt = f => { try { f(); return null; } catch (e) { return [e.name, e.message]; } };
          return {
            empty_key: attempt(() => Stripe('')),
            secret_key: attempt(() => Stripe('sk_test_123')),
            bad_secret: attempt(() => window.stripe.confirmAmazonPaySetup('nonsense', {return_url: location.href})),
            no_return_url: attempt(() => window.stripe.confirmAmazonPaySetup('seti_1_secret_2', {})),
          };
        }"""
    )
    for name, message in thrown.values():
        assert name == "IntegrationError"
        assert message
    assert "return_url" in thrown["no_return_url"][1]
    assert "publishable key" in thrown["secret_key"][1]


def test_a_client_secret_cannot_leave_its_path(page, shop):
    """Issue 11.20: `seti_x/../../v1/customers_secret_y` reached another path of the API."""
    page.goto(shop)
    thrown = page.evaluate(
        """() => { try { window.stripe.retrieveSetupIntent('seti_x/../../v1/customers_secret_y'); return null; }
                   catch (e) { return e.name; } }"""
    )
    assert thrown == "IntegrationError"


def test_api_error_resolves_with_error(page, shop):
    page.goto(shop)
    result = page.evaluate(
        "() => window.stripe.confirmAmazonPaySetup('seti_missing_secret_x', {return_url: location.href})"
    )
    assert "setupIntent" not in result or result["setupIntent"] is None
    assert result["error"]["type"] == "invalid_request_error"
    assert result["error"]["message"]


def test_confirm_reuses_the_payment_method_of_the_server_side_confirm(page, shop, client, sandbox):
    """The guide's flow: the server confirmed with payment_method_data, the page confirms again
    with no payment_method. Stripe.js uses the attached PaymentMethod instead of making another."""
    intent = setup_intent(client, shop + "return")
    assert intent.status == "requires_action" and intent.payment_method
    sent: list[tuple[str, str, dict[str, str], str]] = []
    page.on("request", lambda r: r.url.startswith(sandbox.url + "/v1/") and sent.append(
        (r.method, r.url, r.headers, r.post_data or "")))

    query = confirm_and_decide(page, shop, intent.client_secret, "Authorize test setup")

    assert query["redirect_status"] == "succeeded"
    after = client.v1.setup_intents.retrieve(intent.id)
    assert after.status == "succeeded"
    assert after.payment_method == intent.payment_method
    attached = client.v1.customers.payment_methods.list(intent.customer, params={"type": "amazon_pay"})
    assert [pm.id for pm in attached.data] == [intent.payment_method]

    # Retrieve, then confirm with payment_method=<the attached one>; the key as `key`, no header.
    assert [(method, urllib.parse.urlsplit(url).path) for method, url, _, _ in sent] == [
        ("GET", f"/v1/setup_intents/{intent.id}"),
        ("POST", f"/v1/setup_intents/{intent.id}/confirm"),
    ]
    (_, get_url, get_headers, _), (_, _, post_headers, post_body) = sent
    assert dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(get_url).query))["key"] == PUBLISHABLE
    form = dict(urllib.parse.parse_qsl(post_body))
    assert form["key"] == PUBLISHABLE
    assert form["payment_method"] == intent.payment_method
    assert not any(name.startswith("payment_method_data") for name in form)
    for headers in (get_headers, post_headers):
        assert "authorization" not in {name.lower() for name in headers}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, {"payment_method_data[type]": "amazon_pay"}),
        ({"billing_details": {"name": "Jenny Rosen"}},
         {"payment_method_data[type]": "amazon_pay", "payment_method_data[billing_details][name]": "Jenny Rosen"}),
    ],
)
def test_confirm_without_attached_payment_method_creates_one(page, shop, client, sandbox, given, expected):
    customer = client.v1.customers.create(params={"email": "jenny.rosen@example.com"})
    intent = client.v1.setup_intents.create(params={"customer": customer.id, "usage": "off_session"})
    assert intent.payment_method is None
    bodies: list[str] = []
    page.on("request", lambda r: r.url.endswith("/confirm") and bodies.append(r.post_data or ""))
    page.goto(shop)
    page.evaluate(
        """([cs, pm]) => { window.stripe.confirmAmazonPaySetup(cs,
             Object.assign({return_url: new URL('return', location.href).href}, pm ? {payment_method: pm} : {})); }""",
        [intent.client_secret, given],
    )
    page.wait_for_url("**/pm-redirects/authorize/**")
    form = dict(urllib.parse.parse_qsl(bodies[0]))
    assert {k: v for k, v in form.items() if k.startswith("payment_method")} == expected
    assert client.v1.setup_intents.retrieve(intent.id).payment_method is not None


def test_confirm_with_a_payment_method_id(page, shop, client):
    intent = setup_intent(client, shop + "return")
    other = client.v1.payment_methods.create(params={"type": "amazon_pay"})
    page.goto(shop)
    page.evaluate(
        """([cs, pm]) => { window.stripe.confirmAmazonPaySetup(cs,
             {return_url: new URL('return', location.href).href, payment_method: pm}); }""",
        [intent.client_secret, other.id],
    )
    page.wait_for_url("**/pm-redirects/authorize/**")
    assert client.v1.setup_intents.retrieve(intent.id).payment_method == other.id
