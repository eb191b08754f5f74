"""Forms: the guide's defaults, validation, inline errors (helpers.forms)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from helpers import forms
from support.messages import said

GUIDE_MANDATE = {"customer_acceptance": {
    "type": "online", "online": {"ip_address": "127.0.0.0", "user_agent": "device"}}}


def test_product_price_defaults():
    form = forms.ProductPriceForm()
    assert form.values == {
        "product": {"name": "Stock photo service"},
        "price": {"unit_amount": 1500, "currency": "usd", "recurring": {"interval": "month"}},
    }
    assert form.product_params() == {"name": "Stock photo service"}
    assert form.price_params("prod_1") == {
        "product": "prod_1", "unit_amount": 1500, "currency": "usd", "recurring": {"interval": "month"}}
    assert form.error is None


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("15.00", "usd", 1500), ("15", "eur", 1500), ("0.5", "gbp", 50), ("1500", "jpy", 1500),
     ("1500.0", "jpy", 1500), (" 9.99 ", "chf", 999)],
)
def test_amounts_in_minor_units(amount, currency, minor):
    assert forms.to_minor_units(amount, currency) == minor


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [("15.001", "usd", "at most 2 decimals"), ("15.5", "jpy", "no decimals"),
     ("15,00", "usd", "not a number"), ("abc", "usd", "not a number"), ("0", "usd", "greater than zero"),
     ("-1", "usd", "greater than zero"), ("NaN", "usd", "greater than zero"),
     ("1000000", "usd", "limit"), ("15", "cad", "not an Amazon Pay currency")],
)
def test_bad_amounts(amount, currency, message):
    with pytest.raises(forms.FormError, match=message):
        forms.to_minor_units(amount, currency)


def test_currency_choices_are_amazon_pays():
    form = forms.ProductPriceForm()
    assert list(form.currency.options) == [
        "usd", "aud", "gbp", "dkk", "eur", "hkd", "jpy", "nzd", "nok", "zar", "sek", "chf"]


def test_currency_choices_are_what_the_account_can_charge():
    """Issue 10: the form offered all 12 currencies; the sandbox's US account charges USD only."""
    assert list(forms.ProductPriceForm(forms.account_currencies(sandbox=True)).currency.options) == ["usd"]
    assert len(forms.ProductPriceForm(forms.account_currencies(sandbox=False)).currency.options) == 12
    assert forms.ProductPriceForm(("eur", "gbp")).currency.value == "eur"
    with pytest.raises(ValueError, match="cad"):
        forms.ProductPriceForm(("usd", "cad"))


def test_product_price_inline_error_follows_changes():
    form = forms.ProductPriceForm()
    form.amount.value = "15.50"
    assert form._error.value == ""
    form.currency.value = "jpy"
    assert "no decimals" in form._error.value
    with pytest.raises(forms.FormError, match="JPY"):
        _ = form.values
    form.amount.value = "1500"
    assert form._error.value == ""
    assert form.values["price"] == {"unit_amount": 1500, "currency": "jpy",
                                    "recurring": {"interval": "month"}}


def test_product_price_interval_limits():
    form = forms.ProductPriceForm()
    form.interval.value, form.interval_count.value = "month", 3
    assert form.values["price"]["recurring"] == {"interval": "month", "interval_count": 3}
    form.interval.value, form.interval_count.value = "year", 4
    assert "At most 3 years" in form.error
    form.name.value = " "
    with pytest.raises(forms.FormError, match="Product name"):
        _ = form.values


def test_form_widget_shows_fields_and_error_line():
    form = forms.ProductPriceForm()
    children = form.widget.children
    assert children[0] is form.name and children[-1] is form._error
    bundle = form._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_a_form_not_drawn_reads_as_its_fields():
    """QA: a saved notebook showed `VBox(children=(Text(value='Stock photo service', …` where the
    form is, until the learner ran the cell."""
    form = forms.CustomerForm()
    form.action.value = "find"
    text = form._repr_mimebundle_()["text/plain"]
    assert text.startswith("A form (run this cell to fill it in)")
    assert "Action: find" in text and "Email: jenny.rosen@example.com" in text
    assert "VBox" not in text


def test_customer_form():
    form = forms.CustomerForm()
    assert form.mode == "create"
    assert form.values == {"email": "jenny.rosen@example.com", "name": "Jenny Rosen",
                           "description": "My First Test Customer (created for API docs)"}
    form.email.value = ""
    form.name.value = ""
    assert form.values == {"description": "My First Test Customer (created for API docs)"}
    form.action.value = "find"
    assert "needs the email" in form.error
    form.email.value = "o'hara@example.com"
    assert form.values == {"email": "o'hara@example.com", "limit": 1}
    assert form.search_params() == {"query": "email:'o\\'hara@example.com'"}


@pytest.mark.parametrize("action", ["create", "find"])
def test_customer_form_gives_no_params_for_an_invalid_email(action):
    """Issue 9.1: the form warned about `not-an-email`, yet the notebook created the customer."""
    form = forms.CustomerForm()
    form.action.value = action
    form.email.value = "not-an-email"
    assert "not an email address" in form._error.value
    for params in (lambda: form.values, form.create_params, form.list_params, form.search_params):
        with pytest.raises(forms.FormError, match="not an email address"):
            params()


def test_customer_form_find_needs_an_email():
    """Issue 9.1: "Find by email" with no email listed `email=` and adopted a customer without one."""
    form = forms.CustomerForm()
    form.action.value = "find"
    form.email.value = "  "
    for params in (lambda: form.values, form.list_params, form.search_params):
        with pytest.raises(forms.FormError, match="needs the email"):
            params()


def test_form_error_shows_one_line_with_what_to_do():
    """Issue 9.9: a FormError is shown by IPython as one line, saying how to go on."""
    lines = forms.FormError("Email 'x' is not an email address.")._render_traceback_()
    assert len(lines) == 1
    assert "Email 'x' is not an email address." in said(lines[0])
    assert "run this cell again" in said(lines[0])


def test_labels_and_values_are_not_cut_off():
    """Issue 9.15: `payment_method_c…` and the email box were cut off. At about 8 px a character,
    every label fits its 160 px, and every option and default value fits its field."""
    all_forms = [forms.ProductPriceForm(), forms.CustomerForm(), forms.SetupIntentForm(),
                 forms.SubscriptionForm(["price_" + "x" * 24]),
                 forms.TestClockAdvanceForm(datetime(2027, 1, 1, tzinfo=UTC))]
    for form in all_forms:
        for field in form.widget.children[:-1]:
            assert len(field.description) * 8 <= int(field.style.description_width.removesuffix("px"))
            if isinstance(field, (forms.widgets.Text, forms.widgets.Dropdown)):
                width = int(field.layout.width.removesuffix("px")) - 160
                texts = [str(o[0] if isinstance(o, tuple) else o) for o in getattr(field, "options", [])]
                for text in [*texts, str(field.value)]:
                    assert len(text) * 8 <= width, (field.description, text)


def test_setup_intent_form_defaults_for_the_sdk_version():
    form = forms.SetupIntentForm(customer="cus_1")
    assert form.values == {
        "confirm": True, "customer": "cus_1", "payment_method_data": {"type": "amazon_pay"},
        "usage": "off_session", "mandate_data": GUIDE_MANDATE, "return_url": "https://www.stripe.com",
    }


def test_setup_intent_form_guide_version_sends_payment_method_types():
    form = forms.SetupIntentForm(stripe_version="2025-03-31.basil")
    values = form.values
    assert values["payment_method_types"] == ["amazon_pay"]
    assert "customer" not in values
    form.restrict.value = "allowed_payment_method_types"
    assert form.values["allowed_payment_method_types"] == ["amazon_pay"]
    assert "payment_method_types" not in form.values


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("return_url", "www.stripe.com", "absolute http"), ("return_url", "ftp://x.example", "absolute http"),
     ("ip_address", "127.0.0", "not an IPv4"), ("user_agent", "  ", "User agent")],
)
def test_setup_intent_form_validation(field, value, message):
    form = forms.SetupIntentForm()
    getattr(form, field).value = value
    assert message in form._error.value
    with pytest.raises(forms.FormError, match=message):
        _ = form.values


def test_setup_intent_form_accepts_ipv6_and_on_session():
    form = forms.SetupIntentForm()
    form.ip_address.value, form.usage.value = "::1", "on_session"
    values = form.values
    assert values["usage"] == "on_session"
    assert values["mandate_data"]["customer_acceptance"]["online"]["ip_address"] == "::1"


def test_subscription_form_defaults_are_the_guides_call():
    form = forms.SubscriptionForm(["price_1", ("Yearly", "price_2")], customer="cus_1",
                                  default_payment_method="pm_1")
    assert form.values == {"customer": "cus_1", "items": [{"price": "price_1"}],
                           "default_payment_method": "pm_1", "off_session": True}
    form.price.value = "price_2"
    form.quantity.value = 2
    form.trial_days.value = 7
    form.payment_behavior.value = "default_incomplete"
    assert form.values == {"customer": "cus_1", "items": [{"price": "price_2", "quantity": 2}],
                           "default_payment_method": "pm_1", "off_session": True,
                           "trial_period_days": 7, "payment_behavior": "default_incomplete"}


def test_subscription_form_needs_a_price():
    with pytest.raises(forms.FormError, match="at least one price"):
        forms.SubscriptionForm([])


def test_test_clock_form_default_and_validation():
    frozen = datetime(2026, 1, 31, 12, 30, tzinfo=UTC)
    form = forms.TestClockAdvanceForm(int(frozen.timestamp()))
    assert form.day.value == date(2026, 3, 1)  # Feb 28 + 1 day
    assert form.values == {"frozen_time": int(datetime(2026, 3, 1, 12, 30, tzinfo=UTC).timestamp())}
    form.day.value = date(2026, 1, 31)
    assert "only moves forward" in form._error.value
    with pytest.raises(forms.FormError):
        _ = form.values
    form.day.value = None
    assert "Pick a date" in form.error


def test_test_clock_form_follows_the_clock():
    """Issue 9.12: after three advances the form still said 2027-01-01, and advancing again failed."""
    form = forms.TestClockAdvanceForm(datetime(2027, 1, 1, 12, tzinfo=UTC))
    assert "2027-01-01 12:00" in form.now.value
    moved = datetime(2027, 4, 4, 12, tzinfo=UTC)
    form.refresh(int(moved.timestamp()))
    assert "2027-04-04 12:00" in form.now.value
    assert form.values == {"frozen_time": int(datetime(2027, 5, 5, 12, tzinfo=UTC).timestamp())}
    assert form.error is None


def test_one_month_and_a_day():
    assert forms.one_month_and_a_day(datetime(2026, 12, 15, tzinfo=UTC)) == datetime(2027, 1, 16, tzinfo=UTC)
    assert forms.one_month_and_a_day(datetime(2024, 1, 31, tzinfo=UTC)) == datetime(2024, 3, 1, tzinfo=UTC)


def test_form_values_reach_the_sandbox(client):
    form = forms.ProductPriceForm()
    form.amount.value, form.currency.value = "20", "eur"
    product = client.v1.products.create(params=form.product_params())
    price = client.v1.prices.create(params=form.price_params(product.id))
    assert (price.unit_amount, price.currency, price.product) == (2000, "eur", product.id)
