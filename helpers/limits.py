"""Stripe's and Amazon Pay's limits that both the forms and the sandbox enforce."""

from __future__ import annotations

import re

# Amazon Pay's presentment currencies, with the number of decimals of each (docs: Amazon Pay).
# A business in the EU, the UK and Switzerland can charge all of them; for the US, see below.
AMAZON_PAY_CURRENCIES: dict[str, int] = {
    "usd": 2, "aud": 2, "gbp": 2, "dkk": 2, "eur": 2, "hkd": 2,
    "jpy": 0, "nzd": 2, "nok": 2, "zar": 2, "sek": 2, "chf": 2,
}
# The sandbox account is a US business.
SANDBOX_ACCOUNT_CURRENCIES = ("usd",)
# What the tutorial says about a US business's currencies, wherever it says it (issue 17.7):
# docs.stripe.com/payments/amazon-pay, *Supported currencies*: "You can create Amazon Pay payments
# in any of the supported currencies, regardless of the country your business operates in with the
# exception of the US", while the table beside it lists the United States with all 12 currencies.
US_CURRENCIES = ("Stripe's Amazon Pay page is ambiguous for US businesses (its sentence says USD "
                 "only, its table lists all 12 currencies); the sandbox's account, a US business, "
                 "follows the sentence: USD only")

# A recurring price bills at least every three years.
MAX_INTERVAL_COUNT = {"day": 1095, "week": 156, "month": 36, "year": 3}

# The largest amount Stripe accepts, in minor units (eight digits).
MAX_AMOUNT = 99_999_999

# An email address as Stripe accepts one: no spaces, one @, a dotted domain whose labels are
# letters, digits or hyphens. Stripe answers 400 `email_invalid` ("Invalid email address: …") for
# e.g. "name@com", "name@gmile", "@localhost", "x@.example.com" (public bug reports quote these).
EMAIL = re.compile(r"^[^@\s]+@(?:[^\W_](?:(?:[^\W_]|-)*[^\W_])?\.)+[^\W\d_]{2,}$")
