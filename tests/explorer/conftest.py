"""Fixtures of the explorer's tests: a learner on the test sandbox, with the guide's objects."""

from __future__ import annotations

import pytest

from support.stripe_objects import authorized_customer, monthly_price, open_invoice, subscribe


@pytest.fixture
def world(learner_env):
    """A learner's account with one of everything the guide makes, and the IDs of it all."""
    from helpers.explorer import send

    client = send.sandbox_client()
    price = monthly_price(client)
    customer, intent = authorized_customer(client)
    subscription = subscribe(client, customer.id, price.id, intent.payment_method)
    _, invoice = open_invoice(client)
    clock = client.v1.test_helpers.test_clocks.create(params={"frozen_time": 1798804800})
    endpoint = client.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/webhooks",
                                                          "enabled_events": ["invoice.paid"]})
    event = client.v1.events.list(params={"limit": 1}).data[0]
    ids = [price.product, price.id, customer.id, intent.id, intent.payment_method, intent.mandate,
           subscription.id, subscription["items"].data[0].id, subscription.latest_invoice, invoice.id,
           clock.id, endpoint.id, event.id]
    charges = client.v1.charges.list(params={"limit": 1}).data
    intents = client.v1.payment_intents.list(params={"limit": 1}).data
    pmcs = client.v1.payment_method_configurations.list(params={"limit": 1}).data
    ids += [c.id for c in charges] + [p.id for p in intents] + [c.id for c in pmcs]
    payments = client.v1.invoice_payments.list(params={"limit": 1}).data
    ids += [p.id for p in payments]
    return [i for i in ids if i]
