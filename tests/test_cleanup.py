"""Notebook 09's clean-up (helpers.cleanup) on real sandbox objects: each step says what it did,
and why it skipped one; nothing recorded is one sentence."""

from __future__ import annotations

import pytest
import stripe
from IPython.core.formatters import HTMLFormatter, PlainTextFormatter

from helpers import cleanup, progress

TAG = dict([progress.TUTORIAL_TAG])


def results(frame) -> dict[str, str]:
    return dict(zip(frame["step"], frame["result"], strict=True))


def test_nothing_recorded_is_one_sentence(client):
    """QA: running 09 a second time showed a table with only its header."""
    done = cleanup.clean_up({}, client)
    sentence = "Nothing recorded: nothing to clean up."
    assert PlainTextFormatter()(done) == sentence
    assert HTMLFormatter()(done) == f"<p>{sentence}</p>"


def test_each_skip_says_why(client):
    """QA: "cancel subscription: skipped" did not say it was already canceled."""
    product = client.v1.products.create(params={"name": "Stock photo service", "metadata": TAG})
    price = client.v1.prices.create(params={"product": product.id, "unit_amount": 1500, "currency": "usd",
                                            "recurring": {"interval": "month"}})
    ours = client.v1.customers.create(params={"email": "jenny.rosen@example.com", "metadata": TAG})
    subscription = client.v1.subscriptions.create(params={
        "customer": ours.id, "items": [{"price": price.id}], "payment_behavior": "default_incomplete"})
    client.v1.subscriptions.cancel(subscription.id)
    client.v1.prices.update(price.id, params={"active": False})
    found = client.v1.customers.create(params={"email": "someone@example.com"})  # found by email: not ours
    endpoint = client.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/webhooks",
                                                          "enabled_events": ["invoice.paid"]})
    client.v1.webhook_endpoints.delete(endpoint.id)
    clock = client.v1.test_helpers.test_clocks.create(params={"frozen_time": 1798804800})

    done = results(cleanup.clean_up({
        "subscription": subscription.id, "price": price.id, "product": product.id, "customer": found.id,
        "webhook_endpoint": endpoint.id, "test_clock": clock.id}, client))
    assert done == {
        "cancel subscription": "skipped: already canceled",
        "delete customer": "skipped: kept, not made by the tutorial (found by email)",
        "delete test clock (and its customers)": "done",
        "delete webhook endpoint": "skipped: already deleted",
        "archive price": "skipped: already archived",
        "archive product": "done",
    }
    client.v1.customers.delete(ours.id)
    again = results(cleanup.clean_up({"customer": ours.id, "test_clock": clock.id, "product": product.id}, client))
    assert again == {"delete customer": "skipped: already deleted",
                     "delete test clock (and its customers)": "skipped: already deleted",
                     "archive product": "skipped: already archived"}


def test_the_trials_clock_is_deleted_with_its_customer(client):
    """Issue 17.13: notebook 07's trial lives on a clock of its own, which 09 must delete too."""
    clock = client.v1.test_helpers.test_clocks.create(params={"frozen_time": 1798804800})
    customer = client.v1.customers.create(params={"test_clock": clock.id, "metadata": TAG})
    done = results(cleanup.clean_up({"trial_clock": clock.id}, client))
    assert done == {"delete trial_clock (and its customer)": "done"}
    with pytest.raises(stripe.InvalidRequestError, match="No such customer"):
        client.v1.customers.retrieve(customer.id)


def test_what_is_still_waiting_or_active_is_undone(client):
    customer = client.v1.customers.create(params={"email": "jenny.rosen@example.com", "metadata": TAG})
    intent = client.v1.setup_intents.create(params={"customer": customer.id, "usage": "off_session"})
    done = results(cleanup.clean_up({"guide_setup_intent": intent.id, "customer": customer.id}, client))
    assert done == {"cancel guide_setup_intent": "done", "delete customer": "done"}
    assert client.v1.setup_intents.retrieve(intent.id).status == "canceled"
    assert getattr(client.v1.customers.retrieve(customer.id), "deleted", False)
    again = results(cleanup.clean_up({"guide_setup_intent": intent.id}, client))
    assert again == {"cancel guide_setup_intent": "skipped: already canceled"}


def test_what_the_exercises_made_is_undone_too(learner_env):
    """Issue 16.10: 09 said the account was left "as it was before the tutorial" while the
    exercises' objects stayed (a EUR price, a yearly price, a SetupIntent still waiting)."""
    from helpers import check, focus
    from helpers import client as client_mod

    client = client_mod.get_client()
    product = client.v1.products.create(params={"name": "Stock photo service", "metadata": TAG})
    progress.remember("product", product.id)
    try:
        check.predict("05-eur-price", 400)
        eur = client.v1.prices.create(params={"product": product.id, "unit_amount": 1500, "currency": "eur",
                                              "recurring": {"interval": "month"}})
        check.start("05-before-authorizing")
        customer = client.v1.customers.create(params={"email": "exercise@example.com"})
        waiting = client.v1.setup_intents.create(params={"customer": customer.id, "usage": "off_session"})
    finally:
        focus.clear()
    done = results(cleanup.clean_up(progress.recorded(), client))
    assert done == {
        f"cancel SetupIntent {waiting.id} (exercise 05-before-authorizing)": "done",
        f"delete customer {customer.id} (exercise 05-before-authorizing)": "done",
        f"archive price {eur.id} (exercise 05-eur-price)": "done",
        "archive product": "done",
    }
    assert client.v1.setup_intents.retrieve(waiting.id).status == "canceled"
    assert client.v1.prices.retrieve(eur.id).active is False
