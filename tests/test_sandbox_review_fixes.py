"""Review findings on the sandbox, one test (or more) each: what a publishable key may expand,
keys in URLs, CORS and the reset route, refused parameters that used to answer 500, limits,
expand of non-expandable fields, the test clock's asynchronous advance, idempotency across
API versions, deleted customers, the process helpers, and the hosted page off the event loop."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import warnings

import httpx
import pytest
import stripe
from test_sandbox_billing import ONLINE, RETURN_URL, authorized_customer, monthly_price, unique
from test_sandbox_protocol import error_of, unique_email

from conftest import PUBLISHABLE, SECRET
from helpers.sandbox import process, versions
from helpers.sandbox.app import create_app
from helpers.sandbox.resources import test_clocks
from helpers.sandbox.store import Store

with warnings.catch_warnings():  # starlette 1.x would rather have httpx2 drive its TestClient
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

DAHLIA = "2026-06-24.dahlia"


@pytest.fixture
def http(sandbox):
    with httpx.Client(base_url=sandbox.url, auth=(SECRET, ""), timeout=10) as session:
        yield session


def redirected_intent(http: httpx.Client) -> dict:
    """A confirmed Amazon Pay SetupIntent (requires_action) whose PaymentMethod has metadata."""
    customer = http.post("/v1/customers", data={"email": unique_email(), "name": "Jenny"}).json()
    response = http.post("/v1/setup_intents", data={
        "confirm": "true", "customer": customer["id"], "usage": "off_session", "return_url": RETURN_URL,
        "payment_method_data[type]": "amazon_pay", "payment_method_data[metadata][internal]": "secret",
        "mandate_data[customer_acceptance][type]": "online",
        "mandate_data[customer_acceptance][online][ip_address]": "127.0.0.1",
        "mandate_data[customer_acceptance][online][user_agent]": "device",
    })
    assert response.status_code == 200, response.text
    return response.json()


# --------------------------------------------------------------------------- 1. publishable keys and expand


def test_publishable_key_may_expand_only_the_payment_method(sandbox, http):
    intent = redirected_intent(http)
    pk = httpx.Client(base_url=sandbox.url, timeout=10)
    base = {"client_secret": intent["client_secret"], "key": PUBLISHABLE}
    for path in ("payment_method.customer", "customer", "latest_attempt", "mandate"):
        refused = pk.get(f"/v1/setup_intents/{intent['id']}", params={**base, "expand[]": path})
        assert refused.status_code == 400, (path, refused.text)
        assert error_of(refused)["param"] == "expand"
    ok = pk.get(f"/v1/setup_intents/{intent['id']}", params={**base, "expand[]": "payment_method"})
    assert ok.status_code == 200, ok.text
    pm = ok.json()["payment_method"]
    assert pm["object"] == "payment_method" and pm["type"] == "amazon_pay" and "amazon_pay" in pm
    assert "metadata" not in pm  # hidden fields stay hidden in nested objects too
    assert not isinstance(pm["customer"], dict)  # an ID (once attached), never the Customer


# --------------------------------------------------------------------------- 2. keys in URLs, CORS, reset


def test_secret_key_as_key_parameter_is_refused(sandbox):
    for key in (SECRET, "rk_test_abcdefgh"):
        response = httpx.get(f"{sandbox.url}/v1/customers", params={"key": key})
        assert response.status_code == 401
        assert "Authorization header" in error_of(response)["message"]
        posted = httpx.post(f"{sandbox.url}/v1/customers", data={"key": key})
        assert posted.status_code == 401


def test_cors_does_not_allow_the_authorization_header(sandbox):
    def preflight(headers: str) -> httpx.Response:
        return httpx.options(f"{sandbox.url}/v1/setup_intents/seti_x/confirm", headers={
            "Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": headers,
        })

    assert preflight("content-type,stripe-version").status_code == 200
    refused = preflight("authorization")
    assert refused.status_code == 400
    assert "authorization" not in refused.headers.get("access-control-allow-headers", "").lower()


def test_reset_needs_the_control_header(sandbox, http):
    http.post("/v1/customers")
    before = httpx.get(f"{sandbox.url}/health").json()["objects"]
    response = httpx.post(f"{sandbox.url}/_sandbox/reset", data={"x": "1"})  # what a cross-site form sends
    assert response.status_code == 403
    assert "X-Sandbox-Control" in response.json()["error"]["message"]
    assert httpx.get(f"{sandbox.url}/health").json()["objects"] >= before


# --------------------------------------------------------------------------- 3. parameters that answered 500


def test_unit_amount_decimal(client):
    product = client.v1.products.create(params={"name": unique("Decimal ")})
    base = {"product": product.id, "currency": "usd", "recurring": {"interval": "month"}}
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.prices.create(params={**base, "unit_amount_decimal": "abc"})
    assert (err.value.http_status, err.value.code, err.value.param) == (400, "parameter_invalid_decimal",
                                                                       "unit_amount_decimal")
    fractional = client.v1.prices.create(params={**base, "unit_amount_decimal": "12.5"})
    assert (fractional.unit_amount, str(fractional.unit_amount_decimal)) == (None, "12.5")
    whole = client.v1.prices.create(params={**base, "unit_amount_decimal": "1500.00"})
    assert (whole.unit_amount, str(whole.unit_amount_decimal)) == (1500, "1500")
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.prices.create(params={**base, "unit_amount": 1, "unit_amount_decimal": "1"})
    assert err.value.code == "parameters_exclusive"
    customer = client.v1.customers.create()
    with pytest.raises(stripe.InvalidRequestError, match="fractional") as err:
        client.v1.subscriptions.create(params={"customer": customer.id, "items": [{"price": fractional.id}]})
    assert err.value.param == "items[0][price]"


@pytest.fixture(scope="module")
def subscription(sandbox) -> stripe.Subscription:
    from conftest import make_client

    client = make_client(sandbox.url)
    customer, si = authorized_customer(client)
    return client.v1.subscriptions.create(params={
        "customer": customer.id, "items": [{"price": monthly_price(client).id}],
        "default_payment_method": si.payment_method, "off_session": True,
    })


def test_subscription_item_changes_need_an_id_or_a_price(client, subscription):
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.subscriptions.update(subscription.id, params={"items": [{"deleted": True}]})
    assert (err.value.http_status, err.value.code, err.value.param) == (400, "parameter_missing", "items[0][id]")
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.subscriptions.update(subscription.id, params={"items": [{"quantity": 2}]})
    assert (err.value.http_status, err.value.code, err.value.param) == (400, "parameter_missing", "items[0][price]")


# --------------------------------------------------------------------------- 4. search limit


@pytest.mark.parametrize("limit", [0, 101])
def test_customer_search_limit(client, limit):
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.customers.search(params={"query": "email:'x@example.com'", "limit": limit})
    assert (err.value.code, err.value.param) == ("parameter_invalid_integer", "limit")


# --------------------------------------------------------------------------- 5. quantity and totals


def test_negative_quantity_is_refused(client, subscription):
    customer = client.v1.customers.create()
    price = monthly_price(client)
    with pytest.raises(stripe.InvalidRequestError, match="greater than or equal to 0") as err:
        client.v1.subscriptions.create(params={"customer": customer.id, "items": [{"price": price.id, "quantity": -1}]})
    assert (err.value.code, err.value.param) == ("parameter_invalid_integer", "items[0][quantity]")
    item = subscription["items"].data[0]
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.subscriptions.update(subscription.id, params={"items": [{"id": item.id, "quantity": -3}]})
    assert err.value.param == "items[0][quantity]"


def test_invoice_total_above_the_maximum_is_refused(client, subscription):
    customer = client.v1.customers.create()
    price = monthly_price(client, amount=99_999_999)
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.subscriptions.create(params={"customer": customer.id, "items": [{"price": price.id, "quantity": 2}]})
    assert (err.value.http_status, err.value.code) == (400, "amount_too_large")
    item = subscription["items"].data[0]
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.subscriptions.update(subscription.id, params={"items": [{"id": item.id, "quantity": 100_000}]})
    assert err.value.code == "amount_too_large"


# --------------------------------------------------------------------------- 6. expand only what can be expanded


@pytest.mark.parametrize(
    "path", ["id", "metadata", "status", "next_action", "customer.email", "next_action.redirect_to_url"]
)
def test_non_expandable_paths_are_refused(http, path):
    intent = redirected_intent(http)
    response = http.get(f"/v1/setup_intents/{intent['id']}", params={"expand[]": path})
    assert response.status_code == 400, response.text
    assert error_of(response)["message"] == f"This property cannot be expanded ({path})."
    assert error_of(response)["param"] == "expand"


@pytest.mark.parametrize("path", ["foo", "payment_method", "data", "data.id"])
def test_list_expand_paths_must_name_expandable_fields_under_data(http, path):
    response = http.get("/v1/setup_intents", params={"expand[]": path})
    assert response.status_code == 400, response.text
    assert error_of(response)["param"] == "expand"


def test_nested_expandable_fields_still_expand(client, subscription):
    customer = client.v1.customers.retrieve(
        subscription.customer, params={"expand": ["invoice_settings.default_payment_method", "subscriptions"]}
    )
    assert customer.subscriptions.data[0].id == subscription.id
    sub = client.v1.subscriptions.retrieve(
        subscription.id, params={"expand": ["latest_invoice", "items.data.price.product", "default_payment_method"]}
    )
    assert sub.latest_invoice.object == "invoice"
    assert sub["items"].data[0].price.product.object == "product"
    assert sub.default_payment_method.type == "amazon_pay"
    with pytest.raises(stripe.InvalidRequestError, match=r"cannot be expanded \(items\)"):
        client.v1.subscriptions.retrieve(subscription.id, params={"expand": ["items"]})


# --------------------------------------------------------------------------- 7. test clocks advance in the background


def test_advance_answers_advancing_then_the_worker_makes_it_ready(in_process_sandbox):
    store, session = in_process_sandbox
    frozen = int(time.time())
    clock = session.post("/v1/test_helpers/test_clocks", data={"frozen_time": frozen}).json()
    started = session.post(f"/v1/test_helpers/test_clocks/{clock['id']}/advance", data={"frozen_time": frozen + 86400})
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "advancing"
    assert started.json()["status_details"] == {"advancing": {"target_frozen_time": frozen + 86400}}
    assert started.json()["frozen_time"] == frozen
    again = session.post(f"/v1/test_helpers/test_clocks/{clock['id']}/advance", data={"frozen_time": frozen + 2 * 86400})
    assert again.status_code == 400
    assert "currently advancing" in error_of(again)["message"]
    deleting = session.delete(f"/v1/test_helpers/test_clocks/{clock['id']}")
    assert deleting.status_code == 400
    assert session.get(f"/v1/test_helpers/test_clocks/{clock['id']}").json()["status"] == "advancing"

    worker = test_clocks.Worker(store, versions.LATEST)
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while (found := session.get(f"/v1/test_helpers/test_clocks/{clock['id']}").json())["status"] == "advancing":
            assert time.monotonic() < deadline, "the worker never finished the advance"
            time.sleep(0.02)
    finally:
        worker.stopping.set()
    assert (found["status"], found["frozen_time"], found["status_details"]) == ("ready", frozen + 86400, {})
    events = session.get("/v1/events", params={"type": "test_helpers.test_clock.*"}).json()["data"]
    assert [e["type"] for e in events] == [
        "test_helpers.test_clock.ready", "test_helpers.test_clock.advancing", "test_helpers.test_clock.created",
    ]
    assert session.delete(f"/v1/test_helpers/test_clocks/{clock['id']}").status_code == 200


def test_a_failed_simulation_ends_internal_failure(in_process_sandbox, monkeypatch):
    store, session = in_process_sandbox
    frozen = int(time.time())
    clock = session.post("/v1/test_helpers/test_clocks", data={"frozen_time": frozen}).json()
    session.post(f"/v1/test_helpers/test_clocks/{clock['id']}/advance", data={"frozen_time": frozen + 60})

    def broken(*args, **kwargs):
        raise RuntimeError("simulated sandbox bug")

    monkeypatch.setattr(test_clocks.renewals, "run_until", broken)
    test_clocks.finish_advance(store, versions.LATEST, clock["id"])
    found = session.get(f"/v1/test_helpers/test_clocks/{clock['id']}").json()
    assert (found["status"], found["frozen_time"]) == ("internal_failure", frozen)


# --------------------------------------------------------------------------- 8. idempotency across versions


def test_idempotency_key_replayed_at_another_version_is_refused(http):
    key, email = f"idem-{unique()}", unique_email()
    first = http.post("/v1/customers", data={"email": email}, headers={"Idempotency-Key": key, "Stripe-Version": DAHLIA})
    assert first.status_code == 200
    same = http.post("/v1/customers", data={"email": email}, headers={"Idempotency-Key": key, "Stripe-Version": DAHLIA})
    assert same.headers.get("Idempotent-Replayed") == "true"
    other = http.post(
        "/v1/customers", data={"email": email}, headers={"Idempotency-Key": key, "Stripe-Version": versions.LATEST}
    )
    assert other.status_code == 400
    assert error_of(other)["type"] == "idempotency_error"


# --------------------------------------------------------------------------- 9. prices: currency and amount


def test_price_currency_and_maximum_amount(client):
    product = client.v1.products.create(params={"name": unique("Limits ")})
    with pytest.raises(stripe.InvalidRequestError, match="Invalid currency: xyz. Stripe currently supports") as err:
        client.v1.prices.create(params={"product": product.id, "currency": "xyz", "unit_amount": 100})
    assert err.value.param == "currency"
    assert client.v1.prices.create(params={"product": product.id, "currency": "EUR", "unit_amount": 100}).currency == "eur"
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.prices.create(params={"product": product.id, "currency": "usd", "unit_amount": 100_000_000})
    assert err.value.param == "unit_amount"
    top = client.v1.prices.create(params={"product": product.id, "currency": "usd", "unit_amount": 99_999_999})
    assert top.unit_amount == 99_999_999


# --------------------------------------------------------------------------- 10. deleted customers


def test_deleted_customer_is_a_stub_and_leaves_lists_and_search(client, http):
    email = unique_email()
    customer = client.v1.customers.create(params={"email": email})
    client.v1.customers.delete(customer.id)
    assert http.get(f"/v1/customers/{customer.id}").json() == {"id": customer.id, "object": "customer", "deleted": True}
    assert client.v1.customers.list(params={"email": email}).data == []
    assert client.v1.customers.search(params={"query": f"email:'{email}'"}).data == []
    with pytest.raises(stripe.InvalidRequestError, match="No such customer") as err:
        client.v1.customers.update(customer.id, params={"name": "back"})
    assert err.value.http_status == 404


# --------------------------------------------------------------------------- 11. process helpers


def test_stop_recorded_never_signals_a_stranger(tmp_path, monkeypatch, sandbox):
    monkeypatch.setenv("TUTORIAL_STATE_DIR", str(tmp_path))
    stranger = subprocess.Popen(["sleep", "30"])  # noqa: S607 - the pid a reboot handed to another program
    try:
        for url in (f"http://127.0.0.1:{process.free_port()}", sandbox.url):  # nothing there / another sandbox
            (tmp_path / "sandbox.json").write_text(json.dumps({"url": url, "pid": stranger.pid}))
            assert process.stop_recorded() is False
            assert stranger.poll() is None, "stop_recorded signalled a process that is not the sandbox"
    finally:
        stranger.send_signal(signal.SIGKILL)
        stranger.wait()


def test_port_is_free_on_ipv6_loopback():
    try:
        holder = socket.socket(socket.AF_INET6)
        holder.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with holder:
        holder.listen()
        assert process.port_is_free(holder.getsockname()[1], "::1") is False
    assert process.port_is_free(process.free_port(), "::1") is True


def test_ensure_running_from_two_kernels_at_once_starts_one_sandbox(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTORIAL_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("TUTORIAL_SANDBOX_PORT", str(process.free_port()))
    results: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)
    starts: list[int] = []
    real_start = process.start

    def counting_start(*args, **kwargs) -> process.SandboxProcess:
        starts.append(1)
        return real_start(*args, **kwargs)

    monkeypatch.setattr(process, "start", counting_start)

    def kernel() -> None:
        barrier.wait()
        try:
            results.append(process.ensure_running())
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=kernel) for _ in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        assert len(results) == 2 and results[0] == results[1]
        assert len(starts) == 1, "both kernels started a sandbox"
    finally:
        assert process.stop_recorded() is True


# --------------------------------------------------------------------------- 13. the hosted page off the event loop


def test_hosted_page_store_work_does_not_block_the_event_loop(tmp_path):
    store = Store(tmp_path / "page.sqlite3")
    with TestClient(create_app(store), base_url="http://127.0.0.1", headers={"Authorization": f"Bearer {SECRET}"}) as session:
        customer = session.post("/v1/customers").json()
        intent = session.post("/v1/setup_intents", data={
            "confirm": "true", "customer": customer["id"], "payment_method_data[type]": "amazon_pay",
            "return_url": RETURN_URL, "mandate_data[customer_acceptance][type]": ONLINE["type"],
            "mandate_data[customer_acceptance][online][ip_address]": "127.0.0.1",
            "mandate_data[customer_acceptance][online][user_agent]": "device",
        }).json()
        page = urllib.parse.urlsplit(intent["next_action"]["redirect_to_url"]["url"]).path
        assert session.get(page).status_code == 200
        out: dict[str, httpx.Response] = {}
        store.lock.acquire()  # another request's transaction is in progress
        try:
            decide = threading.Thread(
                target=lambda: out.setdefault("decide", session.post(page, data={"action": "authorize"},
                                                                     follow_redirects=False))
            )
            decide.start()
            time.sleep(0.2)  # the decision now waits for the store's lock
            health = threading.Thread(target=lambda: out.setdefault("health", session.get("/health")))
            health.start()
            health.join(5)
            assert "health" in out, "the event loop was blocked by the hosted page's store work"
        finally:
            store.lock.release()
        decide.join(10)
        assert out["decide"].status_code == 303
        assert session.get(f"/v1/setup_intents/{intent['id']}").json()["status"] == "succeeded"
