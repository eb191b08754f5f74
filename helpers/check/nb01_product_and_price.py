"""Exercises of notebook 01 · Product and price (*Produkt und Preis erstellen*)."""

from __future__ import annotations

import re

from helpers.limits import US_CURRENCIES

from ._core import Look, NotYet, exercise_definition, money, no_attempt_yet

NOTEBOOK = "01_product_and_price"
WHERE = "run notebook 01's cells (or `progress.catch_up('price')`)"
PRICE_UPDATE = re.compile(r"/v1/prices/[^/]+")
ATTEMPT_YEARLY = ("Create a price of 150 USD a year for the product: `client.v1.prices.create(params={...})` "
                  "with `product=progress.require('product')`.")
ATTEMPT_DEFAULT = ("Update the product: `client.v1.products.update(progress.require('product'), "
                   "params={'default_price': progress.require('price')})`.")


def every(recurring) -> str:
    if not recurring:
        return "once (one_time)"
    count = recurring["interval_count"]
    return f"every {recurring['interval']}" if count == 1 else f"every {count} {recurring['interval']}s"


@exercise_definition(
    id="01-yearly-price",
    notebook=NOTEBOOK,
    title="A yearly price",
    task="""
The stock-photo service also sells a yearly plan: **150 USD a year**. Create a second Price for the
same product (`progress.require("product")`).

**Predict first:** what will the new price's `type` and `recurring.interval` be? Does the monthly
price change?
""",
    solution="""
check.start("01-yearly-price")
yearly = client.v1.prices.create(params={
    "product": progress.require("product"),
    "unit_amount": 15000,  # in cents: 150.00 USD
    "currency": "usd",
    "recurring": {"interval": "year"},
})
progress.remember("yearly_price", yearly.id)  # exercise 05-yearly-subscription uses it
yearly.type, yearly.recurring.interval
""",
    attempt=ATTEMPT_YEARLY,
)
def yearly_price(look: Look) -> str:
    product = look.recorded("product", WHERE)
    monthly = look.recorded("price", WHERE)
    created = look.sent("POST", "/v1/prices")
    made = [look.client.v1.prices.retrieve(e.object_id) for e in reversed(created) if e.status == 200]
    for price in made:
        recurring = price.recurring
        if (price.product == product and recurring and recurring.interval == "year"
                and recurring.interval_count == 1 and price.currency == "usd" and price.unit_amount == 15000):
            return (f"`{price.id}` charges {money(price.unit_amount, price.currency)} {every(recurring)} "
                    f"(`type: {price.type}`). The monthly price `{monthly}` is unchanged: a product "
                    "can have many prices, and each subscription item picks one.")
    if not made:
        if created:
            last = created[-1]
            raise NotYet(f"Your price create was refused ({last.status} `{last.error_code}`: "
                         f"{last.error_message}). Change what it names, then run your cell again.")
        raise no_attempt_yet(ATTEMPT_YEARLY)
    newest = made[0]
    recurring = newest.recurring
    if newest.product != product:
        raise NotYet(f"Your price `{newest.id}` belongs to product `{newest.product}`; the task asks for "
                     f"a second price of this tutorial's product `{product}` (`progress.require('product')`).")
    if recurring is None:
        raise NotYet(f"Your newest price `{newest.id}` is one-time (`type: one_time`): a subscription "
                     "needs a recurring price. Add `recurring={'interval': 'year'}`.")
    if recurring.interval == "month" and recurring.interval_count == 12:
        raise NotYet("Every 12 months bills like a year, but ask Stripe for what you mean: "
                     "`recurring={'interval': 'year'}`.")
    if recurring.interval != "year" or recurring.interval_count != 1:
        raise NotYet(f"Your newest price bills {every(recurring)}; the task asks for a yearly price: "
                     "`recurring={'interval': 'year'}`.")
    if newest.currency != "usd":
        raise NotYet(f"Your yearly price is in {newest.currency.upper()}; the task asks for USD "
                     f"(`currency='usd'`). {US_CURRENCIES}.")
    if newest.unit_amount == 150:
        raise NotYet("`unit_amount` is in the currency's smallest unit (cents): 150 USD is "
                     "`unit_amount=15000`; yours charges 1.50 USD.")
    raise NotYet(f"Your yearly price charges {money(newest.unit_amount, newest.currency)}; the task "
                 "asks for 150.00 USD (`unit_amount=15000`).")


@exercise_definition(
    id="01-default-price",
    notebook=NOTEBOOK,
    title="The product's default price",
    task="""
The product's `default_price` is still `null`: the API made the product and the price separately.
Make the **monthly** price the product's default, as the Dashboard does.

**Predict first:** which object do you update, the product or the price? Does the price change?
""",
    solution="""
check.start("01-default-price")
product = client.v1.products.update(progress.require("product"), params={
    "default_price": progress.require("price"),
})
product.default_price
""",
    attempt=ATTEMPT_DEFAULT,
)
def default_price(look: Look) -> str:
    product_id = look.recorded("product", WHERE)
    monthly = look.recorded("price", WHERE)
    updates = look.sent("POST", f"/v1/products/{product_id}")
    if not updates:
        others = look.sent("POST", PRICE_UPDATE)
        if others:
            raise NotYet(f"You updated the price `{others[-1].path.rsplit('/', 1)[-1]}`; the default "
                         "price is a field of the product: update the product, "
                         "`client.v1.products.update(progress.require('product'), params={...})`.")
        raise no_attempt_yet(ATTEMPT_DEFAULT)
    last = updates[-1]
    if last.status != 200:
        raise NotYet(f"Your product update was refused ({last.status} `{last.error_code}`: "
                     f"{last.error_message}). Change what it names, then run your cell again.")
    product = look.client.v1.products.retrieve(product_id)
    if product.default_price == monthly:
        return (f"`{product_id}` now has `default_price: {monthly}`. You updated the product; the "
                "price itself did not change. (Subscriptions still name their price explicitly.)")
    if product.default_price:
        raise NotYet(f"`default_price` is `{product.default_price}`, not the monthly price "
                     f"`{monthly}` (`progress.require('price')`).")
    raise NotYet("`default_price` is still null: send it in the product update, "
                 "`params={'default_price': progress.require('price')}`.")
