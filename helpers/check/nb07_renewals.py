"""Exercises of notebook 07 · Renewals on a test clock (after the guide)."""

from __future__ import annotations

import re

from helpers.focus import Expected

from ._core import Look, NotYet, day, exercise_definition, money, no_attempt_yet, param

NOTEBOOK = "07_renewals"
WHERE = "run the renewals notebook's cells (the test clock and its subscription)"
ADVANCE = re.compile(r"/v1/test_helpers/test_clocks/([^/]+)/advance")
ONE_SUBSCRIPTION = re.compile(r"/v1/subscriptions/[^/]+")
ATTEMPT_TOO_FAR = ("Advance the test clock (`progress.require('test_clock')`) by about three months in one "
                   "call, inside try/except.")


def _clock_time_before(advances: list, index: int, clock_now: int) -> int:
    """The clock's frozen_time when advance ``index`` was sent: the target of the last accepted
    advance before it, else (no accepted advance around it) the clock's time now."""
    accepted = [int(param(e, "frozen_time") or 0) for e in advances[:index] if e.status == 200]
    if accepted:
        return accepted[-1]
    return clock_now if not any(e.status == 200 for e in advances[index:]) else 0


@exercise_definition(
    id="07-advance-too-far",
    notebook=NOTEBOOK,
    title="Three months at once",
    task="""
Advancing a month and a day at a time is slow. Advance the test clock (`progress.require("test_clock")`)
by **three months** in one call.

**Predict first:** does Stripe accept it? Write the status down in `check.predict(...)` before
you run.
""",
    solution="""
check.predict("07-advance-too-far", 400)
clock = client.v1.test_helpers.test_clocks.retrieve(progress.require("test_clock"))
try:
    client.v1.test_helpers.test_clocks.advance(clock.id, params={
        "frozen_time": clock.frozen_time + 92 * 24 * 3600,  # about three months
    })
except stripe.InvalidRequestError as error:
    print(error.http_status, error.user_message)
""",
    predicts=True,
    attempt=ATTEMPT_TOO_FAR,
    expects=(Expected(400, param="frozen_time"),),
)
def advance_too_far(look: Look) -> str:
    advances = look.sent("POST", ADVANCE)
    if not advances:
        raise no_attempt_yet(ATTEMPT_TOO_FAR)
    clocks: dict[str, int] = {}
    for index in reversed(range(len(advances))):
        entry = advances[index]
        if entry.status != 400:
            continue
        clock_id = ADVANCE.fullmatch(entry.path).group(1)
        if clock_id not in clocks:
            clocks[clock_id] = look.client.v1.test_helpers.test_clocks.retrieve(clock_id).frozen_time
        same_clock = [e for e in advances if ADVANCE.fullmatch(e.path).group(1) == clock_id]
        then = _clock_time_before(same_clock, same_clock.index(entry), clocks[clock_id])
        if int(param(entry, "frozen_time") or 0) > then:
            return ("Refused with 400 on `frozen_time`: a test clock may move at most two intervals of its "
                    "shortest subscription at a time (two months for a monthly price; stripe-python's "
                    "`TestClockAdvanceParams.frozen_time`; that it keeps renewals from being skipped is our "
                    "reading). The message's "
                    "wording is the sandbox's. Advance in steps, waiting for `status: ready` after each."
                    + look.prediction_note(400))
    if any(e.status == 400 for e in advances):
        raise NotYet("That advance asked for a time before the clock's `frozen_time`: a clock only "
                     "moves forward. Ask for about three months after its `frozen_time`.")
    raise NotYet("That advance was accepted (a small step). Try more than two months ahead of the "
                 "clock's `frozen_time` in a single call.")


@exercise_definition(
    id="07-next-renewal",
    notebook=NOTEBOOK,
    title="When is the next charge?",
    task="""
The clock subscription (`progress.require("clock_subscription")`) renewed a few times. On which
date (UTC) will Stripe create its **next** invoice?

**Predict first**, without looking it up: `check.predict("07-next-renewal", "YYYY-MM-DD")`. Then
retrieve the subscription and find the field that says it.
""",
    solution="""
check.predict("07-next-renewal", "2027-06-01")  # yours, before you look
subscription = client.v1.subscriptions.retrieve(progress.require("clock_subscription"))
next_renewal = subscription["items"].data[0].current_period_end
dt.datetime.fromtimestamp(next_renewal, dt.UTC).date().isoformat()
""",
    needs=("dt",),
    predicts=True,
    attempt="Retrieve the clock's subscription (`progress.require('clock_subscription')`) and find the "
            "field that says when its current period ends.",
)
def next_renewal(look: Look) -> str:
    sub_id = look.recorded("clock_subscription", WHERE)
    if not look.sent("GET", f"/v1/subscriptions/{sub_id}", status=200):
        others = look.sent("GET", ONE_SUBSCRIPTION, status=200)
        if others:
            raise NotYet(f"You retrieved `{others[-1].path.rsplit('/', 1)[-1]}`; the clock's subscription "
                         f"is `{sub_id}` (`progress.require('clock_subscription')`).")
        raise no_attempt_yet("none of your requests retrieves the clock's subscription: "
                             "`client.v1.subscriptions.retrieve(progress.require('clock_subscription'))`.")
    sub = look.client.v1.subscriptions.retrieve(sub_id)
    if sub.status not in ("active", "past_due", "trialing"):
        raise NotYet(f"`{sub.id}` is `{sub.status}`: it will not renew. Use a subscription that is "
                     "still billing.")
    upcoming = day(sub["items"].data[0].current_period_end)
    answer = (f"`items.data[0].current_period_end` is {upcoming}. The subscription's item carries its "
              "current period (since 2025-03-31.basil); at its end Stripe creates the next invoice as a "
              "draft, and charges it off-session about an hour later.")
    made = look.evidence.prediction
    if made is None:
        look.prediction = "none"
        late = look.evidence.late_prediction
        when = f" ({late.shown} came after you looked, so it does not count)" if late else ""
        return answer + f" You made no prediction before you looked{when}: next time, write it down first."
    guess = made.value.strip()[:10]
    if guess == upcoming:
        look.prediction = "right"
        return f"You predicted {guess} before you looked: right. " + answer
    look.prediction = "off"
    latest = look.client.v1.invoices.retrieve(sub.latest_invoice)
    if guess in (day(latest.period_end), day(latest.created)):
        why = (f"{guess} is when the latest invoice was made: an invoice's `period_start` and "
               "`period_end` describe the period *before* it.")
    elif not re.fullmatch(r"\d{4}-\d{2}-\d{2}", guess):
        why = f"{made.shown} is not a date (write it as 'YYYY-MM-DD')."
    else:
        why = f"{guess} is not when the current period ends."
    return f"You predicted {made.shown}; {why} " + answer


TRIAL_WHERE = "run the cells of notebook 07's section *A trial that ends*"


@exercise_definition(
    id="07-trial-ends",
    notebook=NOTEBOOK,
    title="The trial ends",
    task="""
The trial subscription (`progress.require("trial_clock_subscription")`) is still `trialing`, and
Stripe has sent `customer.subscription.trial_will_end`. Finish the trial: advance its test clock
(`progress.require("trial_clock")`, not the renewals' clock) until the customer has paid the first
real invoice.

**Predict first:** that invoice's `amount_paid`, and on which date (UTC) it is charged. Write the
amount down in `check.predict(...)` before you run.
""",
    solution="""
check.predict("07-trial-ends", 1500)
subscription = client.v1.subscriptions.retrieve(progress.require("trial_clock_subscription"))
clock_id = progress.require("trial_clock")
to = subscription.trial_end + 2 * 3600  # past the trial's end, and the hour Stripe waits to charge
client.v1.test_helpers.test_clocks.advance(clock_id, params={"frozen_time": to})
while client.v1.test_helpers.test_clocks.retrieve(clock_id).status != "ready":
    time.sleep(0.2)
subscription = client.v1.subscriptions.retrieve(subscription.id)
first = client.v1.invoices.retrieve(subscription.latest_invoice)
charged = dt.datetime.fromtimestamp(first.status_transitions.paid_at, dt.UTC)
subscription.status, first.billing_reason, first.amount_paid, charged.date().isoformat()
""",
    needs=("time", "dt"),
    predicts=True,
    attempt="Advance the trial's clock (`progress.require('trial_clock')`) past the subscription's "
            "`trial_end`, and wait until it is `ready`.",
)
def trial_ends(look: Look) -> str:
    sub = look.client.v1.subscriptions.retrieve(look.recorded("trial_clock_subscription", TRIAL_WHERE))
    clock_id = look.recorded("trial_clock", TRIAL_WHERE)
    clock = look.client.v1.test_helpers.test_clocks.retrieve(clock_id)
    mine = [e for e in look.sent("POST", ADVANCE) if ADVANCE.fullmatch(e.path).group(1) == clock_id]
    if not mine:
        if look.sent("POST", ADVANCE):
            raise NotYet("You advanced another test clock (the renewals' one). The trial lives on its own "
                         "clock: advance `progress.require('trial_clock')`.")
        raise no_attempt_yet("none of your requests advanced the trial's clock "
                             "(`progress.require('trial_clock')`): advance it past the subscription's "
                             "`trial_end`.")
    if sub.status == "trialing":
        raise NotYet(f"`{sub.id}` is still `trialing`: its trial ends {day(sub.trial_end)}, and its clock "
                     f"is at {day(clock.frozen_time)}. Advance the clock past `trial_end`.")
    after = [i for i in look.client.v1.invoices.list(params={"subscription": sub.id, "limit": 100}).data
             if i.created >= sub.trial_end]
    paid = [i for i in after if i.status == "paid" and i.amount_paid]
    if sub.status == "active" and paid:
        first = paid[-1]  # the list is newest first
        return (f"The trial ended {day(sub.trial_end)}; Stripe invoiced the first period "
                f"(`billing_reason: {first.billing_reason}`) and charged "
                f"{money(first.amount_paid, first.currency)} off-session on "
                f"{day(first.status_transitions.paid_at)}, with the Amazon Pay PaymentMethod saved "
                "before the trial. The subscription is `active`." + look.prediction_note(first.amount_paid))
    pending = [i for i in after if i.status in ("draft", "open")]
    if pending:
        raise NotYet(f"The trial ended and `{pending[-1].id}` is `{pending[-1].status}`: Stripe finalizes and "
                     "charges a subscription invoice about an hour after it creates it. Advance the clock "
                     "a little further.")
    raise NotYet(f"`{sub.id}` is `{sub.status}` after the trial: look at its latest invoice "
                 f"(`{sub.latest_invoice}`) to see why the first charge did not go through.")
