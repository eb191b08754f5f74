"""Exercises of notebook 07 · Renewals on a test clock (after the guide)."""

from __future__ import annotations

import re

from ._core import Look, NotYet, day, exercise_definition, no_attempt_yet, param

NOTEBOOK = "07_renewals"
WHERE = "run the renewals notebook's cells (the test clock and its subscription)"
ADVANCE = re.compile(r"/v1/test_helpers/test_clocks/([^/]+)/advance")


@exercise_definition(
    id="07-advance-too-far",
    notebook=NOTEBOOK,
    title="Three months at once",
    task="""
Advancing one month at a time is slow. Advance the test clock (`progress.require("test_clock")`)
by **three months** in one call.

**Predict first:** does Stripe accept it? Write the status down as `predicted = ...` and pass it
to the checker.
""",
    solution="""
predicted = 400
clock = client.v1.test_helpers.test_clocks.retrieve(progress.require("test_clock"))
try:
    client.v1.test_helpers.test_clocks.advance(clock.id, params={
        "frozen_time": clock.frozen_time + 92 * 24 * 3600,  # about three months
    })
except stripe.InvalidRequestError as error:
    print(error.http_status, error.user_message)
""",
    predicts=True,
)
def advance_too_far(look: Look) -> str:
    advances = look.attempts("POST", ADVANCE)
    refused = [e for e in advances if e.status == 400]
    for entry in reversed(refused):
        clock = look.client.v1.test_helpers.test_clocks.retrieve(ADVANCE.fullmatch(entry.path).group(1))
        if int(param(entry, "frozen_time") or 0) > clock.frozen_time:
            return ("Stripe answered 400: a test clock may move at most two intervals of its "
                    "shortest subscription at a time (two months for a monthly price), so that no "
                    "renewal is skipped. Advance in steps, waiting for `status: ready` after each."
                    + look.prediction_note(400))
    if refused:
        raise NotYet("That advance asked for a time before the clock's `frozen_time`: a clock only "
                     "moves forward. Ask for about three months after its `frozen_time`.")
    if not advances:
        raise no_attempt_yet("advance the test clock (`progress.require('test_clock')`) by about "
                             "three months in one call.")
    raise NotYet("That advance was accepted (a small step). Try more than two months ahead of the "
                 "clock's `frozen_time` in a single call.")


@exercise_definition(
    id="07-next-renewal",
    notebook=NOTEBOOK,
    title="When is the next charge?",
    task="""
The clock subscription (`progress.require("clock_subscription")`) renewed a few times. On which
date (UTC) will Stripe create its **next** invoice?

**Predict first**, without looking it up: write `predicted = "YYYY-MM-DD"` and pass it to the
checker. Then find the field that says it.
""",
    solution="""
subscription = client.v1.subscriptions.retrieve(progress.require("clock_subscription"))
next_renewal = subscription["items"].data[0].current_period_end
predicted = dt.datetime.fromtimestamp(next_renewal, dt.UTC).date().isoformat()
predicted
""",
    needs=("dt",),
    predicts=True,
)
def next_renewal(look: Look) -> str:
    sub = look.client.v1.subscriptions.retrieve(look.recorded("clock_subscription", WHERE))
    if sub.status not in ("active", "past_due", "trialing"):
        raise NotYet(f"`{sub.id}` is `{sub.status}`: it will not renew. Use a subscription that is "
                     "still billing.")
    upcoming = day(sub["items"].data[0].current_period_end)
    if look.predicted is None:
        raise NotYet('Write your prediction first: `check.exercise("07-next-renewal", '
                     'predicted="YYYY-MM-DD")`.')
    guess = str(look.predicted).strip()[:10]
    if guess == upcoming:
        return (f"Right: `items.data[0].current_period_end` is {upcoming}. The subscription's item "
                "carries its current period (since 2025-03-31.basil); at its end Stripe creates the "
                "next invoice as a draft, and charges it off-session about an hour later.")
    latest = look.client.v1.invoices.retrieve(sub.latest_invoice)
    if guess in (day(latest.period_end), day(latest.created)):
        raise NotYet(f"{guess} is when the latest invoice was made: an invoice's `period_start` and "
                     "`period_end` describe the period *before* it. The next invoice comes at the end "
                     "of the subscription item's current period.")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", guess):
        raise NotYet(f"{look.predicted!r} is not a date: write it as 'YYYY-MM-DD'.")
    raise NotYet(f"Not {guess}. Look at the subscription's item: which field says when its current "
                 "period ends?")
