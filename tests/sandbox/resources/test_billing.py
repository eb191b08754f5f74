"""Subscriptions, invoices and payments in the sandbox, through stripe-python's StripeClient."""

from __future__ import annotations

import httpx
import pytest
import stripe

from support.stripe_objects import (
    ONLINE,
    RETURN_URL,
    authorized_customer,
    check_shape,
    monthly_price,
    subscribe,
    unique,
)

# --------------------------------------------------------------------------- helpers (shared by the clock and webhook tests)


# --------------------------------------------------------------------------- the guide end to end

def test_guide_end_to_end(client):
    product = client.v1.products.create(params={"name": unique("Monthly plan ")})
    price = client.v1.prices.create(params={
        "product": product.id, "unit_amount": 1500, "currency": "usd", "recurring": {"interval": "month"},
    })
    customer, si = authorized_customer(client)
    start = client.v1.events.list(params={"limit": 1}).data[0].id

    sub = subscribe(client, customer.id, price.id, si.payment_method)
    assert sub.status == "active"
    assert sub.default_payment_method == si.payment_method
    assert sub.billing_mode.type == "flexible" and sub.billing_mode.flexible.proration_discounts == "included"
    assert "current_period_start" not in sub.to_dict()
    item = sub["items"].data[0]
    assert sub["items"].url == f"/v1/subscription_items?subscription={sub.id}"
    assert item.price.id == price.id and item.quantity == 1
    assert item.current_period_end > item.current_period_start == sub.start_date
    assert isinstance(sub.latest_invoice, str) and sub.latest_invoice.startswith("in_")
    check_shape(sub)

    invoice = client.v1.invoices.retrieve(sub.latest_invoice)
    assert (invoice.status, invoice.billing_reason) == ("paid", "subscription_create")
    assert (invoice.total, invoice.amount_paid, invoice.amount_remaining) == (1500, 1500, 0)
    assert invoice.number == f"{customer.invoice_prefix}-0001"
    assert invoice.parent.subscription_details.subscription == sub.id
    assert invoice.status_transitions.paid_at and invoice.status_transitions.finalized_at
    line = invoice.lines.data[0]
    assert line.parent.subscription_item_details.subscription_item == item.id
    assert line.pricing.price_details.price == price.id and line.period.end == item.current_period_end
    check_shape(invoice)

    expanded = client.v1.invoices.retrieve(invoice.id, params={"expand": ["payments", "confirmation_secret"]})
    check_shape(expanded, ("payments", "confirmation_secret"))
    payment = expanded.payments.data[0]
    assert payment.id.startswith("inpay_") and payment.status == "paid" and payment.amount_paid == 1500
    pi = client.v1.payment_intents.retrieve(payment.payment.payment_intent)
    assert (pi.status, pi.amount, pi.currency, pi.customer) == ("succeeded", 1500, "usd", customer.id)
    assert pi.payment_method_types == ["amazon_pay"] and pi.payment_method == si.payment_method
    assert expanded.confirmation_secret.client_secret == pi.client_secret
    check_shape(pi)
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert (charge.status, charge.paid, charge.payment_method_details.type) == ("succeeded", True, "amazon_pay")
    check_shape(charge)

    types = [e.type for e in reversed(client.v1.events.list(params={"ending_before": start, "limit": 100}).data)]
    assert types == [
        "customer.subscription.created", "invoice.created", "invoice.finalized", "payment_intent.created",
        "payment_intent.succeeded", "charge.succeeded", "invoice_payment.paid", "invoice.updated",
        "invoice.paid", "invoice.payment_succeeded",
    ]


def test_expand_latest_invoice_payments(client):
    price = monthly_price(client)
    customer, si = authorized_customer(client)
    sub = subscribe(client, customer.id, price.id, si.payment_method,
                    expand=["latest_invoice.payments", "latest_invoice.confirmation_secret"])
    assert sub.latest_invoice.payments.data[0].payment.type == "payment_intent"
    check_shape(sub, ("payments", "confirmation_secret"))
    assert "payments" not in client.v1.invoices.retrieve(sub.latest_invoice.id).to_dict()


def test_lists_and_item_routes(client):
    price = monthly_price(client)
    customer, si = authorized_customer(client)
    sub = subscribe(client, customer.id, price.id, si.payment_method, metadata={"plan": "basic"})
    assert [s.id for s in client.v1.subscriptions.list(params={"customer": customer.id}).data] == [sub.id]
    assert [s.id for s in client.v1.subscriptions.list(params={"price": price.id}).data] == [sub.id]
    assert client.v1.subscriptions.list(params={"customer": customer.id, "status": "past_due"}).data == []
    invoices = client.v1.invoices.list(params={"subscription": sub.id}).data
    assert [i.id for i in invoices] == [sub.latest_invoice]
    assert client.v1.invoices.list(params={"customer": customer.id, "status": "open"}).data == []
    assert len(client.v1.payment_intents.list(params={"customer": customer.id}).data) == 1
    assert len(client.v1.charges.list(params={"customer": customer.id}).data) == 1
    items = client.v1.subscription_items.list(params={"subscription": sub.id})
    assert [i.id for i in items.data] == [sub["items"].data[0].id]
    check_shape(client.v1.subscription_items.retrieve(items.data[0].id))
    invoice = client.v1.invoices.retrieve(sub.latest_invoice)
    assert invoice.parent.subscription_details.metadata.to_dict() == {"plan": "basic"}


# --------------------------------------------------------------------------- refusals

def test_refusals(client):
    customer, si = authorized_customer(client)
    other, other_si = authorized_customer(client)
    price = monthly_price(client)
    with pytest.raises(stripe.InvalidRequestError) as err:
        subscribe(client, customer.id, price.id, other_si.payment_method)
    assert err.value.param == "default_payment_method" and "must be attached to the customer" in err.value.user_message

    product = client.v1.products.create(params={"name": unique()})
    one_time = client.v1.prices.create(params={"product": product.id, "unit_amount": 500, "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError) as err:
        subscribe(client, customer.id, one_time.id, si.payment_method)
    assert err.value.user_message == (
        "The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`."
    )
    assert err.value.param == "items[0][price]"

    inactive = monthly_price(client)
    client.v1.prices.update(inactive.id, params={"active": False})
    with pytest.raises(stripe.InvalidRequestError, match="inactive"):
        subscribe(client, customer.id, inactive.id, si.payment_method)

    eur = monthly_price(client, currency="eur")
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.subscriptions.create(params={
            "customer": customer.id, "items": [{"price": price.id}, {"price": eur.id}],
            "default_payment_method": si.payment_method,
        })
    assert err.value.param == "items[1][price]" and "currency" in err.value.user_message
    yearly = client.v1.prices.create(params={
        "product": product.id, "unit_amount": 9000, "currency": "usd", "recurring": {"interval": "year"},
    })
    with pytest.raises(stripe.InvalidRequestError, match="same recurring interval"):
        client.v1.subscriptions.create(params={
            "customer": customer.id, "items": [{"price": price.id}, {"price": yearly.id}],
            "default_payment_method": si.payment_method,
        })
    with pytest.raises(stripe.InvalidRequestError) as err:
        subscribe(client, customer.id, eur.id, si.payment_method)
    assert err.value.code == "payment_method_currency_mismatch" and "US business" in err.value.user_message
    bare = client.v1.customers.create(params={"email": f"{unique()}@example.com"})
    with pytest.raises(stripe.InvalidRequestError, match="no attached payment source"):
        subscribe(client, bare.id, price.id, None)
    assert client.v1.subscriptions.list(params={"customer": customer.id}).data == []
    assert client.v1.subscriptions.list(params={"customer": bare.id}).data == []


# --------------------------------------------------------------------------- failed first payments

def _detached(client) -> tuple[stripe.Customer, str, stripe.Price]:
    """A customer whose PaymentMethod is attached again after a detach: its mandate is inactive."""
    customer, si = authorized_customer(client)
    client.v1.payment_methods.detach(si.payment_method)
    client.v1.payment_methods.attach(si.payment_method, params={"customer": customer.id})
    return customer, si.payment_method, monthly_price(client)


def test_allow_incomplete_leaves_an_open_invoice(client):
    customer, pm, price = _detached(client)
    sub = subscribe(client, customer.id, price.id, pm)
    assert sub.status == "incomplete"
    invoice = client.v1.invoices.retrieve(sub.latest_invoice, params={"expand": ["payments"]})
    assert (invoice.status, invoice.attempt_count, invoice.amount_remaining) == ("open", 1, 1500)
    pi = client.v1.payment_intents.retrieve(invoice.payments.data[0].payment.payment_intent)
    assert pi.status == "requires_payment_method" and pi.last_payment_error.code == "payment_intent_mandate_invalid"
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert (charge.status, charge.paid, charge.failure_code) == ("failed", False, "payment_intent_mandate_invalid")
    types = {e.type for e in client.v1.events.list(params={"limit": 30}).data
             if e.data.object.to_dict().get("customer") == customer.id}
    assert {"invoice.payment_failed", "payment_intent.payment_failed", "charge.failed"} <= types

    # A fresh mandate, then paying the invoice makes the subscription active.
    _, si = _new_mandate(client, customer.id)
    paid = client.v1.invoices.pay(invoice.id, params={"payment_method": si.payment_method})
    assert paid.status == "paid" and paid.attempt_count == 2
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"


def _new_mandate(client, customer_id: str):
    si = client.v1.setup_intents.create(params={
        "confirm": True, "customer": customer_id, "payment_method_data": {"type": "amazon_pay"},
        "usage": "off_session", "return_url": RETURN_URL, "mandate_data": {"customer_acceptance": ONLINE},
    })
    httpx.post(si.next_action.redirect_to_url.url, data={"action": "authorize"}, follow_redirects=False)
    return customer_id, client.v1.setup_intents.retrieve(si.id)


def test_error_if_incomplete_leaves_nothing(client):
    customer, pm, price = _detached(client)
    with pytest.raises(stripe.CardError) as err:
        subscribe(client, customer.id, price.id, pm, payment_behavior="error_if_incomplete")
    assert err.value.http_status == 402 and err.value.code == "payment_intent_mandate_invalid"
    assert client.v1.subscriptions.list(params={"customer": customer.id, "status": "all"}).data == []
    assert client.v1.invoices.list(params={"customer": customer.id}).data == []
    assert client.v1.payment_intents.list(params={"customer": customer.id}).data == []


def test_default_incomplete_awaits_confirmation(client):
    customer, si = authorized_customer(client)
    price = monthly_price(client)
    sub = subscribe(client, customer.id, price.id, si.payment_method, payment_behavior="default_incomplete",
                    expand=["latest_invoice.confirmation_secret", "latest_invoice.payments"])
    assert sub.status == "incomplete" and sub.latest_invoice.status == "open"
    pi_id = sub.latest_invoice.payments.data[0].payment.payment_intent
    pi = client.v1.payment_intents.retrieve(pi_id)
    assert pi.status == "requires_confirmation" and pi.client_secret == sub.latest_invoice.confirmation_secret.client_secret
    assert client.v1.charges.list(params={"payment_intent": pi_id}).data == []
    confirmed = client.v1.payment_intents.confirm(pi_id)
    assert confirmed.status == "succeeded"
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"
    assert client.v1.invoices.retrieve(sub.latest_invoice.id).status == "paid"


# --------------------------------------------------------------------------- update, cancel, void

def test_update_and_cancel(client):
    customer, si = authorized_customer(client)
    price = monthly_price(client)
    sub = subscribe(client, customer.id, price.id, si.payment_method)
    start = client.v1.events.list(params={"limit": 1}).data[0].id
    item = sub["items"].data[0]
    pricier = monthly_price(client, amount=2500)
    updated = client.v1.subscriptions.update(sub.id, params={
        "cancel_at_period_end": True, "metadata": {"k": "v"},
        "items": [{"id": item.id, "price": pricier.id}],
    })
    assert updated.cancel_at_period_end is True and updated.cancel_at == item.current_period_end
    assert updated["items"].data[0].price.id == pricier.id and updated.metadata.to_dict() == {"k": "v"}
    event = client.v1.events.list(params={"ending_before": start, "type": "customer.subscription.updated"}).data[0]
    assert event.data.previous_attributes["cancel_at_period_end"] is False
    assert "metadata" in event.data.previous_attributes
    with pytest.raises(stripe.InvalidRequestError, match="No such PaymentMethod"):
        client.v1.subscriptions.update(sub.id, params={"default_payment_method": unique("pm_")})

    canceled = client.v1.subscriptions.cancel(sub.id)
    assert canceled.status == "canceled" and canceled.ended_at and canceled.canceled_at
    assert canceled.cancellation_details.reason == "cancellation_requested"
    assert client.v1.subscriptions.list(params={"customer": customer.id}).data == []
    assert [s.id for s in client.v1.subscriptions.list(params={"customer": customer.id, "status": "canceled"}).data] == [sub.id]
    deleted = client.v1.events.list(params={"type": "customer.subscription.deleted", "limit": 1}).data[0]
    assert deleted.data.object.id == sub.id
    with pytest.raises(stripe.InvalidRequestError, match="canceled subscription"):
        client.v1.subscriptions.update(sub.id, params={"cancel_at_period_end": False})


def test_void_open_invoice(client):
    customer, pm, price = _detached(client)
    sub = subscribe(client, customer.id, price.id, pm)
    voided = client.v1.invoices.void_invoice(sub.latest_invoice)
    assert voided.status == "void" and voided.status_transitions.voided_at
    pi = client.v1.payment_intents.list(params={"customer": customer.id}).data[0]
    assert pi.status == "canceled" and pi.cancellation_reason == "void_invoice"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.invoices.pay(voided.id)


# --------------------------------------------------------------------------- events and customer deletion

def test_events_filters_and_shape(client):
    customer, si = authorized_customer(client)
    sub = subscribe(client, customer.id, monthly_price(client).id, si.payment_method)
    invoice_events = client.v1.events.list(params={"type": "invoice.*", "limit": 5}).data
    assert {e.type for e in invoice_events} == {
        "invoice.created", "invoice.finalized", "invoice.updated", "invoice.paid", "invoice.payment_succeeded",
    }
    pair = client.v1.events.list(params={"types": ["charge.succeeded", "customer.subscription.created"], "limit": 2}).data
    assert [e.type for e in pair] == ["charge.succeeded", "customer.subscription.created"]
    assert pair[1].data.object.id == sub.id and pair[1].request.id
    created = pair[1].created
    newer = client.v1.events.list(params={"created": {"gt": created}, "limit": 100}).data
    assert all(e.created > created for e in newer)
    for event in pair:
        check_shape(client.v1.events.retrieve(event.id))


def test_deleting_the_customer_cancels_its_subscriptions(client):
    customer, si = authorized_customer(client)
    sub = subscribe(client, customer.id, monthly_price(client).id, si.payment_method)
    client.v1.customers.delete(customer.id)
    assert client.v1.subscriptions.retrieve(sub.id).status == "canceled"
    event = client.v1.events.list(params={"type": "customer.subscription.deleted", "limit": 1}).data[0]
    assert event.data.object.id == sub.id


@pytest.fixture(scope="module")
def subscription(sandbox) -> stripe.Subscription:
    from support.stripe_objects import make_client

    client = make_client(sandbox.url)
    customer, si = authorized_customer(client)
    return client.v1.subscriptions.create(params={
        "customer": customer.id, "items": [{"price": monthly_price(client).id}],
        "default_payment_method": si.payment_method, "off_session": True,
    })


def test_subscription_item_changes_need_an_id_or_a_price(client, subscription):
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.subscriptions.update(subscription.id, params={"items": [{"deleted": True}]})
    assert (err.value.http_status, err.value.code, err.value.param) == (400, "parameter_missing", "items[0][id]")
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.subscriptions.update(subscription.id, params={"items": [{"quantity": 2}]})
    assert (err.value.http_status, err.value.code, err.value.param) == (400, "parameter_missing", "items[0][price]")


def test_negative_quantity_is_refused(client, subscription):
    customer = client.v1.customers.create()
    price = monthly_price(client)
    with pytest.raises(stripe.InvalidRequestError, match="greater than or equal to 0") as err:
        client.v1.subscriptions.create(params={"customer": customer.id, "items": [{"price": price.id, "quantity": -1}]})
    assert (err.value.code, err.value.param) == ("parameter_invalid_integer", "items[0][quantity]")
    item = subscription["items"].data[0]
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.subscriptions.update(subscription.id, params={"items": [{"id": item.id, "quantity": -3}]})
    assert err.value.param == "items[0][quantity]"


def test_invoice_total_above_the_maximum_is_refused(client, subscription):
    customer = client.v1.customers.create()
    price = monthly_price(client, amount=99_999_999)
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.subscriptions.create(params={"customer": customer.id, "items": [{"price": price.id, "quantity": 2}]})
    assert (err.value.http_status, err.value.code) == (400, "amount_too_large")
    item = subscription["items"].data[0]
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.subscriptions.update(subscription.id, params={"items": [{"id": item.id, "quantity": 100_000}]})
    assert err.value.code == "amount_too_large"


def test_nested_expandable_fields_still_expand(client, subscription):
    customer = client.v1.customers.retrieve(
        subscription.customer, params={"expand": ["invoice_settings.default_payment_method", "subscriptions"]}
    )
    assert customer.subscriptions.data[0].id == subscription.id
    sub = client.v1.subscriptions.retrieve(
        subscription.id, params={"expand": ["latest_invoice", "items.data.price.product", "default_payment_method"]}
    )
    assert sub.latest_invoice.object == "invoice"
    assert sub["items"].data[0].price.product.object == "product"
    assert sub.default_payment_method.type == "amazon_pay"
    with pytest.raises(stripe.InvalidRequestError, match=r"cannot be expanded \(items\)"):
        client.v1.subscriptions.retrieve(subscription.id, params={"expand": ["items"]})
