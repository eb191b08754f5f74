"""Fidelity (issue 11, items 22-26): the hosted invoice page and its Amazon Pay payment (in headless
Chromium), the invoice PDF, payment_method_configuration_details, includable price fields, and
no automatic retry of Amazon Pay renewals."""

from __future__ import annotations

import io
import urllib.parse

import httpx
import pytest
import stripe
from pypdf import PdfReader

from helpers import autopilot
from support.stripe_objects import (
    HOUR,
    advance,
    authorized_customer,
    check_shape,
    followed,
    hosted_pay,
    monthly_price,
    new_clock,
    open_invoice,
    subscribe,
    ts,
    unique,
)

# --------------------------------------------------------------------------- 22. hosted_invoice_url and invoice_pdf


def test_finalized_invoices_carry_their_hosted_page_and_pdf(client, sandbox):
    customer, si = authorized_customer(client)
    sub = subscribe(client, customer.id, monthly_price(client).id, si.payment_method)
    invoice = client.v1.invoices.retrieve(sub.latest_invoice)
    assert invoice.hosted_invoice_url.startswith(f"{sandbox.url}/i/{invoice.id}_secret_")
    assert invoice.invoice_pdf.startswith(f"{sandbox.url}/invoice/{invoice.id}_secret_")
    assert invoice.invoice_pdf.endswith("/pdf")
    finalized = client.v1.events.list(params={"type": "invoice.finalized", "limit": 5}).data
    assert next(e for e in finalized if e.data.object.id == invoice.id).data.object.hosted_invoice_url == \
        invoice.hosted_invoice_url


def test_the_hosted_page_shows_amount_status_and_lines(client):
    _, invoice = open_invoice(client)
    page = httpx.get(invoice.hosted_invoice_url)
    assert page.status_code == 200
    assert page.headers["x-frame-options"] == "DENY"
    text = page.text
    assert "15.00 USD due" in text and invoice.number in text and "open" in text
    assert "1 × Stock photos" in text  # the line's description
    assert "Pay with Amazon Pay" in text


def test_a_paid_invoice_has_no_pay_button(client):
    customer, si = authorized_customer(client)
    sub = subscribe(client, customer.id, monthly_price(client).id, si.payment_method)
    page = httpx.get(client.v1.invoices.retrieve(sub.latest_invoice).hosted_invoice_url)
    assert "15.00 USD paid" in page.text and "Pay with Amazon Pay" not in page.text


def test_a_wrong_token_finds_nothing(client):
    _, invoice = open_invoice(client)
    base, _, secret = invoice.hosted_invoice_url.rpartition("_secret_")
    for url in (f"{base}_secret_{secret[:-1]}x", f"{base}_secret_", base.rsplit("/", 1)[0] + "/in_nothing"):
        assert httpx.get(url).status_code == 404
    assert httpx.post(f"{base}_secret_{secret[:-1]}x/pay").status_code == 404


def test_the_pdf_is_a_real_pdf(client):
    _, invoice = open_invoice(client)
    response = httpx.get(invoice.invoice_pdf)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Invoice" in text and invoice.number in text and "15.00 USD" in text
    assert "Jenny Rosen" in text


def test_paying_from_another_site_is_refused(client):
    _, invoice = open_invoice(client)
    pay = urllib.parse.urlsplit(invoice.hosted_invoice_url)._replace(path=urllib.parse.urlsplit(
        invoice.hosted_invoice_url).path + "/pay").geturl()
    assert httpx.post(pay, headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.v1.invoices.retrieve(invoice.id).status == "open"


browser = pytest.mark.skipif(not autopilot.browser_available(), reason="no Chromium found (set CHROMIUM_PATH)")


@pytest.mark.browser
@browser
def test_pay_an_open_invoice_with_amazon_pay_in_a_browser(page, client):
    sub, invoice = open_invoice(client)
    page.goto(invoice.hosted_invoice_url)
    page.get_by_role("button", name="Pay with Amazon Pay").click()
    page.wait_for_url("**/pm-redirects/authorize/**")
    assert "Pay 15.00 USD" in page.content()
    page.get_by_role("button", name="Authorize test payment").click()
    page.wait_for_url(f"{invoice.hosted_invoice_url}?*")
    assert "redirect_status=succeeded" in page.url
    assert "your payment went through" in page.content()

    paid = client.v1.invoices.retrieve(invoice.id, params={"expand": ["payments"]})
    assert (paid.status, paid.amount_remaining) == ("paid", 0)
    pi = client.v1.payment_intents.retrieve(paid.payments.data[0].payment.payment_intent)
    assert pi.status == "succeeded" and pi.next_action is None
    assert client.v1.charges.retrieve(pi.latest_charge).payment_method_details.type == "amazon_pay"
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"


@pytest.mark.browser
@browser
def test_failing_the_payment_leaves_the_invoice_open_in_a_browser(page, client):
    _, invoice = open_invoice(client)
    page.goto(invoice.hosted_invoice_url)
    page.get_by_role("button", name="Pay with Amazon Pay").click()
    page.wait_for_url("**/pm-redirects/authorize/**")
    page.get_by_role("button", name="Fail test payment").click()
    page.wait_for_url(f"{invoice.hosted_invoice_url}?*")
    assert "not authorized" in page.content()
    assert page.get_by_role("button", name="Pay with Amazon Pay").is_visible()  # try again

    still = client.v1.invoices.retrieve(invoice.id, params={"expand": ["payments"]})
    assert still.status == "open"
    pi = client.v1.payment_intents.retrieve(still.payments.data[0].payment.payment_intent)
    assert pi.status == "requires_payment_method"
    assert pi.last_payment_error.code == "payment_intent_authentication_failure"


# --------------------------------------------------------------------------- 26. no automatic retry; the way back


def test_a_failed_amazon_pay_renewal_is_not_retried_and_the_invoice_page_recovers_it(client):
    clock = new_clock(client)
    customer, si = authorized_customer(client, test_clock=clock.id)
    sub = subscribe(client, customer.id, monthly_price(client).id, si.payment_method,
                    payment_settings={"save_default_payment_method": "on_subscription"})
    client.v1.payment_methods.detach(si.payment_method)
    advance(client, clock, ts(2026, 2, 28) + HOUR)  # the renewal's hour in draft is over: charged, failed
    failed = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert (failed.status, failed.attempt_count) == ("open", 1)
    assert failed.next_payment_attempt is None  # Stripe does not retry Amazon Pay on its own

    returned = hosted_pay(failed)
    assert returned.status_code == 303
    assert followed(returned).startswith(failed.hosted_invoice_url + "?")

    recovered = client.v1.subscriptions.retrieve(sub.id)
    assert recovered.status == "active"
    assert client.v1.invoices.retrieve(failed.id).status == "paid"
    new_pm = client.v1.payment_methods.retrieve(recovered.default_payment_method)
    assert new_pm.customer == customer.id and new_pm.type == "amazon_pay"
    advance(client, clock, ts(2026, 3, 31) + HOUR)  # the next renewal is charged off-session again
    renewed = client.v1.subscriptions.retrieve(sub.id)
    assert renewed.status == "active"
    assert client.v1.invoices.retrieve(renewed.latest_invoice).status == "paid"


def test_without_on_subscription_the_payment_method_is_not_kept(client):
    sub, invoice = open_invoice(client)
    assert hosted_pay(invoice).status_code == 303
    after = client.v1.subscriptions.retrieve(sub.id)
    assert after.status == "active" and after.default_payment_method is None


# --------------------------------------------------------------------------- 23. payment_method_configuration_details


def test_dynamic_payment_methods_name_the_accounts_configuration(client):
    customer = client.v1.customers.create()
    dynamic = client.v1.setup_intents.create(params={"customer": customer.id})
    details = dynamic.payment_method_configuration_details
    assert details.id.startswith("pmc_") and details.parent is None
    config = client.v1.payment_method_configurations.retrieve(details.id)
    assert config.is_default and config.active and config.amazon_pay.available
    check_shape(config)
    again = client.v1.setup_intents.create(params={"customer": customer.id})
    assert again.payment_method_configuration_details.id == details.id  # one default per account
    explicit = client.v1.setup_intents.create(params={"customer": customer.id,
                                                      "allowed_payment_method_types": ["amazon_pay"]})
    assert explicit.payment_method_configuration_details is None
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.setup_intents.create(params={"payment_method_configuration": "pmc_nothing"})
    assert (err.value.http_status, err.value.param) == (404, "payment_method_configuration")


# --------------------------------------------------------------------------- 24. includable fields


def test_price_currency_options_and_tiers_are_includable(client):
    price = monthly_price(client)
    assert "currency_options" not in price and "tiers" not in price
    check_shape(price)
    expanded = client.v1.prices.retrieve(price.id, params={"expand": ["currency_options", "tiers"]})
    assert expanded.currency_options.to_dict() == {"usd": {
        "custom_unit_amount": None, "tax_behavior": "unspecified", "unit_amount": 1500, "unit_amount_decimal": "1500",
    }}
    assert expanded.tiers is None
    check_shape(expanded, expanded=("currency_options", "tiers"))


def test_price_parameters_the_sandbox_does_not_emulate_are_refused(client):
    product = client.v1.products.create(params={"name": unique("Tiered ")})
    for extra in ({"currency_options": {"eur": {"unit_amount": 1400}}}, {"billing_scheme": "tiered"},
                  {"transform_quantity": {"divide_by": 2, "round": "up"}}):
        with pytest.raises(stripe.InvalidRequestError, match="does not emulate") as err:
            client.v1.prices.create(params={"product": product.id, "currency": "usd", "unit_amount": 100, **extra})
        assert err.value.param == next(iter(extra))
