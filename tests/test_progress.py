"""Stored IDs and catch-up (helpers.progress)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import stripe

from helpers import progress

ROOT = Path(__file__).resolve().parents[1]
FAKE_SECRET = "sk_test_" + "Fake" * 6 + "4xYz"


@pytest.fixture
def state(monkeypatch, tmp_path):
    """Sandbox mode with progress under tmp_path; no authorize hook."""
    for name in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "TUTORIAL_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TUTORIAL_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("TUTORIAL_ENV_FILE", str(tmp_path / "none.env"))
    monkeypatch.setattr(progress, "authorize", None)
    return tmp_path


def test_remember_recall_require_reset(state):
    assert progress.recall("customer") is None
    assert progress.remember("customer", "cus_123") == "cus_123"
    assert progress.recall("customer") == "cus_123"
    assert progress.require("customer") == "cus_123"
    assert progress.recorded() == {"customer": "cus_123"}
    progress.reset()
    assert progress.recall("customer") is None


def test_require_names_the_notebook_and_catch_up(state):
    with pytest.raises(progress.MissingStep) as caught:
        progress.require("customer")
    assert str(caught.value) == (
        "No customer yet: run notebooks/02_customer.ipynb first, or run the catch-up cell "
        "`progress.catch_up('customer')`."
    )
    with pytest.raises(progress.MissingStep, match="04_redirect_with_stripe_js"):
        progress.require("payment_method")


def test_require_offers_no_catch_up_for_what_only_its_notebook_makes(state):
    """The message offered a catch-up that cannot make a webhook endpoint."""
    with pytest.raises(progress.MissingStep) as caught:
        progress.require("webhook_endpoint")
    assert str(caught.value) == (
        "No webhook_endpoint yet: run notebooks/06_webhooks.ipynb first, then this cell again.")


def test_forget(state):
    progress.remember("price", "price_1")
    progress.remember("product", "prod_1")
    progress.forget("price")
    assert progress.recorded() == {"product": "prod_1"}


def test_file_per_mode_and_account_without_the_key(state, monkeypatch):
    progress.remember("customer", "cus_sandbox")
    assert progress.path() == state / "progress" / "sandbox.json"
    monkeypatch.setenv("STRIPE_SECRET_KEY", FAKE_SECRET)
    stripe_file = progress.path()
    assert stripe_file.parent == state / "progress" and stripe_file.name.startswith("acct-")
    assert progress.recall("customer") is None  # test mode has its own progress
    progress.remember("customer", "cus_testmode")
    assert "Fake" not in stripe_file.name and "Fake" not in stripe_file.read_text()
    monkeypatch.delenv("STRIPE_SECRET_KEY")
    assert progress.recall("customer") == "cus_sandbox"


def test_writes_leave_no_temporary_files(state):
    for i in range(5):
        progress.remember(f"thing{i}", f"id_{i}")
    progress.forget("thing0")
    # The lock file stays on purpose (deleting it would let two writers hold different locks).
    assert sorted(p.name for p in (state / "progress").iterdir()) == ["sandbox.json", "sandbox.json.lock"]


def test_concurrent_writers_lose_nothing(state):
    """Several kernels remembering at the same moment: every name survives."""
    writers, names_each = 6, 25
    start = time.time() + 3  # after every child has imported helpers
    code = (
        "import sys, time\n"
        "from helpers import progress\n"
        "w, n, start = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])\n"
        "time.sleep(max(0.0, start - time.time()))\n"
        "for i in range(n):\n"
        "    progress.remember(f'w{w}_{i}', f'id_{w}_{i}')\n"
        "progress.forget(f'w{w}_0')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [
        subprocess.Popen([sys.executable, "-c", code, str(w), str(names_each), str(start)], cwd=ROOT, env=env)
        for w in range(writers)
    ]
    assert [child.wait(timeout=60) for child in children] == [0] * writers
    expected = {f"w{w}_{i}": f"id_{w}_{i}" for w in range(writers) for i in range(1, names_each)}
    assert progress.recorded() == expected


def test_progress_survives_across_processes(state):
    code = "from helpers import progress; progress.remember('subscription', 'sub_from_child')"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=env, timeout=60)
    assert progress.recall("subscription") == "sub_from_child"
    progress.remember("customer", "cus_from_parent")
    code = "from helpers import progress; print(progress.require('customer'))"
    out = subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=env, timeout=60,
                         capture_output=True, text=True)
    assert out.stdout.strip() == "cus_from_parent"


def test_catch_up_product_and_price(state, client):
    ids = progress.catch_up("price", client=client)
    price = client.v1.prices.retrieve(ids["price"])
    assert (price.unit_amount, price.currency, price.recurring.interval) == (1500, "usd", "month")
    assert price.product == progress.recall("product")
    assert client.v1.products.retrieve(price.product).name == "Stock photo service"
    assert progress.catch_up("price", "product", client=client) == {
        "price": ids["price"], "product": price.product}


def test_catch_up_customer_reuses_the_guide_customer(state, client, monkeypatch):
    # The sandbox is shared by the session: an email of this test's own keeps others' customers out.
    email = f"jenny.rosen+{uuid.uuid4().hex[:8]}@example.com"
    monkeypatch.setitem(progress.GUIDE_CUSTOMER, "email", email)
    first = progress.catch_up("customer", client=client)["customer"]
    customer = client.v1.customers.retrieve(first)
    assert (customer.email, customer.name) == (email, "Jenny Rosen")
    assert customer.description == "My First Test Customer (created for API docs)"
    progress.reset()
    assert progress.catch_up("customer", client=client)["customer"] == first


def test_catch_up_refuses_what_it_cannot_create(state, client):
    with pytest.raises(progress.CatchUpError, match="06_webhooks"):
        progress.catch_up("webhook_endpoint", client=client)


def test_catch_up_makes_notebook_07s_subscription_on_a_test_clock(state, client, monkeypatch):
    """Notebook 08 started first: it needs 07's test clock, customer and subscription."""
    monkeypatch.setattr(progress, "authorize", progress.authorize_on_sandbox_page)
    ids = progress.catch_up("clock_subscription", client=client)
    subscription = client.v1.subscriptions.retrieve(ids["clock_subscription"])
    clock = client.v1.test_helpers.test_clocks.retrieve(progress.require("test_clock"))
    customer = client.v1.customers.retrieve(subscription.customer)
    assert (subscription.status, customer.id, customer.test_clock) == ("active", progress.require("clock_customer"), clock.id)
    assert clock.frozen_time == progress.CLOCK["frozen_time"] and subscription.default_payment_method
    assert progress.catch_up("clock_subscription", client=client) == ids  # nothing new the second time
    client.v1.test_helpers.test_clocks.delete(clock.id)  # takes its customer and subscription with it
    again = progress.catch_up("clock_subscription", client=client)["clock_subscription"]
    assert again != ids["clock_subscription"] and progress.require("test_clock") != clock.id


def test_catch_up_of_the_clock_subscription_needs_an_authorization(state, client):
    with pytest.raises(progress.CatchUpError, match="07_renewals"):
        progress.catch_up("clock_subscription", client=client)  # no authorize hook: a browser is needed


def test_catch_up_payment_method_waits_for_authorization(state, client, monkeypatch):
    seen: list[str] = []
    monkeypatch.setattr(progress, "authorize", seen.append)
    try:
        with pytest.raises(progress.CatchUpError, match="waits for the customer's authorization"):
            progress.catch_up("payment_method", client=client)
    except stripe.InvalidRequestError as error:  # the sandbox's SetupIntent routes are not there yet
        if error.http_status == 404:
            pytest.skip("sandbox has no /v1/setup_intents yet")
        raise
    intent = client.v1.setup_intents.retrieve(progress.require("setup_intent"))
    assert intent.status == "requires_action"
    assert seen == [intent.next_action.redirect_to_url.url]
    assert progress.recall("payment_method") is None


# --- the sandbox page through JupyterHub's proxy ----------------------------------------------


def guide_setup_intent(client):
    customer = client.v1.customers.create(params={"email": "jenny.rosen@example.com"})
    return client.v1.setup_intents.create(params={
        "confirm": True, "customer": customer.id, "payment_method_data": {"type": "amazon_pay"},
        "usage": "off_session", "mandate_data": progress.GUIDE_MANDATE, "return_url": progress.GUIDE_RETURN_URL,
    })


def test_authorize_through_the_jupyterhub_proxy_path(state, client, sandbox):
    intent = guide_setup_intent(client)
    direct = urllib.parse.urlsplit(intent.next_action.redirect_to_url.url)
    assert direct.path.startswith("/pm-redirects/authorize/")
    # What the sandbox hands out behind JupyterHub: a path through the proxy, no host.
    proxied = f"/user/jenny/proxy/{sandbox.port}{direct.path}"
    progress.authorize_on_sandbox_page(proxied)
    assert client.v1.setup_intents.retrieve(intent.id).status == "succeeded"


def test_authorize_refuses_pages_that_are_not_the_sandbox(state):
    for url in ("https://hooks.stripe.com/redirect/authenticate/src_1", "/user/jenny/lab/tree/x",
                "https://hub.example.com/user/jenny/proxy/12111/pm-redirects/authorize/setatt_1"):
        with pytest.raises(progress.CatchUpError, match="in a browser"):
            progress.authorize_on_sandbox_page(url)


# --- stale IDs and the tutorial's tag ---------------------------------------------------------


@pytest.fixture
def own_email(monkeypatch):
    """An email of this test's own: the sandbox is shared by the whole session."""
    email = f"jenny.rosen+{uuid.uuid4().hex[:8]}@example.com"
    monkeypatch.setitem(progress.GUIDE_CUSTOMER, "email", email)
    return email


def test_catch_up_replaces_a_stale_id(state, client, own_email):
    progress.remember("customer", "cus_gone_after_a_sandbox_reset")
    customer = progress.catch_up("customer", client=client)["customer"]
    assert customer != "cus_gone_after_a_sandbox_reset"
    assert client.v1.customers.retrieve(customer).email == own_email
    assert progress.recall("customer") == customer


def test_a_sandbox_reset_clears_the_exercises_passed_once_and_says_so(state, client, own_email, capsys):
    """QA: after the trainer's `reset --all` (the trainer's view shows no exercises), the
    learner's `check.passed()` still listed the exercises passed before."""
    from helpers import check

    progress.remember("customer", "cus_gone_after_a_sandbox_reset")
    progress.remember("exercise.02-retrieve-by-id", "passed")
    assert check.passed() == ["02-retrieve-by-id"]
    progress.catch_up("customer", client=client)
    assert check.passed() == []
    said = capsys.readouterr().out
    assert said.count("exercises you had passed were cleared") == 1
    progress.remember("customer", "cus_gone_again")
    progress.catch_up("customer", client=client)
    assert "exercises" not in capsys.readouterr().out  # told once


def test_catch_up_replaces_a_deleted_customer(state, client, own_email):
    first = progress.catch_up("customer", client=client)["customer"]
    client.v1.customers.delete(first)
    second = progress.catch_up("customer", client=client)["customer"]
    assert second != first and not getattr(client.v1.customers.retrieve(second), "deleted", False)


def test_catch_up_checks_each_stored_id_once_per_call(state, client, monkeypatch):
    progress.catch_up("price", client=client)
    calls: list[str] = []
    for name, retrieve in list(progress.RETRIEVERS.items()):
        monkeypatch.setitem(progress.RETRIEVERS, name,
                            lambda c, id_, name=name, retrieve=retrieve: calls.append(name) or retrieve(c, id_))
    progress.catch_up("price", "product", "price", client=client)
    assert sorted(calls) == ["price", "product"]
    progress.catch_up("product", client=client)  # a new call checks again
    assert sorted(calls) == ["price", "product", "product"]


def test_catch_up_tags_the_customer_it_creates(state, client, own_email):
    customer = client.v1.customers.retrieve(progress.catch_up("customer", client=client)["customer"])
    key, value = progress.TUTORIAL_TAG
    assert customer.metadata.to_dict() == {key: value}
    assert progress.TUTORIAL_TAG == ("tutorial", "amazon-pay-subscriptions-hands-on")


def test_catch_up_does_not_adopt_an_untagged_customer(state, client, own_email):
    theirs = client.v1.customers.create(params={"email": own_email, "name": "Jenny Rosen"})
    ours = progress.catch_up("customer", client=client)["customer"]
    assert ours != theirs.id
    assert client.v1.customers.retrieve(theirs.id).metadata.to_dict() == {}


def test_catch_up_adopts_a_tagged_customer(state, client, own_email, capsys):
    tagged = client.v1.customers.create(params={"email": own_email, "metadata": dict([progress.TUTORIAL_TAG])})
    client.v1.customers.create(params={"email": own_email})  # newer, untagged: skipped
    assert progress.catch_up("customer", client=client)["customer"] == tagged.id
    said = capsys.readouterr().out  # issue 16.10: it said "made" a customer it had found by email
    assert f"so found again {tagged.id} (the tutorial's customer with the guide's email" in said
    assert "made" not in said


# --- recorded objects must still fit together (issue 9.6), said in words (issue 9.16) ----------


@pytest.fixture
def authorizing(monkeypatch):
    """catch_up authorizes on the sandbox's page, as in the notebooks."""
    monkeypatch.setattr(progress, "authorize", progress.authorize_on_sandbox_page)


def test_catch_up_says_what_it_made_including_an_authorization_without_a_browser(
        state, client, own_email, authorizing, capsys):
    ids = progress.catch_up("price", "customer", "payment_method", client=client)
    said = capsys.readouterr().out
    for name in ("price", "customer", "payment_method"):
        assert f"Catch-up: {name}: none recorded" in said and ids[name] in said
    assert "without a browser" in said and "Authorize test setup" in said
    progress.catch_up("price", "customer", "payment_method", client=client)
    assert capsys.readouterr().out.startswith("Catch-up: nothing to do; using price ")


def test_a_new_customer_gets_its_own_payment_method(state, client, own_email, authorizing, capsys):
    """Issue 9.6: a new customer in 02 after 04, then 05 failed deep in the SDK: "The customer does
    not have a payment method with the ID pm_…"."""
    old = progress.catch_up("customer", "payment_method", client=client)
    new_customer = client.v1.customers.create(params={"email": own_email})
    progress.remember("customer", new_customer.id)  # what notebook 02 does
    capsys.readouterr()
    ids = progress.catch_up("price", "customer", "payment_method", client=client)
    assert ids["customer"] == new_customer.id and ids["payment_method"] != old["payment_method"]
    assert client.v1.payment_methods.retrieve(ids["payment_method"]).customer == new_customer.id
    said = capsys.readouterr().out
    assert f"the recorded {old['payment_method']} belongs to customer {old['customer']}, not to {new_customer.id}" in said
    subscription = client.v1.subscriptions.create(params={
        "customer": ids["customer"], "items": [{"price": ids["price"]}],
        "default_payment_method": ids["payment_method"], "off_session": True})
    assert subscription.status == "active"


def test_an_archived_price_and_a_detached_payment_method_are_made_again(state, client, own_email, authorizing):
    ids = progress.catch_up("price", "payment_method", client=client)
    client.v1.prices.update(ids["price"], params={"active": False})
    client.v1.payment_methods.detach(ids["payment_method"])
    again = progress.catch_up("price", "payment_method", client=client, quiet=True)
    assert again["price"] != ids["price"] and client.v1.prices.retrieve(again["price"]).active
    assert again["payment_method"] != ids["payment_method"]
    assert client.v1.payment_methods.retrieve(again["payment_method"]).customer == progress.recall("customer")


def test_a_declined_setup_intent_is_confirmed_again(state, client, own_email, capsys):
    progress.catch_up("setup_intent", client=client, quiet=True)
    intent = client.v1.setup_intents.retrieve(progress.recall("setup_intent"))
    url = intent.next_action.redirect_to_url.url
    request = urllib.request.Request(url, data=b"action=fail", method="POST")
    with contextlib.suppress(urllib.error.HTTPError):
        urllib.request.build_opener(NoRedirect).open(request, timeout=10)
    assert client.v1.setup_intents.retrieve(intent.id).status == "requires_payment_method"
    progress.authorize = progress.authorize_on_sandbox_page
    pm = progress.catch_up("payment_method", client=client)["payment_method"]
    assert "had been declined: confirmed it again" in capsys.readouterr().out
    assert client.v1.setup_intents.retrieve(intent.id).payment_method == pm


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_replace_retires_what_an_earlier_run_made(state, client, own_email, authorizing, capsys):
    """Issue 9.13: re-running 05 four times left 4 active and 4 trialing subscriptions."""
    ids = progress.catch_up("price", "customer", "payment_method", client=client, quiet=True)
    params = {"customer": ids["customer"], "items": [{"price": ids["price"]}],
              "default_payment_method": ids["payment_method"], "off_session": True}
    for _ in range(3):
        subscription = client.v1.subscriptions.create(params=params)
        progress.replace("subscription", subscription.id, client)
    live = client.v1.subscriptions.list(params={"customer": ids["customer"]}).data
    assert [s.id for s in live if s.status == "active"] == [subscription.id]
    said = capsys.readouterr().out
    assert said.count("Replaced subscription") == 2 and "canceled it" in said
    progress.replace("subscription", subscription.id, client)  # the same again: nothing to say
    assert capsys.readouterr().out == ""


def test_replace_keeps_a_customer_the_tutorial_did_not_make(state, client, own_email, capsys):
    theirs = client.v1.customers.create(params={"email": own_email})
    progress.remember("customer", theirs.id)
    progress.replace("customer", client.v1.customers.create(params={"email": own_email}).id, client)
    assert not getattr(client.v1.customers.retrieve(theirs.id), "deleted", False)
    assert capsys.readouterr().out == ""
