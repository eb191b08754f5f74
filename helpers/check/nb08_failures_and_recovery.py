"""Exercises of notebook 08 · Failures and recovery (after the guide)."""

from __future__ import annotations

import re

from ._core import Look, NotYet, exercise_definition, no_attempt_yet

NOTEBOOK = "08_failures_and_recovery"
WHERE = "run the renewals notebook and the failed renewal in this notebook"
DAY = 24 * 3600


def _open_invoices(look: Look, subscription_id: str) -> list:
    return look.client.v1.invoices.list(
        params={"subscription": subscription_id, "status": "open", "limit": 100}).data


@exercise_definition(
    id="08-no-retry",
    notebook=NOTEBOOK,
    title="Will Stripe try again?",
    task="""
The renewal failed: the subscription is `past_due` and its latest invoice is `open`. For many
card payments, Stripe's Smart Retries would try again. Advance the test clock by **one week** and
retrieve the open invoice again.

**Predict first:** its `attempt_count` and `next_payment_attempt` a week later. Write the attempt
count down as `predicted = ...` and pass it to the checker.
""",
    solution="""
predicted = 1
clock = client.v1.test_helpers.test_clocks.retrieve(progress.require("test_clock"))
client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": clock.frozen_time + 7 * 24 * 3600})
while client.v1.test_helpers.test_clocks.retrieve(clock.id).status != "ready":
    time.sleep(0.2)
subscription = client.v1.subscriptions.retrieve(progress.require("clock_subscription"))
open_invoice = client.v1.invoices.retrieve(subscription.latest_invoice)
open_invoice.status, open_invoice.attempt_count, open_invoice.next_payment_attempt
""",
    predicts=True,
    needs=("time",),
)
def no_retry(look: Look) -> str:
    sub = look.client.v1.subscriptions.retrieve(look.recorded("clock_subscription", WHERE))
    invoice = look.client.v1.invoices.retrieve(sub.latest_invoice)
    if invoice.status == "paid":
        raise NotYet(f"The latest invoice `{invoice.id}` is paid: there is no failed renewal to "
                     "watch (or you recovered it already). Run the failed renewal first.")
    if invoice.status != "open" or not invoice.attempted:
        raise NotYet(f"The latest invoice `{invoice.id}` is `{invoice.status}` and not attempted "
                     "yet: run the failed renewal first.")
    clock = look.client.v1.test_helpers.test_clocks.retrieve(look.recorded("test_clock", WHERE))
    waited = (clock.frozen_time - invoice.created) // DAY
    if waited < 7:
        raise NotYet(f"The clock is only {waited} day(s) past the failed attempt: advance it until a "
                     "week has passed, then look at the invoice's `attempt_count` and "
                     "`next_payment_attempt`.")
    if invoice.attempt_count == 1 and invoice.next_payment_attempt is None:
        return (f"{waited} days later `{invoice.id}` still has `attempt_count: 1` and "
                "`next_payment_attempt: null`: nobody tried again. Stripe's Smart Retries page "
                "names two reasons that both apply here: no payment method is available (it was "
                "detached), and Amazon Pay is not retried at all. The merchant has to bring the "
                "customer back (next exercise)."
                + look.prediction_note(1))
    raise NotYet(f"`{invoice.id}` shows `attempt_count: {invoice.attempt_count}`: something paid or "
                 "retried it. Look at it again after a week with no other calls.")


@exercise_definition(
    id="08-recover",
    notebook=NOTEBOOK,
    title="Bring the customer back",
    task="""
Recover the `past_due` subscription the way Stripe leaves it to you for Amazon Pay: bring the
customer back **on-session** for a new SetupIntent and the redirect (*Authorize test setup*), make
the new PaymentMethod the subscription's `default_payment_method`, and pay the open invoice.

**Predict first:** after which of the three steps does the subscription become `active` again?
""",
    solution="""
subscription_id = progress.require("clock_subscription")
# 1. The customer authorizes Amazon Pay again (on-session: a new SetupIntent and the redirect).
again = client.v1.setup_intents.create(params={
    "confirm": True,
    "customer": progress.require("clock_customer"),
    "payment_method_data": {"type": "amazon_pay"},
    "usage": "off_session",  # later renewals are charged off-session again
    "mandate_data": progress.GUIDE_MANDATE,
    "return_url": server.url + "complete",
})
server.register_setup_intent(again)
if autopilot.enabled():
    autopilot.run(server.url, "authorize")
else:
    display(server.link("Open the checkout page, then click 'Authorize test setup'"))
server.wait_for_redirect(timeout=600)
again = client.v1.setup_intents.retrieve(again.id)
# 2. The subscription charges the new PaymentMethod from now on.
client.v1.subscriptions.update(subscription_id, params={"default_payment_method": again.payment_method})
# 3. Pay the invoice that failed: nobody else will.
latest = client.v1.subscriptions.retrieve(subscription_id).latest_invoice
paid = client.v1.invoices.pay(latest)
client.v1.subscriptions.retrieve(subscription_id).status, paid.status
""",
    needs=("server", "autopilot", "display"),
)
def recover(look: Look) -> str:
    sub = look.client.v1.subscriptions.retrieve(look.recorded("clock_subscription", WHERE))
    still_open = _open_invoices(look, sub.id)
    if still_open:
        invoice = still_open[0]
        pm = (look.client.v1.payment_methods.retrieve(sub.default_payment_method)
              if sub.default_payment_method else None)
        if pm is not None and pm.customer == sub.customer:
            raise NotYet(f"The subscription has a usable PaymentMethod now, but `{invoice.id}` is "
                         "still open: Stripe does not retry Amazon Pay on its own. Pay it: "
                         "`client.v1.invoices.pay(invoice_id)`.")
        saved = look.client.v1.customers.payment_methods.list(
            sub.customer, params={"type": "amazon_pay", "limit": 10}).data
        if saved:
            raise NotYet(f"The customer authorized `{saved[0].id}`, but the subscription's "
                         f"`default_payment_method` is `{sub.default_payment_method}`. Update the "
                         "subscription with the new one, then pay the open invoice.")
        raise NotYet(f"`{sub.id}` is `{sub.status}` and the customer has no usable Amazon Pay "
                     "PaymentMethod. First bring the customer back: a new SetupIntent and the "
                     "redirect (Authorize test setup).")
    invoices = look.client.v1.invoices.list(params={"subscription": sub.id, "limit": 100}).data
    recovered = [i for i in invoices if i.status == "paid" and i.attempt_count >= 2]
    if not recovered:
        raise NotYet(f"`{sub.id}` has no invoice that was paid after a failed attempt: there was "
                     "nothing to recover yet. Run the failed renewal first.")
    if sub.status != "active":
        raise NotYet(f"The invoice is paid, but `{sub.id}` is `{sub.status}`. Retrieve it again.")
    return (f"`{sub.id}` is active again: `{recovered[0].id}` was paid on attempt "
            f"{recovered[0].attempt_count} with `{sub.default_payment_method}`, under a new mandate. "
            "It became active when the invoice was paid, not when you changed the PaymentMethod.")


MANDATE = re.compile(r"/v1/mandates/([^/]+)")


@exercise_definition(
    id="08-mandate-revoked",
    notebook=NOTEBOOK,
    title="The mandate after the customer removed Amazon Pay",
    task="""
Section 2 detached the clock customer's Amazon Pay PaymentMethod: the customer took back the
authorization to charge it. Find the Mandate behind that PaymentMethod (each succeeded SetupIntent
names its `mandate`: list the customer's SetupIntents) and retrieve it.

**Predict first:** its `status` now. Write it down as `predicted = "..."` and pass it to the checker.
""",
    solution="""
predicted = "inactive"
setups = client.v1.setup_intents.list(params={"customer": progress.require("clock_customer"), "limit": 100})
for intent in setups.data:
    if intent.mandate:
        mandate = client.v1.mandates.retrieve(intent.mandate)
        owner = client.v1.payment_methods.retrieve(mandate.payment_method).customer
        print(mandate.id, mandate.type, mandate.status, "attached" if owner else "detached")
""",
    predicts=True,
)
def mandate_revoked(look: Look) -> str:
    customer = look.recorded("clock_customer", WHERE)
    reads = [e for e in look.sent("GET", MANDATE, status=200) if not e.tutorial]
    if not reads:
        raise no_attempt_yet("retrieve the Mandate behind the detached PaymentMethod "
                             "(`client.v1.mandates.retrieve(...)`).")
    setups = look.client.v1.setup_intents.list(params={"customer": customer, "limit": 100}).data
    theirs = {intent.mandate for intent in setups if intent.mandate}
    seen = None
    for entry in reversed(reads):
        mandate = look.client.v1.mandates.retrieve(MANDATE.fullmatch(entry.path).group(1))
        owner = look.client.v1.payment_methods.retrieve(mandate.payment_method).customer
        if mandate.id in theirs and owner is None:
            return (f"`{mandate.id}` authorized `{mandate.payment_method}`, which section 2 detached: "
                    f"its `status` is now `{mandate.status}` (and Stripe sent `mandate.updated`). An "
                    "off-session charge needs an active mandate, so no renewal can use it again; only "
                    "a new authorization (a SetupIntent and the redirect) makes a new one."
                    + look.prediction_note(mandate.status))
        seen = seen or (mandate, owner)
    mandate, owner = seen
    where = f"still attached to `{owner}`" if owner else "not one of the clock customer's"
    raise NotYet(f"`{mandate.id}` authorizes `{mandate.payment_method}`, {where} (status "
                 f"`{mandate.status}`). Find the clock customer's mandate whose PaymentMethod section 2 "
                 "detached: list `client.v1.setup_intents.list(params={'customer': "
                 "progress.require('clock_customer')})` and look at each `mandate`.")
