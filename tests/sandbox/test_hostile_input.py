"""The sandbox under attack (issue 11): authorization and isolation, bounded input, Stripe's
answers to malformed requests. One test (or more) per finding, each failing before its fix."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import urllib.parse
import warnings

import httpx
import pytest

from helpers.sandbox import __main__ as cli
from helpers.sandbox.api.context import Actor
from helpers.sandbox.client import process
from helpers.sandbox.resources import payment_methods, test_clocks
from helpers.sandbox.server import create_app
from helpers.sandbox.shared.errors import StripeError
from helpers.sandbox.state.database import Database
from support.stripe_objects import (
    PUBLISHABLE,
    RETURN_URL,
    SECRET,
    account_store,
    authorized_customer,
    error_of,
    monthly_price,
    redirected_intent,
    subscribe,
    unique_email,
)

with warnings.catch_warnings():  # starlette 1.x would rather have httpx2 drive its TestClient
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

LIVE_SECRET = "sk_live_" + "x" * 24  # built at run time: no key-shaped string in the repository
ACCEPTANCE = {
    "mandate_data[customer_acceptance][type]": "online",
    "mandate_data[customer_acceptance][online][ip_address]": "127.0.0.1",
    "mandate_data[customer_acceptance][online][user_agent]": "device",
}


@pytest.fixture
def pk(sandbox):
    """Stripe.js's view: no Authorization header, the publishable key as ``key=``."""
    with httpx.Client(base_url=sandbox.url, timeout=10) as session:
        yield session


@pytest.fixture
def local(tmp_path, monkeypatch):
    """A factory for the app in this process (test clock thread off), as TestClient sessions."""
    monkeypatch.setattr(test_clocks, "start", lambda room, version: None)
    opened = []

    def make(base_url: str = "http://127.0.0.1", **options) -> TestClient:
        store = Database(tmp_path / f"local{len(opened)}.sqlite3")
        session = TestClient(create_app(store, **options), base_url=base_url,
                             headers={"Authorization": f"Bearer {SECRET}"})
        opened.append(session.__enter__())
        return session

    yield make
    for session in opened:
        session.__exit__(None, None, None)


def open_intent(http: httpx.Client, customer: str | None = None) -> dict:
    """A SetupIntent for a new (or the given) customer, not yet confirmed."""
    customer = customer or http.post("/v1/customers", data={"email": unique_email()}).json()["id"]
    response = http.post("/v1/setup_intents", data={
        "customer": customer, "allowed_payment_method_types[]": "amazon_pay", "usage": "off_session",
    })
    assert response.status_code == 200, response.text
    return response.json()


# --------------------------------------------------------------------------- 1. a PaymentMethod stays with its customer


def test_a_publishable_key_cannot_move_another_customers_payment_method(client, http, pk):
    customer_a, si = authorized_customer(client)
    pm_a = si.payment_method
    sub = subscribe(client, customer_a.id, monthly_price(client).id, pm_a)
    intent_b = open_intent(http)

    response = pk.post(f"/v1/setup_intents/{intent_b['id']}/confirm", data={
        "key": PUBLISHABLE, "client_secret": intent_b["client_secret"], "payment_method": pm_a,
        "return_url": RETURN_URL, "mandate_data[customer_acceptance][type]": "online",
        "mandate_data[customer_acceptance][online][infer_from_client]": "true",
    })

    assert response.status_code == 400, response.text
    assert error_of(response)["param"] == "payment_method"
    assert error_of(response)["code"] == "payment_method_unexpected_state"
    assert client.v1.payment_methods.retrieve(pm_a).customer == customer_a.id
    assert [pm.id for pm in client.v1.customers.payment_methods.list(customer_a.id).data] == [pm_a]
    assert client.v1.subscriptions.retrieve(sub.id).default_payment_method == pm_a
    assert http.get(f"/v1/setup_intents/{intent_b['id']}").json()["status"] == "requires_payment_method"


def test_secret_key_paths_refuse_another_customers_payment_method(client, http):
    _, si = authorized_customer(client)
    intent_b = open_intent(http)
    confirm = http.post(f"/v1/setup_intents/{intent_b['id']}/confirm", data={
        "payment_method": si.payment_method, "return_url": RETURN_URL, **ACCEPTANCE})
    update = http.post(f"/v1/setup_intents/{intent_b['id']}", data={"payment_method": si.payment_method})
    customer_b = http.post("/v1/customers").json()["id"]
    create = http.post("/v1/setup_intents", data={
        "customer": customer_b, "payment_method": si.payment_method, "confirm": "true",
        "return_url": RETURN_URL, **ACCEPTANCE})
    for response in (confirm, update, create):
        assert response.status_code == 400, response.text
        assert error_of(response)["param"] == "payment_method"


def test_attach_itself_never_moves_a_payment_method(client, sandbox):
    customer_a, si = authorized_customer(client)
    other = client.v1.customers.create()
    store = account_store(sandbox.db)
    pm = store.get("payment_method", si.payment_method)
    with pytest.raises(StripeError, match="attached to another Customer"):
        payment_methods.attach(Actor(store, "2026-01-01"), pm, other.id)
    assert client.v1.payment_methods.retrieve(si.payment_method).customer == customer_a.id


# --------------------------------------------------------------------------- 2. replays respect the key's kind


def test_a_publishable_key_cannot_replay_a_secret_keys_answer(http, sandbox):
    customer = http.post("/v1/customers", data={"email": unique_email()}).json()["id"]
    intent = http.post("/v1/setup_intents", data={
        "customer": customer, "allowed_payment_method_types[]": "amazon_pay", "metadata[internal]": "secret"}).json()
    form = {"client_secret": intent["client_secret"], "payment_method_data[type]": "amazon_pay",
            "return_url": RETURN_URL, **ACCEPTANCE}
    key = {"Idempotency-Key": unique_email()}
    first = http.post(f"/v1/setup_intents/{intent['id']}/confirm", data=form, headers=key)
    assert first.status_code == 200 and first.json()["metadata"] == {"internal": "secret"}

    replay = httpx.post(f"{sandbox.url}/v1/setup_intents/{intent['id']}/confirm", data=form,
                        headers={**key, "Authorization": f"Bearer {PUBLISHABLE}"})

    assert replay.status_code == 400, replay.text
    assert error_of(replay)["type"] == "idempotency_error"
    assert "metadata" not in replay.text and customer not in replay.text


# --------------------------------------------------------------------------- 3. one key per request


def test_a_live_key_in_the_body_is_refused_even_with_a_header(http):
    response = http.post("/v1/customers", data={"key": LIVE_SECRET})
    assert response.status_code == 401
    assert "test keys only" in error_of(response)["message"]


def test_two_authorization_headers_are_refused(sandbox):
    for second in (f"Bearer {LIVE_SECRET}", f"Bearer {SECRET}x"):
        response = httpx.get(f"{sandbox.url}/v1/customers", headers=[
            ("Authorization", f"Bearer {SECRET}"), ("Authorization", second)])
        assert response.status_code == 401, response.text
    assert "Send exactly one" in error_of(response)["message"]


def test_a_header_and_a_key_parameter_are_refused(sandbox):
    response = httpx.get(f"{sandbox.url}/v1/customers", params={"key": PUBLISHABLE},
                         headers={"Authorization": f"Bearer {SECRET}"})
    assert response.status_code == 401
    assert "2 API keys" in error_of(response)["message"]


# --------------------------------------------------------------------------- 4. DNS rebinding: loopback Host names only


def test_other_host_names_are_refused(sandbox):
    port = urllib.parse.urlsplit(sandbox.url).port
    for path in ("/v1/customers", "/health", "/js/stripe.js", "/pm-redirects/authorize/setatt_x"):
        response = httpx.get(sandbox.url + path, auth=(SECRET, ""), headers={"Host": f"evil.example:{port}"})
        assert response.status_code == 400, (path, response.text)
        assert "Host" in error_of(response)["message"]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", "LOCALHOST"):
        assert httpx.get(sandbox.url + "/v1/customers", auth=(SECRET, ""), headers={"Host": host}).status_code == 200


def test_the_host_header_is_never_reflected_into_urls(sandbox, http):
    customer = http.post("/v1/customers").json()["id"]
    port = urllib.parse.urlsplit(sandbox.url).port
    intent = http.post("/v1/setup_intents", headers={"Host": f"localhost:{port}"}, data={
        "customer": customer, "confirm": "true", "payment_method_data[type]": "amazon_pay",
        "return_url": RETURN_URL, **ACCEPTANCE}).json()
    assert intent["next_action"]["redirect_to_url"]["url"].startswith(sandbox.url + "/pm-redirects/")


def test_the_configured_public_url_is_accepted(local):
    hub = local("https://hub.example", public_url="https://hub.example/user/jo/proxy/12111")
    assert hub.get("/v1/customers").status_code == 200
    proxied = local("https://hub.example", public_url="/user/jo/proxy/12111")
    assert proxied.get("/v1/customers").status_code == 400
    forwarded = proxied.get("/v1/customers", headers={"X-Forwarded-Context": "/user/jo/proxy/12111"})
    assert forwarded.status_code == 200


# --------------------------------------------------------------------------- 5. webhook endpoints stay on this machine


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data", "https://example.com/hook", "http://10.0.0.1:8080/",
    "http://user:secret@127.0.0.1:9/hook", "http://127.0.0.1:notaport/", "ftp://127.0.0.1/",
])
def test_webhook_endpoints_outside_this_machine_are_refused(http, url):
    response = http.post("/v1/webhook_endpoints", data={"url": url, "enabled_events[]": "*"})
    assert response.status_code == 400, response.text
    assert (error_of(response)["code"], error_of(response)["param"]) == ("url_invalid", "url")


def test_webhook_endpoints_on_loopback_are_accepted_and_updates_are_checked(http):
    for url in ("http://127.0.0.1:9/hook", "http://localhost:9/", "http://[::1]:9/"):
        created = http.post("/v1/webhook_endpoints", data={"url": url, "enabled_events[]": "*"})
        assert created.status_code == 200, created.text
        http.delete(f"/v1/webhook_endpoints/{created.json()['id']}")
    endpoint = http.post("/v1/webhook_endpoints", data={"url": "http://127.0.0.1:9/", "enabled_events[]": "*"}).json()
    moved = http.post(f"/v1/webhook_endpoints/{endpoint['id']}", data={"url": "http://169.254.169.254/"})
    assert moved.status_code == 400
    assert http.get(f"/v1/webhook_endpoints/{endpoint['id']}").json()["url"] == "http://127.0.0.1:9/"
    http.delete(f"/v1/webhook_endpoints/{endpoint['id']}")


def test_serve_option_allows_a_named_host(local, monkeypatch):
    captured = {}
    monkeypatch.setattr(cli, "serve", lambda args: captured.setdefault("hosts", args.webhook_host) and 0)
    cli.main(["serve", "--webhook-host", "hooks.example", "--webhook-host", "other.example"])
    assert captured["hosts"] == ["hooks.example", "other.example"]
    session = local(webhook_hosts=["hooks.example"])
    ok = session.post("/v1/webhook_endpoints", data={"url": "https://hooks.example/in", "enabled_events[]": "*"})
    assert ok.status_code == 200, ok.text
    refused = session.post("/v1/webhook_endpoints", data={"url": "https://other.example/in", "enabled_events[]": "*"})
    assert refused.status_code == 400


# --------------------------------------------------------------------------- 6. return_url as Stripe validates it


@pytest.mark.parametrize("url", [
    "javascript:alert(document.domain)", "data:text/html,<script>alert(1)</script>", "//evil.example/x",
    "not a url", "https://", "myapp:", "JavaScript:alert(1)", "https://shop.example/" + "x" * 5000,
])
def test_invalid_return_urls_are_refused(http, pk, url):
    customer = http.post("/v1/customers").json()["id"]
    create = http.post("/v1/setup_intents", data={
        "customer": customer, "confirm": "true", "payment_method_data[type]": "amazon_pay", "return_url": url,
        **ACCEPTANCE})
    intent = open_intent(http)
    confirm = pk.post(f"/v1/setup_intents/{intent['id']}/confirm", data={
        "key": PUBLISHABLE, "client_secret": intent["client_secret"], "payment_method_data[type]": "amazon_pay",
        "return_url": url, "mandate_data[customer_acceptance][type]": "online",
        "mandate_data[customer_acceptance][online][infer_from_client]": "true"})
    for response in (create, confirm):
        assert response.status_code == 400, response.text
        assert (error_of(response)["code"], error_of(response)["param"]) == ("url_invalid", "return_url")
    assert http.get(f"/v1/setup_intents/{intent['id']}").json()["status"] == "requires_payment_method"


@pytest.mark.parametrize("url", ["https://shop.example/return?x=1", "http://127.0.0.1:8000/r", "myapp://stripe-redirect"])
def test_valid_return_urls_and_app_schemes_are_accepted(http, url):
    customer = http.post("/v1/customers").json()["id"]
    response = http.post("/v1/setup_intents", data={
        "customer": customer, "confirm": "true", "payment_method_data[type]": "amazon_pay", "return_url": url,
        **ACCEPTANCE})
    assert response.status_code == 200, response.text
    assert response.json()["next_action"]["redirect_to_url"]["return_url"] == url


# --------------------------------------------------------------------------- 7. the hosted page: no framing, own origin only


def redirect_page(http: httpx.Client) -> tuple[dict, str]:
    customer = http.post("/v1/customers").json()["id"]
    intent = http.post("/v1/setup_intents", data={
        "customer": customer, "confirm": "true", "payment_method_data[type]": "amazon_pay",
        "return_url": RETURN_URL, **ACCEPTANCE}).json()
    return intent, intent["next_action"]["redirect_to_url"]["url"]


def test_the_hosted_page_may_not_be_framed(http):
    _, url = redirect_page(http)
    response = httpx.get(url)
    assert response.status_code == 200
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_the_hosted_page_refuses_a_post_from_another_origin(http, sandbox):
    intent, url = redirect_page(http)
    for origin in ("https://evil.example", "null"):
        forged = httpx.post(url, data={"action": "authorize"}, headers={"Origin": origin})
        assert forged.status_code == 403, forged.text
    assert http.get(f"/v1/setup_intents/{intent['id']}").json()["status"] == "requires_action"
    own = httpx.post(url, data={"action": "authorize"}, headers={"Origin": sandbox.url}, follow_redirects=False)
    assert own.status_code == 303
    assert http.get(f"/v1/setup_intents/{intent['id']}").json()["status"] == "succeeded"


# --------------------------------------------------------------------------- 10. bounded bodies, parsed off the event loop


def test_a_body_over_the_limit_gets_413_in_stripes_envelope(http):
    huge = "&".join(["expand[]=x"] * 200_000).encode()  # 2 MB
    response = http.post("/v1/customers", content=huge,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert error_of(response)["type"] == "invalid_request_error"
    assert "larger than the sandbox accepts" in error_of(response)["message"]


def test_a_chunked_body_over_the_limit_gets_413(http):
    def chunks():
        for _ in range(40):
            yield b"description=" + b"x" * 50_000 + b"&"

    response = http.post("/v1/customers", content=chunks(),
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413


def test_too_many_fields_are_refused(http):
    pairs = "&".join(f"a{i}=1" for i in range(1_500))
    response = http.post("/v1/customers", content=pairs,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400
    assert "more than 1000 parameters" in error_of(response)["message"]


def test_parsing_runs_off_the_event_loop(local, monkeypatch):
    """Form parsing of a body larger than a quick request's (and everything after it) runs in a
    worker thread, where no event loop runs: a large body no longer holds /health and every
    other request. (Small requests to quick routes are answered on the loop: test_sandbox_speed.)"""
    from helpers.sandbox.api import pipeline as app

    loops = []

    def recording(request, body):
        try:
            loops.append(asyncio.get_running_loop())
        except RuntimeError:
            loops.append(None)
        return original(request, body)

    original = app.form_pairs
    monkeypatch.setattr(app, "form_pairs", recording)
    description = "x" * 5000  # the longest string Stripe takes: a body over app.QUICK_BYTES
    assert len(description) > app.QUICK_BYTES
    assert local().post("/v1/customers", data={"description": description}).status_code == 200
    assert loops == [None]


# --------------------------------------------------------------------------- 10. Stripe's documented limits


def test_metadata_limits(http):
    too_many = http.post("/v1/customers", data={f"metadata[k{i}]": "v" for i in range(51)})
    assert too_many.status_code == 400
    assert error_of(too_many)["message"] == "Metadata can have up to 50 keys, but you've set 51."
    assert error_of(too_many)["param"] == "metadata"
    long_key = http.post("/v1/customers", data={"metadata[" + "k" * 41 + "]": "v"})
    assert long_key.status_code == 400 and "Invalid key" in error_of(long_key)["message"]
    long_value = http.post("/v1/customers", data={"metadata[k]": "v" * 501})
    assert long_value.status_code == 400 and "Invalid val" in error_of(long_value)["message"]
    exact = http.post("/v1/customers", data={**{f"metadata[k{i}]": "v" * 500 for i in range(49)}, "metadata[" + "k" * 40 + "]": "v"})
    assert exact.status_code == 200, exact.text


def test_metadata_limit_counts_the_merged_keys(http):
    customer = http.post("/v1/customers", data={f"metadata[a{i}]": "v" for i in range(30)}).json()
    more = http.post(f"/v1/customers/{customer['id']}", data={f"metadata[b{i}]": "v" for i in range(21)})
    assert more.status_code == 400
    assert error_of(more)["message"] == "Metadata can have up to 50 keys, but you've set 51."
    assert len(http.get(f"/v1/customers/{customer['id']}").json()["metadata"]) == 30


def test_strings_are_at_most_5000_characters(http):
    response = http.post("/v1/customers", data={"description": "x" * 5001})
    assert response.status_code == 400
    assert error_of(response)["param"] == "description"
    assert len(response.text) < 1000  # the value is not echoed in full
    assert http.post("/v1/customers", data={"description": "x" * 5000}).status_code == 200


# --------------------------------------------------------------------------- 11. deep nesting, one log line per error


def test_deep_bracket_nesting_is_a_400(http):
    response = http.post("/v1/customers", data={"metadata" + "[a]" * 500: "1"})
    assert response.status_code == 400
    assert error_of(response)["code"] == "parameter_unknown"
    assert len(response.text) < 1000


def test_a_sandbox_bug_logs_one_line(local, caplog, monkeypatch):
    from helpers.sandbox.resources import customers

    session = local()

    def broken(req):
        raise RuntimeError("boom " + "x" * 5000)

    route = customers.api.resolve("GET", "/v1/customers")[0]
    routes = [dataclasses.replace(r, handler=broken) if r is route else r for r in customers.api.routes]
    monkeypatch.setattr(customers.api, "routes", routes)
    with caplog.at_level(logging.ERROR, logger="helpers.sandbox"):
        response = session.get("/v1/customers")
    assert response.status_code == 500
    assert error_of(response)["type"] == "api_error"
    lines = [r.getMessage() for r in caplog.records if r.name == "helpers.sandbox"]
    assert len(lines) == 1 and "\n" not in lines[0]
    assert "RuntimeError" in lines[0] and "test_hostile_input.py" in lines[0]
    assert len(lines[0]) < 800


def test_the_log_is_rotated_when_large(tmp_path):
    log = tmp_path / "sandbox.log"
    log.write_bytes(b"x" * (process.LOG_MAX_BYTES + 1))
    process.rotate(log)
    assert not log.exists() and (tmp_path / "sandbox.log.1").stat().st_size > process.LOG_MAX_BYTES
    log.write_text("small")
    process.rotate(log)
    assert log.read_text() == "small"


# --------------------------------------------------------------------------- 12. expand on events


def test_expand_on_an_event_is_a_400(http):
    http.post("/v1/customers")
    event = http.get("/v1/events", params={"limit": 1}).json()["data"][0]
    for path in ("data.x", "data.object", "data.object.x"):
        single = http.get(f"/v1/events/{event['id']}", params={"expand[]": path})
        assert single.status_code == 400, (path, single.text)
        assert error_of(single)["param"] == "expand"
    listed = http.get("/v1/events", params={"expand[]": "data.data.x", "limit": 1})
    assert listed.status_code == 400, listed.text


# --------------------------------------------------------------------------- 13. every answer under /v1 in Stripe's envelope


def test_a_non_utf8_post_to_the_hosted_page_is_a_400_page(http):
    _, url = redirect_page(http)
    response = httpx.post(url, content=b"action=\xff\xfe", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("method", ["PUT", "PATCH", "TRACE", "OPTIONS"])
def test_other_methods_get_stripes_envelope(http, method):
    response = http.request(method, "/v1/customers")
    assert response.status_code == 404
    assert f"Unrecognized request URL ({method}: /v1/customers)" in error_of(response)["message"]


def test_head_and_double_slash_paths_get_stripes_answers(http, sandbox):
    head = http.head("/v1/customers")  # read as a GET, without the body
    assert (head.status_code, head.headers["content-type"], head.content) == (200, "application/json", b"")
    response = httpx.get(f"{sandbox.url}//v1/customers", auth=(SECRET, ""))
    assert response.status_code == 404
    assert "Unrecognized request URL" in error_of(response)["message"]


def test_long_ids_are_not_echoed_in_full(http):
    long_id = "cus_" + "x" * 20_000
    response = http.get(f"/v1/customers/{long_id}")
    assert response.status_code == 404
    assert len(response.text) < 1000
    unknown = http.get("/v1/" + "y" * 20_000)
    assert unknown.status_code == 404 and len(unknown.text) < 1000


# --------------------------------------------------------------------------- 14. strict parsing, as Stripe's


def test_nested_metadata_is_refused(http):
    response = http.post("/v1/customers", data={"metadata[a][b]": "1"})
    assert response.status_code == 400
    assert error_of(response)["message"].startswith("Invalid val: {\"b\": \"1\"}")


def test_only_ascii_digits_are_numbers(client, http):
    product = client.v1.products.create(params={"name": "Digits"})
    for value in ("٣", "３", "1٣"):
        response = http.post("/v1/prices", data={"product": product.id, "currency": "usd", "unit_amount": value})
        assert response.status_code == 400, value
        assert error_of(response)["code"] == "parameter_invalid_integer"
        decimal = http.post("/v1/prices", data={"product": product.id, "currency": "usd", "unit_amount_decimal": value})
        assert error_of(decimal)["code"] == "parameter_invalid_decimal"


def test_invalid_utf8_is_refused_not_replaced(http):
    response = http.post("/v1/customers", content=b"name=%ff", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400
    assert "UTF-8" in error_of(response)["message"]


@pytest.mark.parametrize("body", [
    "preferred_locales[]=en&preferred_locales[0]=fr", "preferred_locales[0]=fr&preferred_locales[]=en",
    "name[a]=1&name=x", "name=x&name[a]=1",
])
def test_ambiguous_names_are_refused(http, body):
    response = http.post("/v1/customers", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400, response.text
    assert error_of(response)["code"] == "parameter_unknown"


def test_a_cursor_of_another_type_is_refused(http):
    price_id = http.post("/v1/products", data={"name": "Cursor", "default_price_data[currency]": "usd",
                                                "default_price_data[unit_amount]": "100"}).json()["default_price"]
    response = http.get("/v1/customers", params={"starting_after": price_id})
    assert response.status_code == 404
    assert (error_of(response)["code"], error_of(response)["param"]) == ("resource_missing", "starting_after")


@pytest.mark.parametrize("token", ["abc", "-1", "٣", "1" * 40])
def test_an_invalid_search_page_is_refused(http, token):
    response = http.get("/v1/customers/search", params={"query": "email:'x@example.com'", "page": token})
    assert response.status_code == 400
    assert error_of(response)["param"] == "page"


def test_unbounded_numbers_are_refused(client, http):
    for field, value in (("balance", "100000000000"), ("next_invoice_sequence", "0"),
                         ("next_invoice_sequence", "10000000000"), ("balance", str(2**64))):
        response = http.post("/v1/customers", data={field: value})
        assert response.status_code == 400, (field, value)
        assert (error_of(response)["code"], error_of(response)["param"]) == ("parameter_invalid_integer", field)
    customer, si = authorized_customer(client)
    sub = subscribe(client, customer.id, monthly_price(client).id, si.payment_method)
    for value in ("99999999999999", str(2**63)):
        response = http.post(f"/v1/subscriptions/{sub.id}", data={"cancel_at": value})
        assert response.status_code == 400, value
        assert error_of(response)["param"] == "cancel_at"
    assert http.post(f"/v1/subscriptions/{sub.id}", data={"next_invoice_sequence": "1"}).status_code == 400


# --------------------------------------------------------------------------- 25. customer email, validated as Stripe does


@pytest.mark.parametrize("email", ["not-an-email", "name@com", " jenny@example.com", "x@.example.com", "p＠example.com"])
def test_an_invalid_email_is_refused(http, email):
    created = http.post("/v1/customers", data={"email": email})
    customer = http.post("/v1/customers", data={"email": "jenny.rosen@example.com"}).json()
    updated = http.post(f"/v1/customers/{customer['id']}", data={"email": email})
    for response in (created, updated):
        assert response.status_code == 400, response.text
        error = error_of(response)
        assert (error["code"], error["param"]) == ("email_invalid", "email")
        assert error["message"] == f"Invalid email address: {email}"
    assert http.get(f"/v1/customers/{customer['id']}").json()["email"] == "jenny.rosen@example.com"


def test_valid_emails_are_accepted(http):
    for email in ("o'brien@example.co.uk", "jenny+test@example.com", "jürgen@münchen.de"):
        assert http.post("/v1/customers", data={"email": email}).status_code == 200, email


def test_publishable_key_may_expand_only_the_payment_method(sandbox, http):
    intent = redirected_intent(http, **{"payment_method_data[metadata][internal]": "secret"})
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
