"""Issue 19, items 1 and 6: the sandbox at any SDK's API version.

Stripe releases a version every month within a major release, and those add nothing that breaks
("You can safely upgrade to any monthly release without updating your code", docs.stripe.com/
api-versions): a later version of the newest major the sandbox knows is answered as that one,
and says so (``Sandbox-Answered-As-Version``). A later major, a version older than the sandbox
models, a preview: one clear 400 that says how to pin a version it knows. SDKs from before 2025
send booleans as ``True``/``False``, which Stripe's v1 API accepts.

The newest stripe-node from npm and an older stripe-python from PyPI run the guide here, each
installed into a scratch directory; without npm or PyPI those tests skip and say why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import httpx
import pytest
import stripe

from helpers.sandbox.api import versions
from support.stripe_objects import RETURN_URL, SECRET, error_of, make_client, unique_email

pytestmark = pytest.mark.xdist_group("stripe-node")  # one stripe-node install (session fixture) for both modules that run it

LATEST = stripe.api_version
NEXT_MONTH = f"{int(LATEST[:4]) + 1}-01-15.{versions.MAJOR}"  # a later version of the same major
NEXT_MAJOR = f"{int(LATEST[:4]) + 1}-03-31.{chr(ord(versions.MAJOR[0]) + 1)}ig"  # e.g. "…fig", after endive
ANSWERED_AS = "Sandbox-Answered-As-Version"


def test_a_later_version_of_the_same_major_is_answered_as_the_newest_known(http):
    answer = http.post("/v1/customers", data={"email": unique_email()}, headers={"Stripe-Version": NEXT_MONTH})
    assert answer.status_code == 200, answer.text
    assert answer.headers["Stripe-Version"] == NEXT_MONTH  # echoed, as Stripe does
    assert answer.headers[ANSWERED_AS] == LATEST
    known = http.get("/v1/customers", headers={"Stripe-Version": LATEST})
    assert known.headers["Stripe-Version"] == LATEST and ANSWERED_AS not in known.headers


def test_the_sandboxs_request_log_says_which_version_answered(sandbox, http):
    answer = http.get("/v1/customers", headers={"Stripe-Version": NEXT_MONTH})
    mine = httpx.get(f"{sandbox.url}/_sandbox/account", headers={"Authorization": f"Bearer {SECRET}"}).json()
    record = next(r for r in mine["requests"] if r["request_id"] == answer.headers["Request-Id"])
    assert record["answered_as"] == LATEST


def test_a_later_major_is_refused_with_how_to_pin(http):
    answer = http.get("/v1/customers", headers={"Stripe-Version": NEXT_MAJOR})
    assert answer.status_code == 400
    message = error_of(answer)["message"]
    assert message.startswith(f"Invalid Stripe API version: {NEXT_MAJOR}.")
    assert f"newest this sandbox knows ({LATEST})" in message
    assert f'stripe_version="{LATEST}"' in message and f"Stripe-Version: {LATEST}" in message


@pytest.mark.parametrize("version", ["2025-03-31.basil", "2023-10-16", "2024-09-30.acacia"])
def test_a_version_older_than_the_sandbox_models_is_refused_with_what_to_do(http, version):
    answer = http.get("/v1/customers", headers={"Stripe-Version": version})
    assert answer.status_code == 400
    message = error_of(answer)["message"]
    assert f"older than this sandbox models ({versions.OLDEST_MODELLED} to {LATEST}" in message
    assert "Upgrade your Stripe SDK" in message and f'stripe_version="{LATEST}"' in message


def test_the_oldest_modelled_version_is_answered(http):
    answer = http.get("/v1/customers", headers={"Stripe-Version": versions.OLDEST_MODELLED})
    assert answer.status_code == 200 and answer.headers["Stripe-Version"] == versions.OLDEST_MODELLED


@pytest.mark.parametrize(("version", "says"), [
    ("2026-11-18.preview", "preview versions are not emulated"),
    ("2026-10-28.zebra", "It is not a released Stripe API version; the sandbox answers 2026-06-24.dahlia"),
    ("2026-10-28.Endive", "API versions look like"),
    ("2026-1-28.endive", "API versions look like"),
    ("latest", "API versions look like"),
    # made up, though each looked like one (a review found them answered 200)
    ("2026-08-15.dahlia", "It is not a released Stripe API version"),  # no release on that day
    ("2026-07-29", "It is not a released Stripe API version"),  # without its name
    ("2026-07-29.endive", "It is not a released Stripe API version"),  # endive began on 2026-09-30
    ("2026-09-30.acacia", "It is not a released Stripe API version"),
    ("2099-99-99.endive", "API versions look like"),  # no such day
])
def test_malformed_and_unknown_versions_are_refused(http, version, says):
    answer = http.get("/v1/customers", headers={"Stripe-Version": version})
    assert answer.status_code == 400 and says in error_of(answer)["message"]


def test_every_released_version_from_the_oldest_modelled_is_answered(http):
    modelled = [v for v in versions.released() if versions.OLDEST_MODELLED <= v <= LATEST]
    assert versions.OLDEST_MODELLED in modelled and LATEST in modelled and len(modelled) >= 4
    for version in modelled:
        assert http.get("/v1/customers", headers={"Stripe-Version": version}).status_code == 200, version


def test_a_parameter_of_the_sandboxs_own_is_never_a_clients(http):
    """The version changes pass flags in parameters starting with "_": a client's were trusted
    (`_renamed` made a 500, `_strict_payment_method_types` changed the answer)."""
    for name, value in (("_renamed", "x"), ("_strict_payment_method_types", "1"), ("_foo", "x")):
        answer = http.post("/v1/customers", data={"email": "a@example.com", name: value})
        error = error_of(answer)
        assert answer.status_code == 400 and error["code"] == "parameter_unknown" and error["param"] == name


def test_a_request_refused_before_its_parameters_are_read_is_in_the_request_log(http):
    """Its error's request_log_url points at the log: an old version, a JSON body or bad UTF-8
    were missing from it."""
    refused = [
        http.get("/v1/customers", headers={"Stripe-Version": "2025-03-31.basil"}),
        http.post("/v1/customers", content=b'{"email": "a@example.com"}', headers={"Content-Type": "application/json"}),
        http.post("/v1/customers", content=b"name=%FF", headers={"Content-Type": "application/x-www-form-urlencoded"}),
    ]
    mine = http.get("/_sandbox/account", headers={"Authorization": f"Bearer {SECRET}"}, auth=None).json()
    logged = {entry["request_id"] for entry in mine["requests"]}
    for answer in refused:
        assert answer.status_code == 400 and answer.headers["Request-Id"] in logged, answer.text


def test_stripe_python_pinned_to_an_older_modelled_or_a_later_version(sandbox):
    older = make_client(sandbox.url, stripe_version=versions.OLDEST_MODELLED)
    assert older.v1.customers.create().last_response.headers["Stripe-Version"] == versions.OLDEST_MODELLED
    later = make_client(sandbox.url, stripe_version=NEXT_MONTH)
    customer = later.v1.customers.create(params={"email": unique_email()})
    assert customer.last_response.headers[ANSWERED_AS] == LATEST
    too_old = make_client(sandbox.url, stripe_version="2025-03-31.basil")
    with pytest.raises(stripe.InvalidRequestError, match="older than this sandbox models"):
        too_old.v1.customers.create()


def test_the_kernels_request_log_says_which_version_answered(learner_env):
    from helpers import client as client_mod

    client_mod.get_client(NEXT_MONTH).v1.customers.list(params={"limit": 1})
    entry = client_mod.entries()[-1]
    assert (entry.api_version, entry.answered_as) == (NEXT_MONTH, LATEST)
    assert client_mod.request_log().iloc[-1]["answered_as"] == LATEST


@pytest.mark.skipif(shutil.which("curl") is None, reason="the curl binary is not installed")
def test_curl_with_a_future_version(sandbox):
    done = subprocess.run(
        ["curl", "-sS", "-i", f"{sandbox.url}/v1/customers", "-u", f"{SECRET}:", "-H", f"Stripe-Version: {NEXT_MONTH}",
         "-d", "email=curl@example.com"], capture_output=True, text=True, timeout=30, check=True,
    )
    head, _, body = done.stdout.partition("\n\n")  # text mode: curl's CRLFs read as newlines
    assert " 200 " in head.splitlines()[0] and f"{ANSWERED_AS.lower()}: {LATEST}" in head.lower()
    assert json.loads(body)["email"] == "curl@example.com"
    refused = subprocess.run(
        ["curl", "-sS", f"{sandbox.url}/v1/customers", "-u", f"{SECRET}:", "-H", f"Stripe-Version: {NEXT_MAJOR}"],
        capture_output=True, text=True, timeout=30, check=True,
    )
    assert "Stripe-Version: " + LATEST in json.loads(refused.stdout)["error"]["message"]


# --------------------------------------------------------------------------- booleans of older SDKs


@pytest.mark.parametrize(("sent", "kept"), [("True", True), ("False", False), ("true", True), ("false", False)])
def test_booleans_as_older_sdks_send_them(http, sent, kept):
    product = http.post("/v1/products", data={"name": "Stock photos", "active": sent})
    assert product.status_code == 200, product.text
    assert product.json()["active"] is kept


@pytest.mark.parametrize("sent", ["1", "0", "YES", "TRUE", "yes", "on"])
def test_other_spellings_of_a_boolean_are_refused(http, sent):
    answer = http.post("/v1/setup_intents", data={"confirm": sent, "usage": "off_session"})
    assert answer.status_code == 400
    error = error_of(answer)
    assert (error["code"], error["param"], error["message"]) == (
        "parameter_invalid_boolean", "confirm", f"Invalid boolean: {sent}")


# --------------------------------------------------------------------------- SDKs no one here wrote

NODE_GUIDE = textwrap.dedent("""
    const Stripe = require("stripe");
    const [url, key, returnUrl] = process.argv.slice(2);
    const { hostname, port, protocol } = new URL(url);
    const stripe = new Stripe(key, { host: hostname, port, protocol: protocol.slice(0, -1), maxNetworkRetries: 0 });
    (async () => {
      const product = await stripe.products.create({ name: "Stock photos" });
      const price = await stripe.prices.create({ product: product.id, unit_amount: 1500, currency: "usd",
                                                 recurring: { interval: "month" } });
      const customer = await stripe.customers.create({ email: "jenny.rosen@example.com" });
      const intent = await stripe.setupIntents.create({
        confirm: true, customer: customer.id, usage: "off_session", return_url: returnUrl,
        payment_method_data: { type: "amazon_pay" },
        mandate_data: { customer_acceptance: { type: "online", online: { ip_address: "127.0.0.1", user_agent: "node" } } },
      });
      // The customer authorizes on the Amazon Pay page (what a browser posts there).
      const page = await fetch(intent.next_action.redirect_to_url.url,
                               { method: "POST", body: new URLSearchParams({ action: "authorize" }), redirect: "manual" });
      const done = await stripe.setupIntents.retrieve(intent.id);
      const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }],
        default_payment_method: done.payment_method, off_session: true, expand: ["latest_invoice"] });
      console.log(JSON.stringify({
        pinned: Stripe.API_VERSION, sent: sub.lastResponse.headers["stripe-version"],
        answered: sub.lastResponse.headers["sandbox-answered-as-version"] || null,
        intent: [intent.status, done.status, page.status], subscription: sub.status, invoice: sub.latest_invoice.status,
      }));
    })().catch((error) => { console.error(error.message); process.exit(1); });
""")


def test_the_newest_stripe_node_runs_the_guide_unchanged(sandbox, stripe_node, tmp_path):
    (tmp_path / "guide.js").write_text(NODE_GUIDE)
    done = subprocess.run(["node", "guide.js", sandbox.url, SECRET, RETURN_URL], cwd=tmp_path,
                          env={**os.environ, "NODE_PATH": str(stripe_node.modules)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["sent"] == result["pinned"], result  # the version stripe-node pins, echoed
    assert result["answered"] == (None if result["pinned"] == LATEST else LATEST), result
    assert result["intent"] == ["requires_action", "succeeded", 303], result
    assert (result["subscription"], result["invoice"]) == ("active", "paid"), result


PYTHON_7_GUIDE = textwrap.dedent("""
    import json, sys, urllib.request, urllib.parse
    import stripe
    url, key, return_url, latest = sys.argv[1:]
    stripe.api_key, stripe.api_base, stripe.max_network_retries = key, url, 0
    out = {"pinned": stripe.api_version}
    try:
        stripe.Customer.create(email="old@example.com")
    except stripe.error.InvalidRequestError as error:
        out["refused"] = error.user_message
    stripe.api_version = latest  # pinned to a version the sandbox models: the guide runs
    product = stripe.Product.create(name="Stock photos")
    price = stripe.Price.create(product=product.id, unit_amount=1500, currency="usd", recurring={"interval": "month"})
    customer = stripe.Customer.create(email="jenny.rosen@example.com")
    intent = stripe.SetupIntent.create(
        confirm=True, customer=customer.id, usage="off_session", return_url=return_url,
        payment_method_data={"type": "amazon_pay"},
        mandate_data={"customer_acceptance": {"type": "online", "online": {"ip_address": "127.0.0.1", "user_agent": "py7"}}},
    )
    form = urllib.parse.urlencode({"action": "authorize"}).encode()
    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None
    try:
        urllib.request.build_opener(Stay).open(intent.next_action.redirect_to_url.url, form)
    except urllib.error.HTTPError as answer:
        out["page"] = answer.code
    done = stripe.SetupIntent.retrieve(intent.id)
    sub = stripe.Subscription.create(customer=customer.id, items=[{"price": price.id}],
                                     default_payment_method=done.payment_method, off_session=True)
    out.update(version=stripe.VERSION, intent=[intent.status, done.status], subscription=sub.status)
    print(json.dumps(out))
""")


@pytest.fixture(scope="module")
def stripe_python_7(tmp_path_factory):
    """stripe-python 7.14 (pins 2023-10-16) from PyPI, in a scratch directory of its own."""
    directory = tmp_path_factory.mktemp("stripe-python-7")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           "--target", str(directory / "lib"), "stripe==7.14.0"],
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        pytest.skip(f"stripe==7.14.0 could not be installed from PyPI: {done.stderr.strip()[-200:]}")
    (directory / "guide.py").write_text(PYTHON_7_GUIDE)
    return directory


def test_an_older_stripe_python_is_told_what_to_do_and_runs_the_guide_pinned(sandbox, stripe_python_7):
    done = subprocess.run([sys.executable, str(stripe_python_7 / "guide.py"), sandbox.url, SECRET, RETURN_URL, LATEST],
                          env={"PYTHONPATH": str(stripe_python_7 / "lib"), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["version"], result["pinned"]) == ("7.14.0", "2023-10-16")
    assert "older than this sandbox models" in result["refused"] and "Upgrade your Stripe SDK" in result["refused"]
    assert result["page"] == 303
    assert result["intent"] == ["requires_action", "succeeded"]  # confirm=True reached the sandbox as "True"
    assert result["subscription"] == "active"
