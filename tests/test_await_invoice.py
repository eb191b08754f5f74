"""The cell of notebook 08 that waits for the customer to pay an open invoice on its hosted page
(helpers.checkout.await_invoice_paid), and the autopilot's clicks on that page."""

from __future__ import annotations

import uuid

import pytest

from conftest import make_client
from helpers import autopilot, settings
from helpers.checkout import InvoiceNotPaid, await_invoice_paid
from helpers.problems import NextStep

needs_chromium = pytest.mark.skipif(not autopilot.browser_available(), reason="no Chromium found (set CHROMIUM_PATH)")


@pytest.fixture
def client(learner_env):
    """Sandbox mode, as a notebook kernel sees it (await_invoice_paid makes its own client)."""
    sandbox = learner_env
    return make_client(sandbox.url, settings.load().secret_key)  # this learner's own account


def open_invoice(client):
    """A subscription whose first invoice waits for payment, as a failed renewal's does."""
    customer = client.v1.customers.create(params={"email": f"{uuid.uuid4().hex[:8]}@example.com"})
    product = client.v1.products.create(params={"name": "Stock photo service"})
    price = client.v1.prices.create(params={"product": product.id, "unit_amount": 1500, "currency": "usd",
                                            "recurring": {"interval": "month"}})
    subscription = client.v1.subscriptions.create(params={
        "customer": customer.id, "items": [{"price": price.id}], "payment_behavior": "default_incomplete"})
    return subscription, client.v1.invoices.retrieve(subscription.latest_invoice)


@pytest.mark.browser
@needs_chromium
def test_the_autopilot_pays_an_open_invoice_on_its_page(client, capsys):
    subscription, invoice = open_invoice(client)
    assert await_invoice_paid(invoice.id, autopilot="authorize", timeout=60) == "paid"
    printed = capsys.readouterr().out
    assert "clicks 'Pay with Amazon Pay', then 'Authorize test payment'" in printed
    assert invoice.hosted_invoice_url not in printed  # a capability: never printed
    assert client.v1.subscriptions.retrieve(subscription.id).status == "active"
    assert await_invoice_paid(invoice.id) == "paid"  # run again: nothing to wait for
    assert "Already done: invoice" in capsys.readouterr().out


@pytest.mark.browser
@needs_chromium
def test_a_declined_payment_stops_with_what_to_do(client):
    _, invoice = open_invoice(client)
    with pytest.raises(InvoiceNotPaid, match="the payment was not authorized. Run this cell again"):
        await_invoice_paid(invoice.id, autopilot="fail", timeout=60)
    assert client.v1.invoices.retrieve(invoice.id).status == "open"


def test_nobody_paying_ends_with_what_to_do(client):
    _, invoice = open_invoice(client)
    with pytest.raises(InvoiceNotPaid, match="'Pay with Amazon Pay', then 'Authorize test payment'"):
        await_invoice_paid(invoice.id, timeout=0.3, poll=0.1)


def test_an_invoice_that_cannot_be_paid_says_so(client):
    _, invoice = open_invoice(client)
    client.v1.invoices.void_invoice(invoice.id)
    with pytest.raises(NextStep, match="is void: only an open, finalized invoice"):
        await_invoice_paid(invoice.id)
