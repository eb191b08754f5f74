"""The cell of notebook 08 that waits for the customer to pay an open invoice on its hosted page
(helpers.checkout.await_invoice_paid), and the autopilot's clicks on that page."""

from __future__ import annotations

import pytest

from helpers import autopilot
from helpers.checkout import InvoiceNotPaid, await_invoice_paid
from helpers.problems import NextStep
from support.stripe_objects import open_invoice

needs_chromium = pytest.mark.skipif(not autopilot.browser_available(), reason="no Chromium found (set CHROMIUM_PATH)")


@pytest.mark.browser
@needs_chromium
def test_the_autopilot_pays_an_open_invoice_on_its_page(learner_client, capsys):
    subscription, invoice = open_invoice(learner_client)
    assert await_invoice_paid(invoice.id, autopilot="authorize", timeout=60) == "paid"
    printed = capsys.readouterr().out
    assert "clicks 'Pay with Amazon Pay', then 'Authorize test payment'" in printed
    assert invoice.hosted_invoice_url not in printed  # a capability: never printed
    assert learner_client.v1.subscriptions.retrieve(subscription.id).status == "active"
    assert await_invoice_paid(invoice.id) == "paid"  # run again: nothing to wait for
    assert "Already done: invoice" in capsys.readouterr().out


@pytest.mark.browser
@needs_chromium
def test_a_declined_payment_stops_with_what_to_do(learner_client):
    _, invoice = open_invoice(learner_client)
    with pytest.raises(InvoiceNotPaid, match="the payment was not authorized. Run this cell again"):
        await_invoice_paid(invoice.id, autopilot="fail", timeout=60)
    assert learner_client.v1.invoices.retrieve(invoice.id).status == "open"


def test_nobody_paying_ends_with_what_to_do(learner_client):
    _, invoice = open_invoice(learner_client)
    with pytest.raises(InvoiceNotPaid, match="'Pay with Amazon Pay', then 'Authorize test payment'"):
        await_invoice_paid(invoice.id, timeout=0.3, poll=0.1)


def test_an_invoice_that_cannot_be_paid_says_so(learner_client):
    _, invoice = open_invoice(learner_client)
    learner_client.v1.invoices.void_invoice(invoice.id)
    with pytest.raises(NextStep, match="is void: only an open, finalized invoice"):
        await_invoice_paid(invoice.id)
