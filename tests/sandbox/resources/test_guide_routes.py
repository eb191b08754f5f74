"""Every part-1 route of the sandbox, through stripe-python's StripeClient, as a notebook calls it."""

from __future__ import annotations

import urllib.parse
import uuid

import httpx
import pytest
import stripe

from support.stripe_objects import PUBLISHABLE, make_client, unique_email

ONLINE = {"type": "online", "online": {"ip_address": "127.0.0.0", "user_agent": "device"}}
RETURN_URL = "https://shop.example/return?order=42"


def unique(prefix: str = "") -> str:
    return prefix + uuid.uuid4().hex[:12]


def new_customer(client, **params) -> stripe.Customer:
    return client.v1.customers.create(params={"email": f"{unique()}@example.com", **params})


def redirect_setup_intent(client, customer_id: str | None, **extra) -> stripe.SetupIntent:
    """The guide's SetupIntent (without payment_method_types, which the default version refuses)."""
    params = {
        "confirm": True,
        "payment_method_data": {"type": "amazon_pay"},
        "usage": "off_session",
        "return_url": RETURN_URL,
        "mandate_data": {"customer_acceptance": ONLINE},
        **extra,
    }
    if customer_id:
        params["customer"] = customer_id
    return client.v1.setup_intents.create(params=params)


def decide(url: str, action: str) -> httpx.Response:
    """Press a button on the hosted Amazon Pay page."""
    return httpx.post(url, data={"action": action}, follow_redirects=False)


# --------------------------------------------------------------------------- products and prices


def test_product_crud(client):
    product = client.v1.products.create(
        params={"name": "Stock photos", "description": "monthly", "metadata": {"tier": "basic"}}
    )
    assert product.id.startswith("prod_") and product.active is True and product.name == "Stock photos"
    assert client.v1.products.retrieve(product.id).description == "monthly"
    updated = client.v1.products.update(product.id, params={"name": "Stock photos+", "active": False})
    assert (updated.name, updated.active, updated.metadata["tier"]) == ("Stock photos+", False, "basic")
    inactive = client.v1.products.list(params={"active": False, "limit": 100})
    assert product.id in [p.id for p in inactive.data]
    assert product.id not in [p.id for p in client.v1.products.list(params={"active": True, "limit": 100}).data]
    by_id = client.v1.products.list(params={"ids": [product.id]})
    assert [p.id for p in by_id.data] == [product.id]
    gone = client.v1.products.delete(product.id)
    assert gone.deleted is True and gone.id == product.id
    with pytest.raises(stripe.InvalidRequestError, match="No such product"):
        client.v1.products.retrieve(product.id)


def test_product_with_custom_id_and_duplicates(client):
    product_id = unique("prod_custom_")
    assert client.v1.products.create(params={"id": product_id, "name": "x"}).id == product_id
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.products.create(params={"id": product_id, "name": "x"})
    assert caught.value.code == "resource_already_exists"


def test_product_with_prices_cannot_be_deleted(client):
    product = client.v1.products.create(params={"name": "has a price"})
    client.v1.prices.create(params={"product": product.id, "unit_amount": 100, "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError, match="cannot be deleted"):
        client.v1.products.delete(product.id)
    assert client.v1.products.retrieve(product.id).id == product.id


def test_the_guides_price(client):
    product = client.v1.products.create(params={"name": "Stock Photo Service"})
    price = client.v1.prices.create(
        params={"product": product.id, "unit_amount": 1500, "currency": "USD", "recurring": {"interval": "month"}}
    )
    assert price.id.startswith("price_")
    assert (price.unit_amount, str(price.unit_amount_decimal), price.currency) == (1500, "1500", "usd")
    assert price.type == "recurring"
    assert price.recurring.interval == "month" and price.recurring.interval_count == 1
    assert price.recurring.usage_type == "licensed"
    assert price.product == product.id
    assert client.v1.prices.retrieve(price.id).unit_amount == 1500
    expanded = client.v1.prices.retrieve(price.id, params={"expand": ["product"]})
    assert expanded.product.name == "Stock Photo Service"


def test_price_with_product_data_and_one_time(client):
    price = client.v1.prices.create(
        params={"product_data": {"name": "One-off"}, "unit_amount": 999, "currency": "eur"}
    )
    assert price.type == "one_time" and price.recurring is None
    product = client.v1.products.retrieve(price.product)
    assert product.name == "One-off"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.prices.create(
            params={"product": product.id, "product_data": {"name": "x"}, "unit_amount": 1, "currency": "usd"}
        )
    assert caught.value.code == "parameters_exclusive"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.prices.create(params={"unit_amount": 1, "currency": "usd"})
    assert caught.value.param == "product"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.prices.create(params={"product": "prod_nothing", "unit_amount": 1, "currency": "usd"})
    assert caught.value.http_status == 404 and caught.value.param == "product"


def test_price_interval_count_limits(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.prices.create(
            params={
                "product_data": {"name": "x"}, "unit_amount": 1, "currency": "usd",
                "recurring": {"interval": "year", "interval_count": 4},
            }
        )
    assert caught.value.param == "recurring[interval_count]"


def test_price_lookup_key(client):
    key = unique("standard_monthly_")
    product = client.v1.products.create(params={"name": "lookup"})
    first = client.v1.prices.create(
        params={"product": product.id, "unit_amount": 1500, "currency": "usd", "lookup_key": key}
    )
    found = client.v1.prices.list(params={"lookup_keys": [key]})
    assert [p.id for p in found.data] == [first.id]
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.prices.create(params={"product": product.id, "unit_amount": 1600, "currency": "usd", "lookup_key": key})
    assert caught.value.param == "lookup_key"
    second = client.v1.prices.create(
        params={
            "product": product.id, "unit_amount": 1600, "currency": "usd",
            "lookup_key": key, "transfer_lookup_key": True,
        }
    )
    assert [p.id for p in client.v1.prices.list(params={"lookup_keys": [key]}).data] == [second.id]
    assert client.v1.prices.retrieve(first.id).lookup_key is None


def test_price_update_and_list_filters(client):
    product = client.v1.products.create(params={"name": "filters"})
    monthly = client.v1.prices.create(
        params={"product": product.id, "unit_amount": 1500, "currency": "usd", "recurring": {"interval": "month"}}
    )
    yearly = client.v1.prices.create(
        params={"product": product.id, "unit_amount": 15000, "currency": "usd", "recurring": {"interval": "year"}}
    )
    once = client.v1.prices.create(params={"product": product.id, "unit_amount": 500, "currency": "eur"})
    listed = client.v1.prices.list(params={"product": product.id})
    assert [p.id for p in listed.data] == [once.id, yearly.id, monthly.id]
    assert [p.id for p in client.v1.prices.list(params={"product": product.id, "type": "one_time"}).data] == [once.id]
    assert [p.id for p in client.v1.prices.list(params={"product": product.id, "currency": "usd"}).data] == [yearly.id, monthly.id]
    month_only = client.v1.prices.list(params={"product": product.id, "recurring": {"interval": "month"}})
    assert [p.id for p in month_only.data] == [monthly.id]
    updated = client.v1.prices.update(monthly.id, params={"active": False, "nickname": "old", "metadata": {"a": "b"}})
    assert (updated.active, updated.nickname, updated.metadata["a"]) == (False, "old", "b")
    active = client.v1.prices.list(params={"product": product.id, "active": True})
    assert monthly.id not in [p.id for p in active.data]


# --------------------------------------------------------------------------- customers


def test_customer_crud(client):
    email = f"{unique()}@example.com"
    customer = client.v1.customers.create(
        params={"email": email, "name": "Jenny Rosen", "description": "guide", "metadata": {"k": "v"}}
    )
    assert customer.id.startswith("cus_") and customer.object == "customer"
    assert (customer.email, customer.name, customer.metadata["k"]) == (email, "Jenny Rosen", "v")
    assert customer.invoice_settings.default_payment_method is None
    assert client.v1.customers.retrieve(customer.id).email == email
    updated = client.v1.customers.update(customer.id, params={"name": "Jenny R.", "metadata": {"k": ""}})
    assert updated.name == "Jenny R." and updated.metadata.to_dict() == {}
    assert client.v1.customers.retrieve(customer.id).name == "Jenny R."
    gone = client.v1.customers.delete(customer.id)
    assert gone.deleted is True
    stub = client.v1.customers.retrieve(customer.id)  # Stripe answers a deleted customer with a stub
    assert stub.to_dict() == {"id": customer.id, "object": "customer", "deleted": True}
    with pytest.raises(stripe.InvalidRequestError, match=f"No such customer: '{customer.id}'"):
        client.v1.customers.update(customer.id, params={"name": "x"})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.delete(customer.id)


def test_customer_list_by_email(client):
    email = f"{unique()}@example.com"
    a = client.v1.customers.create(params={"email": email})
    b = client.v1.customers.create(params={"email": email})
    new_customer(client)
    found = client.v1.customers.list(params={"email": email})
    assert [c.id for c in found.data] == [b.id, a.id]
    assert found.url == "/v1/customers"


def test_customer_search(client):
    email, name = f"{unique()}@example.com", unique("Name ")
    customer = client.v1.customers.create(params={"email": email, "name": name, "metadata": {"ref": name}})
    by_email = client.v1.customers.search(params={"query": f"email:'{email}'"})
    assert by_email.object == "search_result"
    assert [c.id for c in by_email.data] == [customer.id]
    assert [c.id for c in client.v1.customers.search(params={"query": f'name:"{name}"'}).data] == [customer.id]
    assert [c.id for c in client.v1.customers.search(params={"query": f"name~'{name[5:]}'"}).data] == [customer.id]
    both = client.v1.customers.search(params={"query": f"email:'{email}' AND name:'{name}'"})
    assert [c.id for c in both.data] == [customer.id]
    neither = client.v1.customers.search(params={"query": f"email:'{email}' AND name:'someone else'"})
    assert neither.data == []
    meta = client.v1.customers.search(params={"query": f"metadata['ref']:'{name}'"})
    assert [c.id for c in meta.data] == [customer.id]
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.customers.search(params={"query": "favourite_colour:'blue'"})
    assert caught.value.param == "query"


def test_customer_search_pages(client):
    name = unique("Paged ")
    ids = [client.v1.customers.create(params={"name": name}).id for _ in range(3)]
    first = client.v1.customers.search(params={"query": f"name:'{name}'", "limit": 2})
    assert first.has_more is True and first.next_page
    second = client.v1.customers.search(params={"query": f"name:'{name}'", "limit": 2, "page": first.next_page})
    assert second.has_more is False
    assert sorted(c.id for c in [*first.data, *second.data]) == sorted(ids)


def test_customer_default_payment_method_must_be_attached(client):
    customer = new_customer(client)
    pm = client.v1.payment_methods.create(params={"type": "amazon_pay"})
    with pytest.raises(stripe.InvalidRequestError, match="not attached"):
        client.v1.customers.update(customer.id, params={"invoice_settings": {"default_payment_method": pm.id}})
    client.v1.payment_methods.attach(pm.id, params={"customer": customer.id})
    updated = client.v1.customers.update(customer.id, params={"invoice_settings": {"default_payment_method": pm.id}})
    assert updated.invoice_settings.default_payment_method == pm.id
    expanded = client.v1.customers.retrieve(customer.id, params={"expand": ["invoice_settings.default_payment_method"]})
    assert expanded.invoice_settings.default_payment_method.id == pm.id
    client.v1.payment_methods.detach(pm.id)
    assert client.v1.customers.retrieve(customer.id).invoice_settings.default_payment_method is None


# --------------------------------------------------------------------------- payment methods


def test_payment_method_create_retrieve_update(client):
    pm = client.v1.payment_methods.create(
        params={"type": "amazon_pay", "billing_details": {"email": "jenny@example.com"}, "metadata": {"a": "1"}}
    )
    assert pm.id.startswith("pm_") and pm.type == "amazon_pay" and pm.customer is None
    assert pm.billing_details.email == "jenny@example.com"
    assert pm.amazon_pay is not None
    assert client.v1.payment_methods.retrieve(pm.id).metadata["a"] == "1"
    updated = client.v1.payment_methods.update(pm.id, params={"allow_redisplay": "always"})
    assert updated.allow_redisplay == "always"


def test_only_amazon_pay_is_emulated(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_methods.create(params={"type": "card"})
    assert caught.value.param == "payment_method_data[type]" or caught.value.param == "type"


def test_attach_detach_and_lists(client):
    customer, other = new_customer(client), new_customer(client)
    pm1 = client.v1.payment_methods.create(params={"type": "amazon_pay"})
    pm2 = client.v1.payment_methods.create(params={"type": "amazon_pay"})
    assert client.v1.payment_methods.attach(pm1.id, params={"customer": customer.id}).customer == customer.id
    client.v1.payment_methods.attach(pm2.id, params={"customer": customer.id})
    with pytest.raises(stripe.InvalidRequestError, match="already been attached"):
        client.v1.payment_methods.attach(pm1.id, params={"customer": other.id})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_methods.attach(pm1.id, params={"customer": "cus_nobody"})
    assert caught.value.http_status == 404 and caught.value.param == "customer"
    with pytest.raises(stripe.InvalidRequestError) as caught:  # was "No such customer: 'None'" (404)
        client.v1.payment_methods.attach(pm1.id)
    assert (caught.value.http_status, caught.value.code, caught.value.param) == (400, "parameter_missing", "customer")

    listed = client.v1.payment_methods.list(params={"customer": customer.id, "type": "amazon_pay"})
    assert [p.id for p in listed.data] == [pm2.id, pm1.id]
    assert client.v1.payment_methods.list(params={"customer": customer.id, "type": "card"}).data == []
    nested = client.v1.customers.payment_methods.list(customer.id)
    assert [p.id for p in nested.data] == [pm2.id, pm1.id]
    assert nested.url.startswith("/v1/customers/")
    assert client.v1.customers.payment_methods.retrieve(customer.id, pm1.id).id == pm1.id
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.payment_methods.retrieve(other.id, pm1.id)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.payment_methods.list("cus_nobody")

    detached = client.v1.payment_methods.detach(pm1.id)
    assert detached.customer is None
    assert [p.id for p in client.v1.customers.payment_methods.list(customer.id).data] == [pm2.id]
    with pytest.raises(stripe.InvalidRequestError, match="not attached"):
        client.v1.payment_methods.detach(pm1.id)


# --------------------------------------------------------------------------- SetupIntents


def test_setup_intent_create_without_confirm(client):
    customer = new_customer(client)
    intent = client.v1.setup_intents.create(
        params={"customer": customer.id, "allowed_payment_method_types": ["amazon_pay"], "usage": "off_session",
                "description": "later", "metadata": {"m": "1"}}
    )
    assert intent.id.startswith("seti_")
    assert intent.client_secret.startswith(f"{intent.id}_secret_")
    assert intent.status == "requires_payment_method"
    assert intent.payment_method_types == ["amazon_pay"]
    assert intent.usage == "off_session" and intent.customer == customer.id
    assert intent.next_action is None and intent.latest_attempt is None and intent.mandate is None
    retrieved = client.v1.setup_intents.retrieve(intent.id)
    assert retrieved.client_secret == intent.client_secret
    updated = client.v1.setup_intents.update(intent.id, params={"description": "changed", "metadata": {"m": ""}})
    assert updated.description == "changed" and updated.metadata.to_dict() == {}


def test_setup_intent_with_payment_method_data_but_no_confirm(client):
    intent = client.v1.setup_intents.create(params={"payment_method_data": {"type": "amazon_pay"}})
    assert intent.status == "requires_confirmation"
    assert client.v1.payment_methods.retrieve(intent.payment_method).type == "amazon_pay"


def test_confirm_only_parameters_need_confirm(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.setup_intents.create(params={"return_url": RETURN_URL})
    assert caught.value.param == "return_url"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.setup_intents.create(params={"mandate_data": {"customer_acceptance": ONLINE}})
    assert caught.value.param == "mandate_data"


def test_setup_intent_create_and_confirm(client):
    customer = new_customer(client)
    intent = redirect_setup_intent(client, customer.id)
    assert intent.status == "requires_action"
    assert intent.next_action.type == "redirect_to_url"
    redirect = intent.next_action.redirect_to_url
    assert redirect.return_url == RETURN_URL
    assert redirect.url.startswith("http://127.0.0.1:") and "/pm-redirects/authorize/" in redirect.url
    pm = client.v1.payment_methods.retrieve(intent.payment_method)
    assert pm.type == "amazon_pay" and pm.customer is None  # attached only once authorized
    assert intent.latest_attempt.startswith("setatt_")


def test_confirm_with_secret_key(client):
    customer = new_customer(client)
    intent = client.v1.setup_intents.create(
        params={"customer": customer.id, "allowed_payment_method_types": ["amazon_pay"]}
    )
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.setup_intents.confirm(intent.id)
    assert caught.value.code == "setup_intent_unexpected_state"  # no payment method yet
    confirmed = client.v1.setup_intents.confirm(
        intent.id,
        params={"payment_method_data": {"type": "amazon_pay"}, "return_url": RETURN_URL,
                "mandate_data": {"customer_acceptance": ONLINE}},
    )
    assert confirmed.status == "requires_action"
    assert confirmed.next_action.redirect_to_url.return_url == RETURN_URL


def test_confirm_with_an_existing_payment_method(client):
    customer = new_customer(client)
    pm = client.v1.payment_methods.create(params={"type": "amazon_pay"})
    intent = client.v1.setup_intents.create(params={"customer": customer.id, "payment_method": pm.id})
    assert intent.status == "requires_confirmation"
    confirmed = client.v1.setup_intents.confirm(intent.id, params={"return_url": RETURN_URL, "mandate_data": {"customer_acceptance": ONLINE}})
    assert confirmed.status == "requires_action" and confirmed.payment_method == pm.id


def test_redirect_method_without_return_url(client):
    intent = client.v1.setup_intents.create(params={"allowed_payment_method_types": ["amazon_pay"]})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.setup_intents.confirm(intent.id, params={"payment_method_data": {"type": "amazon_pay"}})
    assert caught.value.param == "return_url"
    assert client.v1.setup_intents.retrieve(intent.id).status == "requires_payment_method"


def test_confirm_with_publishable_key(sandbox, client):
    customer = new_customer(client)
    intent = client.v1.setup_intents.create(
        params={"customer": customer.id, "allowed_payment_method_types": ["amazon_pay"]}
    )
    pk = make_client(sandbox.url, key=PUBLISHABLE)
    confirmed = pk.v1.setup_intents.confirm(
        intent.id,
        params={
            "client_secret": intent.client_secret,  # type: ignore[typeddict-unknown-key]
            "payment_method_data": {"type": "amazon_pay"},
            "return_url": RETURN_URL,
            "mandate_data": {"customer_acceptance": {"type": "online", "online": {"infer_from_client": True}}},  # type: ignore[typeddict-item]
        },
    )
    assert confirmed.status == "requires_action"
    assert confirmed.next_action.redirect_to_url.url
    seen = pk.v1.setup_intents.retrieve(intent.id, params={"client_secret": intent.client_secret})  # type: ignore[typeddict-unknown-key]
    assert seen.status == "requires_action"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        pk.v1.setup_intents.confirm(intent.id, params={"client_secret": "seti_x_secret_wrong"})  # type: ignore[typeddict-unknown-key]
    assert caught.value.http_status == 400
    # The mandate records the browser's address: what infer_from_client is for.
    authorized = decide(confirmed.next_action.redirect_to_url.url, "authorize")
    assert authorized.status_code == 303
    mandate = client.v1.mandates.retrieve(client.v1.setup_intents.retrieve(intent.id).mandate)
    assert mandate.customer_acceptance.online.ip_address == "127.0.0.1"
    assert mandate.customer_acceptance.online.user_agent.startswith("Stripe/v1 PythonBindings")  # the confirming client


def test_confirm_again_while_requires_action(client):
    intent = redirect_setup_intent(client, new_customer(client).id)
    first_url = intent.next_action.redirect_to_url.url
    again = client.v1.setup_intents.confirm(intent.id)
    assert again.status == "requires_action"
    assert again.next_action.redirect_to_url.url != first_url
    assert httpx.get(first_url).status_code == 410  # the old link no longer decides anything
    attempts = client.v1.setup_attempts.list(params={"setup_intent": intent.id})
    assert [a.status for a in attempts.data] == ["requires_action", "abandoned"]


def test_hosted_page_shows_both_buttons(client):
    intent = redirect_setup_intent(client, new_customer(client, name="Jenny Rosen").id)
    page = httpx.get(intent.next_action.redirect_to_url.url)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Authorize test setup" in page.text and "Fail test setup" in page.text
    assert intent.id in page.text and "Jenny Rosen" in page.text
    assert httpx.post(intent.next_action.redirect_to_url.url, data={"action": "maybe"}).status_code == 400
    assert client.v1.setup_intents.retrieve(intent.id).status == "requires_action"


def test_authorize(client):
    customer = new_customer(client)
    intent = redirect_setup_intent(client, customer.id)
    response = decide(intent.next_action.redirect_to_url.url, "authorize")
    assert response.status_code == 303
    target = urllib.parse.urlsplit(response.headers["location"])
    assert (target.scheme, target.netloc, target.path) == ("https", "shop.example", "/return")
    query = urllib.parse.parse_qs(target.query)
    assert query == {
        "order": ["42"],
        "setup_intent": [intent.id],
        "setup_intent_client_secret": [intent.client_secret],
        "redirect_status": ["succeeded"],
    }
    done = client.v1.setup_intents.retrieve(intent.id)
    assert done.status == "succeeded" and done.next_action is None and done.last_setup_error is None
    pm = client.v1.payment_methods.retrieve(done.payment_method)
    assert pm.customer == customer.id and pm.type == "amazon_pay"
    assert [p.id for p in client.v1.customers.payment_methods.list(customer.id).data] == [pm.id]
    mandate = client.v1.mandates.retrieve(done.mandate)
    assert mandate.id.startswith("mandate_")
    assert (mandate.type, mandate.status, mandate.payment_method) == ("multi_use", "active", pm.id)
    assert mandate.multi_use is not None
    acceptance = mandate.customer_acceptance
    assert acceptance.type == "online" and isinstance(acceptance.accepted_at, int) and acceptance.accepted_at > 0
    assert (acceptance.online.ip_address, acceptance.online.user_agent) == ("127.0.0.0", "device")
    assert mandate.payment_method_details.to_dict() == {"type": "amazon_pay", "amazon_pay": {}}
    attempts = client.v1.setup_attempts.list(params={"setup_intent": intent.id})
    assert [(a.status, a.payment_method) for a in attempts.data] == [("succeeded", pm.id)]
    # Decided once: the link is spent, the intent cannot be confirmed or cancelled.
    assert decide(intent.next_action.redirect_to_url.url, "fail").status_code == 410
    for call in (lambda: client.v1.setup_intents.confirm(intent.id), lambda: client.v1.setup_intents.cancel(intent.id)):
        with pytest.raises(stripe.InvalidRequestError) as caught:
            call()
        assert caught.value.code == "setup_intent_unexpected_state"


def test_fail(client):
    customer = new_customer(client)
    intent = redirect_setup_intent(client, customer.id)
    response = decide(intent.next_action.redirect_to_url.url, "fail")
    assert response.status_code == 303
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(response.headers["location"]).query)
    assert query["redirect_status"] == ["failed"] and query["setup_intent"] == [intent.id]
    failed = client.v1.setup_intents.retrieve(intent.id)
    assert failed.status == "requires_payment_method"
    assert failed.payment_method is None and failed.mandate is None and failed.next_action is None
    assert failed.last_setup_error.code == "setup_intent_authentication_failure"
    assert failed.last_setup_error.payment_method.type == "amazon_pay"
    assert client.v1.customers.payment_methods.list(customer.id).data == []
    attempts = client.v1.setup_attempts.list(params={"setup_intent": intent.id})
    assert attempts.data[0].status == "failed"
    assert attempts.data[0].setup_error.code == "setup_intent_authentication_failure"
    # A failed setup can be retried with a new payment method.
    retried = client.v1.setup_intents.confirm(
        intent.id, params={"payment_method_data": {"type": "amazon_pay"}, "return_url": RETURN_URL}
    )
    assert retried.status == "requires_action" and retried.last_setup_error is None


def test_cancel(client):
    intent = client.v1.setup_intents.create(params={"allowed_payment_method_types": ["amazon_pay"]})
    canceled = client.v1.setup_intents.cancel(intent.id, params={"cancellation_reason": "abandoned"})
    assert canceled.status == "canceled" and canceled.cancellation_reason == "abandoned"
    for call in (
        lambda: client.v1.setup_intents.cancel(intent.id),
        lambda: client.v1.setup_intents.confirm(intent.id, params={"payment_method_data": {"type": "amazon_pay"}}),
        lambda: client.v1.setup_intents.update(intent.id, params={"description": "x"}),
    ):
        with pytest.raises(stripe.InvalidRequestError) as caught:
            call()
        assert caught.value.code == "setup_intent_unexpected_state"
        assert caught.value.http_status == 400


def test_cancel_while_requires_action_spends_the_link(client):
    intent = redirect_setup_intent(client, new_customer(client).id)
    client.v1.setup_intents.cancel(intent.id)
    assert decide(intent.next_action.redirect_to_url.url, "authorize").status_code == 410
    assert client.v1.setup_intents.retrieve(intent.id).status == "canceled"


def test_list_setup_intents(client):
    customer = new_customer(client)
    a = redirect_setup_intent(client, customer.id)
    b = client.v1.setup_intents.create(params={"customer": customer.id})
    listed = client.v1.setup_intents.list(params={"customer": customer.id})
    assert [s.id for s in listed.data] == [b.id, a.id]
    by_pm = client.v1.setup_intents.list(params={"payment_method": a.payment_method})
    assert [s.id for s in by_pm.data] == [a.id]


def test_setup_attempts_need_a_known_setup_intent(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.setup_attempts.list(params={"setup_intent": "seti_nothing"})
    assert caught.value.http_status == 404 and caught.value.param == "setup_intent"


def test_setup_intent_without_customer_does_not_attach(client):
    intent = redirect_setup_intent(client, None)
    decide(intent.next_action.redirect_to_url.url, "authorize")
    done = client.v1.setup_intents.retrieve(intent.id)
    assert done.status == "succeeded"
    assert client.v1.payment_methods.retrieve(done.payment_method).customer is None


def test_detach_deactivates_the_mandate(client):
    customer = new_customer(client)
    intent = redirect_setup_intent(client, customer.id)
    decide(intent.next_action.redirect_to_url.url, "authorize")
    done = client.v1.setup_intents.retrieve(intent.id)
    client.v1.payment_methods.detach(done.payment_method)
    assert client.v1.mandates.retrieve(done.mandate).status == "inactive"


def test_mandate_unknown_id(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.mandates.retrieve("mandate_nothing")
    assert caught.value.http_status == 404


def test_unit_amount_decimal(client):
    product = client.v1.products.create(params={"name": unique("Decimal ")})
    base = {"product": product.id, "currency": "usd", "recurring": {"interval": "month"}}
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.prices.create(params={**base, "unit_amount_decimal": "abc"})
    assert (err.value.http_status, err.value.code, err.value.param) == (400, "parameter_invalid_decimal",
                                                                       "unit_amount_decimal")
    fractional = client.v1.prices.create(params={**base, "unit_amount_decimal": "12.5"})
    assert (fractional.unit_amount, str(fractional.unit_amount_decimal)) == (None, "12.5")
    whole = client.v1.prices.create(params={**base, "unit_amount_decimal": "1500.00"})
    assert (whole.unit_amount, str(whole.unit_amount_decimal)) == (1500, "1500")
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.prices.create(params={**base, "unit_amount": 1, "unit_amount_decimal": "1"})
    assert err.value.code == "parameters_exclusive"
    customer = client.v1.customers.create()
    with pytest.raises(stripe.InvalidRequestError, match="fractional") as err:
        client.v1.subscriptions.create(params={"customer": customer.id, "items": [{"price": fractional.id}]})
    assert err.value.param == "items[0][price]"


@pytest.mark.parametrize("limit", [0, 101])
def test_customer_search_limit(client, limit):
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.customers.search(params={"query": "email:'x@example.com'", "limit": limit})
    assert (err.value.code, err.value.param) == ("parameter_invalid_integer", "limit")


def test_price_currency_and_maximum_amount(client):
    product = client.v1.products.create(params={"name": unique("Limits ")})
    with pytest.raises(stripe.InvalidRequestError, match="Invalid currency: xyz. Stripe currently supports") as err:
        client.v1.prices.create(params={"product": product.id, "currency": "xyz", "unit_amount": 100})
    assert err.value.param == "currency"
    assert client.v1.prices.create(params={"product": product.id, "currency": "EUR", "unit_amount": 100}).currency == "eur"
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.prices.create(params={"product": product.id, "currency": "usd", "unit_amount": 100_000_000})
    assert err.value.param == "unit_amount"
    top = client.v1.prices.create(params={"product": product.id, "currency": "usd", "unit_amount": 99_999_999})
    assert top.unit_amount == 99_999_999


def test_deleted_customer_is_a_stub_and_leaves_lists_and_search(client, http):
    email = unique_email()
    customer = client.v1.customers.create(params={"email": email})
    client.v1.customers.delete(customer.id)
    assert http.get(f"/v1/customers/{customer.id}").json() == {"id": customer.id, "object": "customer", "deleted": True}
    assert client.v1.customers.list(params={"email": email}).data == []
    assert client.v1.customers.search(params={"query": f"email:'{email}'"}).data == []
    with pytest.raises(stripe.InvalidRequestError, match="No such customer") as err:
        client.v1.customers.update(customer.id, params={"name": "back"})
    assert err.value.http_status == 404
