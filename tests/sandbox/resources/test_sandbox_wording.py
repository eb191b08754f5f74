"""Errors whose wording Stripe does not publish say that the words are the sandbox's (issue 17.5):
a learner reads them in a notebook and must not take them for Stripe's."""

from __future__ import annotations

import pytest
import stripe

from helpers import limits, progress
from support.stripe_objects import (
    advance,
    authorized_customer,
    monthly_price,
    new_clock,
    subscribe,
    ts,
)


def test_a_eur_subscription_on_the_us_account_is_refused_in_the_sandboxs_words(client):
    customer, si = authorized_customer(client)
    eur = monthly_price(client, currency="eur")
    with pytest.raises(stripe.InvalidRequestError) as refused:
        subscribe(client, customer.id, eur.id, si.payment_method)
    assert refused.value.code == "payment_method_currency_mismatch"
    assert limits.US_CURRENCIES in refused.value.user_message
    assert "The sandbox's rule and wording" in refused.value.user_message


def test_advancing_a_clock_too_far_is_refused_in_the_sandboxs_words(client):
    clock = new_clock(client, ts(2026, 3, 1))
    customer, si = authorized_customer(client, test_clock=clock.id)
    subscribe(client, customer.id, monthly_price(client).id, si.payment_method)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        advance(client, clock, ts(2026, 6, 1))
    assert refused.value.param == "frozen_time"
    assert "this wording is the sandbox's" in refused.value.user_message


def test_a_missing_return_url_is_refused_in_the_sandboxs_words(client):
    customer = client.v1.customers.create()
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.setup_intents.create(params={
            "confirm": True, "customer": customer.id, "usage": "off_session",
            "payment_method_data": {"type": "amazon_pay"}, "mandate_data": progress.GUIDE_MANDATE})
    assert (refused.value.code, refused.value.param) == ("parameter_missing", "return_url")
    assert "The sandbox's wording" in refused.value.user_message
