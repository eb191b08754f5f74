"""Exercises of notebook 05 · Subscription (*Abonnement erstellen*)."""

from __future__ import annotations

from helpers.limits import US_CURRENCIES

from ._core import Look, NotYet, day, exercise_definition, money, no_attempt_yet, param

NOTEBOOK = "05_subscription"
WHERE = "run notebooks 01 to 04 (or `progress.catch_up('price', 'customer', 'payment_method')`)"
MISMATCH = "payment_method_currency_mismatch"


@exercise_definition(
    id="05-before-authorizing",
    notebook=NOTEBOOK,
    title="Subscribe before the customer authorized",
    task="""
Create a new SetupIntent with the guide's call and, **before** anyone authorizes it, create the
subscription with that SetupIntent's `payment_method` as `default_payment_method`.

**Predict first:** is the subscription created (perhaps `incomplete`), or refused? Write the status
down as `predicted = ...` and pass it to the checker.
""",
    solution="""
predicted = 400
pending = client.v1.setup_intents.create(params={
    "confirm": True,
    "customer": progress.require("customer"),
    "payment_method_data": {"type": "amazon_pay"},
    "usage": "off_session",
    "mandate_data": progress.GUIDE_MANDATE,
    "return_url": progress.GUIDE_RETURN_URL,
})
try:
    client.v1.subscriptions.create(params={
        "customer": progress.require("customer"),
        "items": [{"price": progress.require("price")}],
        "default_payment_method": pending.payment_method,
        "off_session": True,
    })
except stripe.InvalidRequestError as error:
    print(error.http_status, error.code, error.param)
    print(error.user_message)
pending = client.v1.setup_intents.cancel(pending.id)  # nobody will authorize it
""",
    predicts=True,
)
def before_authorizing(look: Look) -> str:
    creates = look.attempts("POST", "/v1/subscriptions")
    for entry in reversed(creates):
        pm_id = param(entry, "default_payment_method")
        if entry.status == 400 and pm_id and entry.error_code != MISMATCH:
            pm = look.client.v1.payment_methods.retrieve(pm_id)
            if pm.customer is None:
                return (f"Stripe answered 400 `{entry.error_code}`: until the customer authorizes, "
                        f"`{pm_id}` is not attached to the customer and has no mandate, so there is "
                        "nothing Stripe may charge off-session." + look.prediction_note(400, entry.error_code))
    if not creates:
        raise no_attempt_yet("create a new SetupIntent with the guide's call, then, before anyone "
                             "authorizes it, a subscription with its `payment_method` (still "
                             "`requires_action`).")
    last = creates[-1]
    if last.status == 200:
        raise NotYet(f"That subscription was created: `{param(last, 'default_payment_method')}` was "
                     "already authorized. Use the `payment_method` of a new SetupIntent that is still "
                     "`requires_action`.")
    raise NotYet(f"That create answered {last.status} `{last.error_code}` ({last.error_message}). "
                 "Use the guide's call, with the `payment_method` of a SetupIntent nobody authorized.")


@exercise_definition(
    id="05-eur-price",
    notebook=NOTEBOOK,
    title="A EUR price on a US account",
    task="""
Create a monthly price of **15 EUR** for the same product, then subscribe the customer to it with
the Amazon Pay PaymentMethod (`progress.require("payment_method")`).

**Predict first:** is the EUR price accepted? Is the subscription? (Stripe's Amazon Pay page is
ambiguous for US businesses: its sentence says USD only, its table lists all 12 currencies; the
sandbox's account, a US business, follows the sentence.) Write the error code you expect down as
`predicted = ...` and pass it to the checker. The sandbox answers with one of Stripe's error codes;
that Stripe answers this one here, and its message, are the sandbox's (Stripe publishes neither).
""",
    solution="""
predicted = "payment_method_currency_mismatch"
eur = client.v1.prices.create(params={
    "product": progress.require("product"),
    "unit_amount": 1500,
    "currency": "eur",
    "recurring": {"interval": "month"},
})
try:
    client.v1.subscriptions.create(params={
        "customer": progress.require("customer"),
        "items": [{"price": eur.id}],
        "default_payment_method": progress.require("payment_method"),
        "off_session": True,
    })
except stripe.InvalidRequestError as error:
    print(error.http_status, error.code, error.param)
""",
    predicts=True,
)
def eur_price(look: Look) -> str:
    creates = look.attempts("POST", "/v1/subscriptions")
    refused = [e for e in creates if e.error_code == MISMATCH]
    if refused:
        return (f"The EUR price was accepted (a price does not know payment methods); the "
                f"subscription was refused, 400 `{MISMATCH}`: {US_CURRENCIES}. (The code and message "
                "are the sandbox's answer; Stripe's for this case is not published.)"
                + look.prediction_note(400, MISMATCH))
    for entry in reversed(creates):
        price_id = param(entry, "items[][price]")
        if entry.status == 200 and price_id:
            price = look.client.v1.prices.retrieve(price_id)
            if price.currency == "eur":
                return ("Your account charged Amazon Pay in EUR: it is not a US business (Stripe's "
                        "page allows all 12 currencies outside the US). On the sandbox's US account "
                        f"the same call answers 400 `{MISMATCH}`.")
    if not creates:
        raise no_attempt_yet("create a monthly 15 EUR price for the product, then subscribe the "
                             "customer to it with the Amazon Pay PaymentMethod.")
    last = creates[-1]
    price_id = param(last, "items[][price]")
    if last.status == 200 and price_id:
        price = look.client.v1.prices.retrieve(price_id)
        raise NotYet(f"That subscription used `{price_id}`, a {price.currency.upper()} price. Put the "
                     "EUR price's ID in `items[0][price]`.")
    raise NotYet(f"That create answered {last.status} `{last.error_code}` ({last.error_message}). "
                 "Subscribe with the EUR price and the Amazon Pay PaymentMethod.")


@exercise_definition(
    id="05-yearly-subscription",
    notebook=NOTEBOOK,
    title="Subscribe to the yearly price",
    task="""
Subscribe the customer to the **yearly** price of exercise 01-yearly-price (create it if you skipped
that exercise), with the guide's other parameters.

**Predict first:** the first invoice's `amount_paid`, and how far apart the item's
`current_period_start` and `current_period_end` are.
""",
    solution="""
yearly_id = progress.recall("yearly_price") or client.v1.prices.create(params={
    "product": progress.require("product"), "unit_amount": 15000, "currency": "usd",
    "recurring": {"interval": "year"},
}).id
yearly_subscription = client.v1.subscriptions.create(params={
    "customer": progress.require("customer"),
    "items": [{"price": yearly_id}],
    "default_payment_method": progress.require("payment_method"),
    "off_session": True,
})
first_invoice = client.v1.invoices.retrieve(yearly_subscription.latest_invoice)
item = yearly_subscription["items"].data[0]
yearly_subscription.status, first_invoice.amount_paid, item.current_period_start, item.current_period_end
""",
)
def yearly_subscription(look: Look) -> str:
    customer = look.recorded("customer", WHERE)
    subscriptions = look.client.v1.subscriptions.list(
        params={"customer": customer, "status": "all", "limit": 100}).data
    if not subscriptions:
        raise NotYet(f"Customer `{customer}` has no subscription yet: create one with the yearly price.")
    for sub in subscriptions:
        item = sub["items"].data[0]
        recurring = item.price.recurring
        if recurring and recurring.interval == "year" and recurring.interval_count == 1:
            if sub.status != "active":
                raise NotYet(f"`{sub.id}` bills yearly but is `{sub.status}`: subscribe with the "
                             "authorized Amazon Pay PaymentMethod (`progress.require('payment_method')`).")
            invoice = look.client.v1.invoices.retrieve(sub.latest_invoice)
            start, end = day(item.current_period_start), day(item.current_period_end)
            length = "one year" if start[4:] == end[4:] else f"from {start} to {end}"
            return (f"`{sub.id}` is active; its first invoice was paid "
                    f"{money(invoice.amount_paid, invoice.currency)} at once, and its first period "
                    f"lasts {length}: the next charge is a year away."
                    + look.prediction_note(invoice.amount_paid))
    if not look.attempts("POST", "/v1/subscriptions"):  # only the notebook's own (monthly) ones
        raise no_attempt_yet("subscribe the customer to the yearly price "
                             "(`progress.recall('yearly_price')`) with the guide's other parameters.")
    newest = subscriptions[0]["items"].data[0].price
    raise NotYet(f"Your newest subscription bills `{newest.id}`, which is not a yearly price. Put the "
                 "yearly price's ID in `items[0][price]` (`progress.recall('yearly_price')`).")
