"""Issue 19, item 2: accounts by construction. IDs are unique within an account only (two
accounts may both have a product "prod_basic"), so a learner can make a product whose custom ID
is another learner's event, customer, invoice … ID. Nothing may cross: not the API's routes, not
the webhook worker, not the test clock worker, not the hosted pages.

Before the store took the account on every write, the webhook worker saved a delivered event
with ``UPDATE … WHERE id = ?`` in every account: learner B's product became learner A's event,
and ``GET /v1/events/<id>`` with B's key answered A's event, A's customer's email in it.
"""

from __future__ import annotations

import json
import time
import urllib.parse

import httpx
import pytest

from helpers.sandbox.client import process
from support.receiver import Receiver
from support.stripe_objects import (
    RETURN_URL,
    authorized_customer,
    hosted_pay,
    make_client,
    monthly_price,
    new_secret_key,
    open_invoice,
    subscribe,
    wait_ready,
)

pytestmark = pytest.mark.xdist_group("colliding-ids")  # two accounts' objects made once for the module


@pytest.fixture(scope="module")
def collided(tmp_path_factory):
    """Account A has run the guide and more; account B has a product named after each of A's IDs.
    A's webhook endpoint is down while B makes them, so A's event is still to be delivered."""
    directory = tmp_path_factory.mktemp("collisions")
    mp = pytest.MonkeyPatch()
    mp.setenv("SANDBOX_WEBHOOK_BACKOFF", "0.1")  # the sandbox's retries, a tenth of a second apart
    mp.setenv("SANDBOX_WEBHOOK_BACKOFF_MAX", "0.2")
    mp.setenv("SANDBOX_WEBHOOK_ATTEMPTS", "1000")
    proc = process.start(directory / "collisions.sqlite3", log=directory / "sandbox.log")
    mp.undo()
    a_key, b_key = new_secret_key(), new_secret_key()
    a, b = make_client(proc.url, a_key), make_client(proc.url, b_key)
    receiver = Receiver()  # not started yet: A's endpoint is down
    endpoint = a.v1.webhook_endpoints.create(params={"url": receiver.url, "enabled_events": ["customer.created"]})
    secret_customer = a.v1.customers.create(params={"email": "only-a@example.com"})
    event = a.v1.events.list(params={"type": "customer.created", "limit": 1}).data[0]
    assert event.data.object.id == secret_customer.id and event.pending_webhooks == 1

    clock = a.v1.test_helpers.test_clocks.create(params={"frozen_time": int(time.time())})
    customer, si = authorized_customer(a, test_clock=clock.id)
    price = monthly_price(a)
    sub = subscribe(a, customer.id, price.id, si.payment_method)
    invoice = a.v1.invoices.retrieve(sub.latest_invoice)
    payment = a.v1.invoice_payments.list(params={"invoice": invoice.id}).data[0]
    pi = a.v1.payment_intents.retrieve(payment.payment.payment_intent)
    waiting = a.v1.setup_intents.create(params={
        "confirm": True, "customer": customer.id, "payment_method_data": {"type": "amazon_pay"},
        "usage": "off_session", "return_url": RETURN_URL,
        "mandate_data": {"customer_acceptance": {"type": "online", "online": {"ip_address": "127.0.0.1",
                                                                               "user_agent": "device"}}},
    })
    attempt = urllib.parse.urlsplit(waiting.next_action.redirect_to_url.url).path.rsplit("/", 1)[-1]
    unpaid_sub, unpaid = open_invoice(a)
    unpaid_pi = a.v1.invoice_payments.list(params={"invoice": unpaid.id}).data[0].payment.payment_intent
    ids = {
        "event": event.id, "customer": customer.id, "secret_customer": secret_customer.id,
        "invoice": invoice.id, "unpaid_invoice": unpaid.id, "subscription": sub.id,
        "subscription_item": sub["items"].data[0].id, "setup_intent": si.id, "waiting_setup_intent": waiting.id,
        "setup_attempt": attempt, "payment_method": si.payment_method, "mandate": si.mandate,
        "payment_intent": pi.id, "unpaid_payment_intent": unpaid_pi, "charge": pi.latest_charge,
        "invoice_payment": payment.id, "price": price.id, "product": price.product, "test_clock": clock.id,
        "webhook_endpoint": endpoint.id, "unpaid_subscription": unpaid_sub.id,
    }
    for name, object_id in ids.items():
        b.v1.products.create(params={"id": object_id, "name": f"B's {name}"})
    yield proc, a, b, ids, receiver, unpaid, b_key
    receiver.stop()
    proc.stop()


def test_the_webhook_worker_delivers_and_saves_in_the_events_own_account(collided):
    proc, a, b, ids, receiver, _, b_key = collided
    receiver.start()  # A's endpoint recovers: the worker retries and succeeds
    receiver.wait_for({ids["event"]})
    deadline = time.monotonic() + 10
    while a.v1.events.retrieve(ids["event"]).pending_webhooks != 0:  # the worker saved A's event
        assert time.monotonic() < deadline, "the delivered event still counts a pending webhook"
        time.sleep(0.05)
    delivered = [json.loads(body) for body, _ in receiver.received if json.loads(body)["id"] == ids["event"]]
    assert [d["data"]["object"]["email"] for d in delivered] == ["only-a@example.com"]
    with httpx.Client(base_url=proc.url, auth=(b_key, ""), timeout=10) as raw:
        answer = raw.get(f"/v1/events/{ids['event']}")
    assert answer.status_code == 404, answer.text  # B never sees A's event
    product = b.v1.products.retrieve(ids["event"])
    assert (product.object, product.name) == ("product", "B's event")


@pytest.mark.parametrize("name", ["event", "customer", "secret_customer", "invoice", "subscription",
                                  "setup_intent", "payment_method", "mandate", "payment_intent", "charge",
                                  "invoice_payment", "price", "test_clock", "webhook_endpoint"])
def test_each_account_reads_its_own_object_under_a_shared_id(collided, name):
    _, a, b, ids, _, _, _ = collided
    object_id = ids[name]
    theirs = b.v1.products.retrieve(object_id)
    assert (theirs.object, theirs.name) == ("product", f"B's {name}")
    kind = name.removeprefix("secret_")
    mine = a.raw_request("get", f"/v1/{ROUTES[kind]}/{object_id}")
    assert json.loads(mine.body)["object"] == OBJECTS[kind]


ROUTES = {
    "event": "events", "customer": "customers", "invoice": "invoices", "subscription": "subscriptions",
    "setup_intent": "setup_intents", "payment_method": "payment_methods", "mandate": "mandates",
    "payment_intent": "payment_intents", "charge": "charges", "invoice_payment": "invoice_payments",
    "price": "prices", "test_clock": "test_helpers/test_clocks", "webhook_endpoint": "webhook_endpoints",
}
OBJECTS = {**{k: k for k in ROUTES}, "test_clock": "test_helpers.test_clock"}


def test_the_clock_worker_advances_in_the_clocks_own_account(collided):
    _, a, b, ids, _, _, _ = collided
    clock = a.v1.test_helpers.test_clocks.retrieve(ids["test_clock"])
    a.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": clock.frozen_time + 32 * 86400})
    wait_ready(a, clock.id)
    cycle = [i for i in a.v1.invoices.list(params={"subscription": ids["subscription"]}).data
             if i.billing_reason == "subscription_cycle"]
    assert cycle, "the renewal did not happen in A's account"
    assert b.v1.products.retrieve(ids["test_clock"]).name == "B's test_clock"
    assert [i.id for i in b.v1.invoices.list().data] == []


def test_the_hosted_pages_act_in_their_objects_own_account(collided):
    proc, a, b, ids, _, unpaid, _ = collided
    page = httpx.get(f"{proc.url}/pm-redirects/authorize/{ids['setup_attempt']}")
    assert page.status_code == 200 and ids["waiting_setup_intent"] in page.text
    decided = httpx.post(f"{proc.url}/pm-redirects/authorize/{ids['setup_attempt']}", data={"action": "authorize"})
    assert decided.status_code == 303, decided.text
    assert a.v1.setup_intents.retrieve(ids["waiting_setup_intent"]).status == "succeeded"
    shown = httpx.get(unpaid.hosted_invoice_url)
    assert shown.status_code == 200 and (unpaid.number or unpaid.id) in shown.text
    assert hosted_pay(unpaid).status_code == 303
    assert a.v1.invoices.retrieve(ids["unpaid_invoice"]).status == "paid"
    for name in ("setup_attempt", "waiting_setup_intent", "unpaid_invoice", "unpaid_payment_intent"):
        assert b.v1.products.retrieve(ids[name]).name == f"B's {name}"


def test_changing_and_deleting_the_namesakes_leaves_the_other_account_alone(collided):
    _, a, b, ids, _, _, _ = collided
    before = {name: json.loads(a.raw_request("get", f"/v1/{ROUTES[name]}/{ids[name]}").body)
              for name in ("customer", "invoice", "price", "payment_method")}
    for name in before:
        b.v1.products.update(ids[name], params={"name": "renamed", "metadata": {"by": "b"}})
        b.v1.products.delete(ids[name])
    after = {name: json.loads(a.raw_request("get", f"/v1/{ROUTES[name]}/{ids[name]}").body) for name in before}
    assert after == before
