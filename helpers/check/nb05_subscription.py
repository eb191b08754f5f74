"""Exercises of notebook 05 · Subscription (*Abonnement erstellen*)."""

from __future__ import annotations

from helpers import progress
from helpers.focus import Expected
from helpers.limits import US_CURRENCIES

from ._core import Look, NotYet, day, exercise_definition, money, no_attempt_yet, param

NOTEBOOK = "05_subscription"
WHERE = "run notebooks 01 to 04 (or `progress.catch_up('price', 'customer', 'payment_method')`)"
MISMATCH = "payment_method_currency_mismatch"
ATTEMPT_BEFORE = ("Create a new SetupIntent with the guide's call, then, before anyone authorizes it, a "
                  "subscription with its `payment_method` as `default_payment_method` (inside try/except).")
ATTEMPT_EUR = ("Create a monthly 15 EUR price for the product, then subscribe the customer to it with the "
               "Amazon Pay PaymentMethod (inside try/except).")
ATTEMPT_YEARLY = ("Subscribe the customer to a yearly price (150 USD a year, exercise 01-yearly-price) with "
                  "the guide's other parameters.")


def refused_why(entry) -> str:
    return f"{entry.status} `{entry.error_code}`" + (f" on `{entry.error_param}`" if entry.error_param else "")


@exercise_definition(
    id="05-before-authorizing",
    notebook=NOTEBOOK,
    title="Subscribe before the customer authorized",
    task="""
Create a new SetupIntent with the guide's call and, **before** anyone authorizes it, create the
subscription with that SetupIntent's `payment_method` as `default_payment_method`.

**Predict first:** is the subscription created (perhaps `incomplete`), or refused? Write the status
down in `check.predict(...)` before you run.
""",
    solution="""
check.predict("05-before-authorizing", 400)
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
    attempt=ATTEMPT_BEFORE,
    expects=(Expected(400, "resource_missing", "default_payment_method"),),
)
def before_authorizing(look: Look) -> str:
    intents = [look.client.v1.setup_intents.retrieve(e.object_id)
               for e in look.sent("POST", "/v1/setup_intents", status=200)]
    pending = {i.payment_method: i for i in intents if i.payment_method}
    creates = look.sent("POST", "/v1/subscriptions")
    for entry in reversed(creates):
        pm_id = param(entry, "default_payment_method")
        if (entry.status == 400 and pm_id in pending and entry.error_param == "default_payment_method"
                and entry.error_code != MISMATCH):
            return (f"Stripe answered {refused_why(entry)}: until the customer authorizes "
                    f"`{pending[pm_id].id}`, its `{pm_id}` is not attached to the customer and has no "
                    "mandate, so there is nothing Stripe may charge off-session."
                    + look.prediction_note(400, entry.error_code))
    if not intents:
        if creates:
            raise NotYet("Create a new SetupIntent first (the guide's call) and use its "
                         "`payment_method`: the task is about one nobody has authorized yet.")
        raise no_attempt_yet(ATTEMPT_BEFORE)
    if not creates:
        raise NotYet(f"You created `{intents[-1].id}`; now, before anyone authorizes it, create the "
                     "subscription with its `payment_method` as `default_payment_method`.")
    last = creates[-1]
    pm_id = param(last, "default_payment_method")
    if last.status == 200:
        raise NotYet(f"That subscription was created: `{pm_id}` was already authorized. Use the "
                     "`payment_method` of the new SetupIntent, which is still `requires_action`.")
    if pm_id not in pending:
        raise NotYet(f"That create named `{pm_id}`, not the `payment_method` of the SetupIntent you "
                     f"created (`{intents[-1].payment_method}`). Use that one.")
    raise NotYet(f"That create answered {refused_why(last)} ({last.error_message}). Use the guide's "
                 "call, with the `payment_method` of the SetupIntent nobody authorized.")


@exercise_definition(
    id="05-eur-price",
    notebook=NOTEBOOK,
    title="A EUR price on a US account",
    task="""
Create a monthly price of **15 EUR** for the same product, then subscribe the customer to it with
the Amazon Pay PaymentMethod (`progress.require("payment_method")`).

**Predict first:** is the EUR price accepted? Is the subscription? (Stripe's Amazon Pay page is
ambiguous for US businesses: its sentence says USD only, its table lists all 12 currencies; the
sandbox's account, a US business, follows the sentence.) Write the error code you expect down in
`check.predict(...)` before you run. The sandbox answers with one of Stripe's error codes; that
Stripe answers this one here, and its message, are the sandbox's (Stripe publishes neither).
""",
    solution="""
check.predict("05-eur-price", "payment_method_currency_mismatch")
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
    attempt=ATTEMPT_EUR,
    expects=(Expected(400, MISMATCH),),
)
def eur_price(look: Look) -> str:
    prices = [look.client.v1.prices.retrieve(e.object_id) for e in look.sent("POST", "/v1/prices", status=200)]
    eur = {p.id: p for p in prices if p.currency == "eur" and p.recurring}
    creates = look.sent("POST", "/v1/subscriptions")
    for entry in reversed(creates):
        price_id = param(entry, "items[][price]")
        if price_id not in eur:
            continue
        if entry.error_code == MISMATCH:
            return (f"The EUR price `{price_id}` was accepted (a price does not know payment methods); "
                    f"the subscription was refused, 400 `{MISMATCH}`: {US_CURRENCIES}. (The code and "
                    "message are the sandbox's answer; Stripe's for this case is not published.)"
                    + look.prediction_note(400, MISMATCH))
        if entry.status == 200:
            return _charged_in_eur(look, entry.object_id)
    if not eur:
        if prices:
            raise NotYet(f"Your price `{prices[-1].id}` is in {prices[-1].currency.upper()}"
                         f"{'' if prices[-1].recurring else ', one-time'}: create a monthly price in EUR "
                         "(`currency='eur'`, `recurring={'interval': 'month'}`).")
        raise no_attempt_yet(ATTEMPT_EUR)
    if not creates:
        raise NotYet(f"You created the EUR price `{next(iter(eur))}`; now subscribe the customer to it "
                     "with the Amazon Pay PaymentMethod (`progress.require('payment_method')`).")
    last = creates[-1]
    price_id = param(last, "items[][price]")
    if last.status == 200 and price_id:
        price = look.client.v1.prices.retrieve(price_id)
        raise NotYet(f"That subscription used `{price_id}`, a {price.currency.upper()} price. Put the "
                     "EUR price's ID in `items[0][price]`.")
    raise NotYet(f"That create answered {refused_why(last)} ({last.error_message}). Subscribe with the "
                 "EUR price and the Amazon Pay PaymentMethod.")


def _charged_in_eur(look: Look, subscription_id: str) -> str:
    """Stripe test mode, on an account outside the US: what the subscription in EUR really did."""
    sub = look.client.v1.subscriptions.retrieve(subscription_id)
    invoice = look.client.v1.invoices.retrieve(sub.latest_invoice) if sub.latest_invoice else None
    if sub.status == "active" and invoice is not None and invoice.status == "paid":
        return (f"Your account charged Amazon Pay in EUR: `{sub.id}` is active and its first invoice paid "
                f"{money(invoice.amount_paid, invoice.currency)}, so your account is not a US business "
                f"(on the sandbox's US account the same call answers 400 `{MISMATCH}`)."
                + look.prediction_note(200, sub.status))
    shown = f"`{invoice.id}` is `{invoice.status}`" if invoice else "it has no invoice"
    return (f"Stripe created `{sub.id}`, but it is `{sub.status}` and {shown}: the EUR price was accepted, "
            "the first payment was not made. Look at the invoice's payment to see why; on the sandbox's "
            f"US account the same call is refused up front, 400 `{MISMATCH}`." + look.prediction_note(200, sub.status))


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
check.start("05-yearly-subscription")
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
    attempt=ATTEMPT_YEARLY,
)
def yearly_subscription(look: Look) -> str:
    customer = look.recorded("customer", WHERE)
    creates = look.sent("POST", "/v1/subscriptions")
    made = [look.client.v1.subscriptions.retrieve(e.object_id) for e in reversed(creates) if e.status == 200]
    for sub in made:
        item = sub["items"].data[0]
        recurring = item.price.recurring
        if recurring and recurring.interval == "year" and recurring.interval_count == 1:
            if sub.status != "active":
                raise NotYet(f"`{sub.id}` bills yearly but is `{sub.status}`: subscribe with the "
                             "authorized Amazon Pay PaymentMethod (`default_payment_method="
                             "progress.require('payment_method')`).")
            if sub.customer != customer:
                raise NotYet(f"`{sub.id}` belongs to `{sub.customer}`; subscribe this tutorial's customer "
                             f"`{customer}` (`progress.require('customer')`).")
            invoice = look.client.v1.invoices.retrieve(sub.latest_invoice)
            start, end = day(item.current_period_start), day(item.current_period_end)
            length = "one year" if start[4:] == end[4:] else f"from {start} to {end}"
            return (f"`{sub.id}` is active; its first invoice was paid "
                    f"{money(invoice.amount_paid, invoice.currency)} at once, and its first period "
                    f"lasts {length}: the next charge is a year away.")
    if not creates:
        raise no_attempt_yet(ATTEMPT_YEARLY)
    last = creates[-1]
    if last.status != 200:
        if param(last, "default_payment_method") is None:
            raise NotYet(f"Stripe refused the subscription ({refused_why(last)}): it was sent without "
                         "`default_payment_method`, and the customer has no default either. Add "
                         "`'default_payment_method': progress.require('payment_method')`, as in the guide.")
        raise NotYet(f"Stripe refused the subscription ({refused_why(last)}: {last.error_message}). "
                     "Change what it names, then run your cell again.")
    newest = made[0]["items"].data[0].price
    raise NotYet(f"Your newest subscription bills `{newest.id}` ({_every(newest)}), not a yearly price. "
                 f"Put a yearly price's ID in `items[0][price]`: {_yearly_hint()}")


def _every(price) -> str:
    recurring = price.recurring
    if not recurring:
        return "once"
    count = recurring.interval_count
    return f"every {recurring.interval}" if count == 1 else f"every {count} {recurring.interval}s"


def _yearly_hint() -> str:
    """Where the learner's yearly price is: recorded by exercise 01-yearly-price, or to be made."""
    yearly = progress.recall("yearly_price")
    if yearly:
        return f"`{yearly}`, from exercise 01-yearly-price (`progress.recall('yearly_price')`)."
    return ("you have none recorded (exercise 01-yearly-price makes one): create it first, "
            "`client.v1.prices.create(params={'product': progress.require('product'), "
            "'unit_amount': 15000, 'currency': 'usd', 'recurring': {'interval': 'year'}})`.")
