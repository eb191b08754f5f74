"""Objects made through the API as the guide makes them, and the keys and clients that make them:
the demo key pair, a StripeClient on a sandbox, the guide's SetupIntent, an authorized
customer, a monthly price, a subscription, a test clock, an open invoice paid on its page."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import stripe

from helpers.sandbox.api import schema
from support.waiting import PATIENCE

SECRET = "sk_test_sandbox"


PUBLISHABLE = "pk_test_sandbox"


def new_secret_key() -> str:
    """A secret key of a new account (built at run time, never a literal)."""
    from helpers.sandbox.shared.ids import random_token

    return "sk_test_" + random_token(32)


def make_client(url: str, key: str = SECRET, **options) -> stripe.StripeClient:
    return stripe.StripeClient(
        key,
        base_addresses={"api": url, "files": url, "connect": url, "meter_events": url},
        max_network_retries=0,
        **options,
    )


def setup_intent(client: stripe.StripeClient, return_url: str) -> stripe.SetupIntent:
    """The guide's SetupIntent for a new customer, confirmed on the server (``requires_action``)."""
    customer = client.v1.customers.create(params={"email": "jenny.rosen@example.com"})
    return client.v1.setup_intents.create(params={
        "confirm": True,
        "customer": customer.id,
        "payment_method_data": {"type": "amazon_pay"},
        "usage": "off_session",
        "return_url": return_url,
        "mandate_data": {"customer_acceptance": {
            "type": "online", "online": {"ip_address": "127.0.0.0", "user_agent": "device"}}},
    })


def post_json(url: str, body: str, headers: dict[str, str]) -> tuple[int, dict]:
    """POST ``body`` as a browser or Stripe would; the status and the JSON answer, errors included."""
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback test servers
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


ONLINE = {"type": "online", "online": {"ip_address": "127.0.0.0", "user_agent": "device"}}


RETURN_URL = "https://shop.example/return"


def check_shape(obj: Any, expanded: tuple[str, ...] = ()) -> None:
    """Every object in ``obj`` has exactly the fields stripe-python declares (includable ones only
    when expanded), recursively through lists and nested objects."""
    data = obj.to_dict() if isinstance(obj, stripe.StripeObject) else obj
    _check(data, set(expanded))


def _check(node: Any, expanded: set[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _check(item, expanded)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("object")
    if isinstance(kind, str) and kind not in ("list", "search_result") and kind in schema.OBJECT_CLASSES:
        declared = schema.object_fields(kind) - {"deleted"}
        includable = schema.INCLUDABLE.get(kind, set())
        per_type = schema.per_type_fields(kind)
        want = (declared - includable - per_type) | (includable & expanded)
        got = set(node) - per_type
        assert got == want, f"{kind}: missing {sorted(want - got)}, extra {sorted(got - want)}"
    for key, value in node.items():
        if key != "metadata":
            _check(value, expanded)


def unique(prefix: str = "") -> str:
    return prefix + uuid.uuid4().hex[:10]


def monthly_price(client, amount: int = 1500, currency: str = "usd", **recurring) -> stripe.Price:
    product = client.v1.products.create(params={"name": unique("Stock photos ")})
    return client.v1.prices.create(params={
        "product": product.id, "unit_amount": amount, "currency": currency,
        "recurring": {"interval": "month", **recurring},
    })


def authorized_customer(client, **customer_params) -> tuple[stripe.Customer, stripe.SetupIntent]:
    """The guide's steps 2-4: a customer and an authorized Amazon Pay SetupIntent (no browser)."""
    customer = client.v1.customers.create(params={"email": f"{unique()}@example.com", **customer_params})
    si = client.v1.setup_intents.create(params={
        "confirm": True, "customer": customer.id, "payment_method_data": {"type": "amazon_pay"},
        "usage": "off_session", "return_url": RETURN_URL, "mandate_data": {"customer_acceptance": ONLINE},
    })
    assert si.status == "requires_action"
    response = httpx.post(si.next_action.redirect_to_url.url, data={"action": "authorize"}, follow_redirects=False)
    assert response.status_code == 303
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(response.headers["location"]).query))
    assert query["setup_intent"] == si.id and query["redirect_status"] == "succeeded"
    si = client.v1.setup_intents.retrieve(si.id)
    assert si.status == "succeeded" and si.mandate
    return customer, si


def subscribe(client, customer_id: str, price_id: str, pm_id: str | None, **extra) -> stripe.Subscription:
    params = {"customer": customer_id, "items": [{"price": price_id}], "off_session": True, **extra}
    if pm_id:
        params["default_payment_method"] = pm_id
    return client.v1.subscriptions.create(params=params)


JAN_31 = int(datetime(2026, 1, 31, 9, 30, tzinfo=UTC).timestamp())
# A renewal invoice's hour in draft: finalized and charged this long after its period's end
# ("leaves the invoice in a draft state for about an hour", docs.stripe.com/billing/invoices/subscription).
HOUR = 3600


def ts(year: int, month: int, day: int) -> int:
    return int(datetime(year, month, day, 9, 30, tzinfo=UTC).timestamp())


def new_clock(client, frozen_time: int = JAN_31) -> stripe.test_helpers.TestClock:
    clock = client.v1.test_helpers.test_clocks.create(params={"frozen_time": frozen_time, "name": unique("clock ")})
    assert clock.status == "ready" and clock.deletes_after == clock.created + 7 * 86400
    check_shape(clock)
    return clock


def wait_ready(client, clock_id: str, timeout: float = PATIENCE) -> stripe.test_helpers.TestClock:
    """Poll ``retrieve`` until the clock is ready, as a stripe-python user must."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        clock = client.v1.test_helpers.test_clocks.retrieve(clock_id)
        if clock.status != "advancing":
            assert clock.status == "ready", clock
            return clock
        time.sleep(0.02)
    raise AssertionError(f"the clock was still advancing after {timeout} s")


def advance(client, clock, frozen_time: int) -> stripe.test_helpers.TestClock:
    started = client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": frozen_time})
    assert started.status == "advancing"
    assert started.status_details.advancing.target_frozen_time == frozen_time
    return wait_ready(client, clock.id)


def error_of(response: httpx.Response) -> dict:
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]


def unique_email() -> str:
    return f"{uuid.uuid4().hex[:12]}@example.com"


def open_invoice(client, **subscription) -> tuple[stripe.Subscription, stripe.Invoice]:
    """A subscription whose first invoice waits for payment (``default_incomplete``)."""
    customer = client.v1.customers.create(params={"email": f"{unique()}@example.com", "name": "Jenny Rosen"})
    sub = client.v1.subscriptions.create(params={
        "customer": customer.id, "items": [{"price": monthly_price(client).id}],
        "payment_behavior": "default_incomplete", **subscription,
    })
    invoice = client.v1.invoices.retrieve(sub.latest_invoice)
    assert (sub.status, invoice.status) == ("incomplete", "open")
    return sub, invoice


def followed(response: httpx.Response) -> str:
    """Where a browser goes after this redirect (the sandbox's own pages come relative)."""
    return urllib.parse.urljoin(str(response.url), response.headers["location"])


def hosted_pay(invoice: stripe.Invoice, action: str = "authorize") -> httpx.Response:
    """What the browser does on the hosted pages, without the browser: Pay, then decide."""
    started = httpx.post(invoice.hosted_invoice_url + "/pay")
    assert started.status_code == 303, started.text
    return httpx.post(followed(started), data={"action": action})


def redirected_intent(http, **params: str) -> dict:
    """The guide's SetupIntent over raw HTTP (``http``: an httpx client with a secret key), confirmed
    on the server: ``requires_action``. ``params``: more form fields."""
    customer = http.post("/v1/customers", data={"email": unique_email(), "name": "Jenny"}).json()
    response = http.post("/v1/setup_intents", data={
        "confirm": "true", "customer": customer["id"], "usage": "off_session", "return_url": RETURN_URL,
        "payment_method_data[type]": "amazon_pay",
        "mandate_data[customer_acceptance][type]": "online",
        "mandate_data[customer_acceptance][online][ip_address]": "127.0.0.1",
        "mandate_data[customer_acceptance][online][user_agent]": "device", **params,
    })
    assert response.status_code == 200, response.text
    return response.json()


def account_store(db_path, key: str = SECRET):
    """The store of ``key``'s account in a sandbox's database file (opened beside the running
    sandbox, as another program would: WAL readers do not disturb it)."""
    from helpers.sandbox.state.database import Database
    from helpers.sandbox.state.room import Room

    room = Room(Database(db_path))
    return room.account(room.account_for_secret_key(key) or room.open_account(key))
