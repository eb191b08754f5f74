"""The guide's own curl commands, run literally with the ``curl`` binary against the sandbox.

Stripe's guide "Set up a subscription with Amazon Pay" prints three server-side calls. They are
copied here as data, exactly as printed except for the guide's published sample key, written
``sk_test_…`` as in the notebooks (no key-shaped string is committed). The test swaps in a test
key built at run time, the sandbox's host for Stripe's, and real IDs for the guide's placeholders.
The guide predates 2026-09-30.endive: on the sandbox's default (newest) version its SetupIntent
call is refused with ``payment_method_types_no_longer_supported``; pinned to 2026-06-24.dahlia,
every call succeeds.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.parse

import httpx
import pytest
import stripe

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="the curl binary is not installed")

SAMPLE_KEY = "sk_test_…"  # the guide prints its published sample key here
GUIDE_KEY = "sk_test_" + "x" * 24  # a key of the sample key's shape, built at run time
GUIDE_HOST = "https://api.stripe.com"
DAHLIA = "2026-06-24.dahlia"

# "Kundinnen/Kunden erstellen oder abrufen"
CREATE_CUSTOMER = r"""curl https://api.stripe.com/v1/customers \
  -u "sk_test_…:" \
  --data-urlencode description="My First Test Customer (created for API docs)"
"""

# "Einen SetupIntent erstellen"
CREATE_SETUP_INTENT = r"""curl https://api.stripe.com/v1/setup_intents \
  -u "sk_test_…:" \
  -d confirm=true \
  --data-urlencode return_url="https://www.stripe.com" \
  -d usage=off_session \
  -d customer=cus_ODQluYFNl44ODI \
  -d "payment_method_data[type]"=amazon_pay \
  -d "payment_method_types[]"=amazon_pay \
  -d "mandate_data[customer_acceptance][type]"=online \
  -d "mandate_data[customer_acceptance][online][ip_address]"="127.0.0.0" \
  -d "mandate_data[customer_acceptance][online][user_agent]"=device
"""

# "Abonnement erstellen"
CREATE_SUBSCRIPTION = r"""curl https://api.stripe.com/v1/subscriptions \
  -u "sk_test_…:" \
  -d customer={{CUSTOMER_ID}} \
  -d "items[0][price]"={{PRICE_ID}} \
  -d default_payment_method={{PAYMENT_METHOD_ID}} \
  -d off_session=true
"""


def run_curl(command: str, base_url: str, version: str | None = None, **ids: str) -> tuple[int, dict]:
    """Run a guide command with bash and the real curl; return (HTTP status, JSON body)."""
    command = command.strip().replace(GUIDE_HOST, base_url).replace(SAMPLE_KEY, GUIDE_KEY)
    for placeholder, value in ids.items():
        command = command.replace(placeholder, value)
    assert "{{" not in command, f"a placeholder was left: {command}"
    extra = " --silent --show-error --write-out '\\n%{http_code}'"
    if version:
        extra += f' -H "Stripe-Version: {version}"'
    done = subprocess.run(  # noqa: S603 - the guide's command, our own sandbox
        ["bash", "-c", command + extra], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    body, _, status = done.stdout.rpartition("\n")
    return int(status), json.loads(body)


def test_the_guides_commands_are_curl_with_the_sample_key():
    for command in (CREATE_CUSTOMER, CREATE_SETUP_INTENT, CREATE_SUBSCRIPTION):
        assert command.startswith(f"curl {GUIDE_HOST}/v1/")
        assert f'-u "{SAMPLE_KEY}:"' in command


def test_create_customer(sandbox):
    status, customer = run_curl(CREATE_CUSTOMER, sandbox.url)
    assert status == 200, customer
    assert customer["object"] == "customer" and customer["id"].startswith("cus_")
    assert customer["description"] == "My First Test Customer (created for API docs)"


def test_setup_intent_is_refused_on_the_default_version(sandbox):
    _, customer = run_curl(CREATE_CUSTOMER, sandbox.url)
    status, body = run_curl(CREATE_SETUP_INTENT, sandbox.url, cus_ODQluYFNl44ODI=customer["id"])
    assert status == 400, body
    assert body["error"]["code"] == "payment_method_types_no_longer_supported"
    assert body["error"]["param"] == "payment_method_types"
    assert body["error"]["type"] == "invalid_request_error"


def test_setup_intent_with_the_guides_own_customer_id_is_404(sandbox):
    """Unchanged, the guide's sample customer does not exist in a fresh sandbox."""
    status, body = run_curl(CREATE_SETUP_INTENT, sandbox.url, version=DAHLIA)
    assert status == 404, body
    assert body["error"]["code"] == "resource_missing"
    assert body["error"]["message"] == "No such customer: 'cus_ODQluYFNl44ODI'"



def test_the_whole_guide_at_dahlia(sandbox):
    status, customer = run_curl(CREATE_CUSTOMER, sandbox.url, DAHLIA)
    assert status == 200, customer

    status, intent = run_curl(CREATE_SETUP_INTENT, sandbox.url, DAHLIA, cus_ODQluYFNl44ODI=customer["id"])
    assert status == 200, intent
    assert intent["status"] == "requires_action"
    assert intent["customer"] == customer["id"]
    assert intent["payment_method_types"] == ["amazon_pay"]
    assert intent["usage"] == "off_session"
    assert intent["next_action"]["type"] == "redirect_to_url"
    assert intent["next_action"]["redirect_to_url"]["return_url"] == "https://www.stripe.com"
    assert intent["client_secret"].startswith(intent["id"] + "_secret_")

    # The customer authorizes on the hosted page; the browser goes back to the return_url.
    decided = httpx.post(intent["next_action"]["redirect_to_url"]["url"], data={"action": "authorize"})
    assert decided.status_code == 303
    back = urllib.parse.urlsplit(decided.headers["location"])
    assert back.netloc == "www.stripe.com"
    assert urllib.parse.parse_qs(back.query)["redirect_status"] == ["succeeded"]

    client = stripe.StripeClient(GUIDE_KEY, base_addresses={"api": sandbox.url}, max_network_retries=0)
    done = client.v1.setup_intents.retrieve(intent["id"])
    assert done.status == "succeeded" and done.mandate
    assert client.v1.payment_methods.retrieve(done.payment_method).customer == customer["id"]

    # The guide creates its price in the Dashboard: 15 USD a month.
    price = client.v1.prices.create(
        params={"product_data": {"name": "Stock Photo Service"}, "unit_amount": 1500, "currency": "usd",
                "recurring": {"interval": "month"}}
    )
    status, subscription = run_curl(
        CREATE_SUBSCRIPTION, sandbox.url, DAHLIA,
        **{"{{CUSTOMER_ID}}": customer["id"], "{{PRICE_ID}}": price.id, "{{PAYMENT_METHOD_ID}}": done.payment_method},
    )
    assert status == 200, subscription
    assert subscription["object"] == "subscription"
    assert subscription["status"] == "active"
    assert subscription["customer"] == customer["id"]
    assert subscription["default_payment_method"] == done.payment_method
    assert subscription["items"]["data"][0]["price"]["id"] == price.id


def test_subscription_command_on_the_default_version(sandbox):
    """The subscription call itself has nothing the newest version refuses."""
    status, body = run_curl(
        CREATE_SUBSCRIPTION, sandbox.url,
        **{"{{CUSTOMER_ID}}": "cus_nobody", "{{PRICE_ID}}": "price_nothing", "{{PAYMENT_METHOD_ID}}": "pm_nothing"},
    )
    assert status == 404, body  # refused for the unknown customer, not for any parameter
    assert body["error"]["code"] == "resource_missing"
