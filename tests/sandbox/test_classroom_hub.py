"""Issue 12: a classroom sandbox as a JupyterHub service, reached from other pods.

``serve --classroom --host ADDRESS`` listens beyond loopback only when asked, for a classroom,
with the names it is reached by (``--allow-host``, the public URL's host), and says so loudly;
any other Host is still refused. Here ``127.0.0.2`` stands for the pod's address: it is not one
of the three loopback names ``serve`` accepts by default, and no traffic leaves this machine.
"""

from __future__ import annotations

import subprocess
import sys
import time
import warnings

import httpx
import pytest

from helpers import settings
from helpers.sandbox.client import process
from helpers.sandbox.server import create_app
from helpers.sandbox.shared.ids import random_token
from helpers.sandbox.state.database import Database
from support.stripe_objects import make_client
from support.waiting import PATIENCE

with warnings.catch_warnings():  # starlette 1.x would rather have httpx2 drive its TestClient
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

PUBLIC = "https://hub.test/services/stripe-sandbox/"


def serve(tmp_path, *args: str, wait: bool = True) -> tuple[subprocess.Popen, int]:
    port = process.free_port()
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "helpers.sandbox", "serve", "--port", str(port), "--db", str(tmp_path / "room.sqlite3"),
         *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    if wait:
        deadline = time.monotonic() + PATIENCE
        while proc.poll() is None and time.monotonic() < deadline:
            if process.health(f"http://127.0.0.2:{port}", 0.5):
                break
            time.sleep(0.1)
    return proc, port


def stopped(proc: subprocess.Popen) -> tuple[str, str]:
    if proc.poll() is None:
        proc.terminate()
    return proc.communicate(timeout=10)


@pytest.mark.parametrize(("args", "says"), [
    (["--host", "127.0.0.2"], "Only a classroom sandbox"),
    (["--host", "127.0.0.2", "--classroom"], "--public-url"),
    (["--host", "127.0.0.2", "--classroom", "--public-url", PUBLIC], "--allow-host"),
])
def test_listening_beyond_loopback_needs_a_classroom_and_its_names(tmp_path, args, says):
    proc, _ = serve(tmp_path, *args, wait=False)
    assert proc.wait(20) == 2
    assert says in stopped(proc)[1]


def test_a_classroom_sandbox_as_a_hub_service(tmp_path):
    proc, port = serve(tmp_path, "--classroom", "--host", "127.0.0.2", "--public-url", PUBLIC, "--allow-host", "hub")
    try:
        direct = f"http://127.0.0.2:{port}"
        assert process.health(direct)["public_url"] == PUBLIC
        key = "sk_test_" + random_token(32)
        auth = {"Authorization": f"Bearer {key}"}
        # Learners' kernels: TUTORIAL_SANDBOX_URL=http://hub:<port>
        created = httpx.post(f"{direct}/v1/customers", headers={**auth, "Host": f"hub:{port}"}, data={"name": "Ada"})
        assert created.status_code == 200, created.text
        # Browsers, through the hub's proxy: the public host, the whole path
        page = httpx.get(f"{direct}/services/stripe-sandbox/", headers={"Host": "hub.test"})
        assert page.status_code == 200 and "Stripe sandbox" in page.text
        listed = httpx.get(f"{direct}/services/stripe-sandbox/v1/customers", headers={**auth, "Host": "hub.test"})
        assert [c["id"] for c in listed.json()["data"]] == [created.json()["id"]]
        trainer = httpx.get(f"{direct}/services/stripe-sandbox/trainer/login", headers={"Host": "hub.test"})
        assert trainer.status_code == 200  # the trainer's view, under the same prefix
        # Any other name is refused, as on a laptop (DNS rebinding)
        refused = httpx.get(f"{direct}/v1/customers", headers={**auth, "Host": "evil.example"})
        assert refused.status_code == 400
        # Objects carry the public URL for browsers; notebooks load Stripe.js from there
        client = make_client(direct, key)
        invoice_url = open_invoice_url(client)
        assert invoice_url.startswith(PUBLIC + "i/")
        settings._announced.pop(direct, None)
        assert settings.sandbox_browser_url(direct) == PUBLIC.rstrip("/")
    finally:
        out, err = stopped(proc)
    assert "WARNING: this sandbox listens on 127.0.0.2" in err
    assert f"TUTORIAL_SANDBOX_URL=http://hub:{port}" in out
    assert f"Browsers reach it at {PUBLIC}" in out
    assert f"{PUBLIC}trainer/login#token=" in out


def open_invoice_url(client) -> str:
    customer = client.v1.customers.create(params={"email": "room@example.com"})
    product = client.v1.products.create(params={"name": "Room plan"})
    price = client.v1.prices.create(params={
        "product": product.id, "unit_amount": 1500, "currency": "usd", "recurring": {"interval": "month"}})
    sub = client.v1.subscriptions.create(params={
        "customer": customer.id, "items": [{"price": price.id}], "payment_behavior": "default_incomplete"})
    return client.v1.invoices.retrieve(sub.latest_invoice).hosted_invoice_url


@pytest.mark.parametrize(("remote", "status"), [(False, 403), (True, 200)])
def test_a_learners_reset_from_another_machine_needs_a_sandbox_that_listens_there(tmp_path, remote, status):
    """Starlette's test client comes from the address "testclient", not loopback."""
    app = create_app(Database(tmp_path / "reset.sqlite3"), classroom=True, remote_clients=remote)
    key = "sk_test_" + random_token(32)
    client = TestClient(app, base_url="http://127.0.0.1")
    client.post("/v1/customers", headers={"Authorization": f"Bearer {key}"})
    answer = client.post("/_sandbox/reset", headers={"Authorization": f"Bearer {key}", "X-Sandbox-Control": "reset"})
    assert answer.status_code == status, answer.text


@pytest.mark.parametrize(("path", "host", "wanted"), [
    ("/services/stripe-sandbox", "hub.test", PUBLIC),  # a learner's browser, through the hub's proxy
    ("", "127.0.0.1", "http://127.0.0.1/"),  # a headless browser beside the kernel, directly
])
def test_stripe_js_is_sent_back_the_way_it_came(tmp_path, path, host, wanted):
    from helpers.sandbox.shared.contract import publishable_key_for

    app = create_app(Database(tmp_path / "js.sqlite3"), public_url=PUBLIC, classroom=True, allowed_hosts=("hub",))
    key = "sk_test_" + random_token(32)
    kernel = TestClient(app, base_url="http://hub", headers={"Authorization": f"Bearer {key}"})
    customer = kernel.post("/v1/customers").json()["id"]
    intent = kernel.post("/v1/setup_intents", data={"customer": customer}).json()
    assert "id" in intent, intent
    browser = TestClient(app, base_url=f"http://{host}")
    confirmed = browser.post(f"{path}/v1/setup_intents/{intent['id']}/confirm", data={
        "key": publishable_key_for(key), "client_secret": intent["client_secret"],
        "payment_method_data[type]": "amazon_pay", "return_url": "https://shop.example/done",
        "mandate_data[customer_acceptance][type]": "online",
        "mandate_data[customer_acceptance][online][infer_from_client]": "true"})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["next_action"]["redirect_to_url"]["url"].startswith(wanted + "pm-redirects/authorize/")
