"""Exercises of notebook 08 · Failures and recovery (after the guide)."""

from __future__ import annotations

import re

from ._core import Look, NotYet, day, exercise_definition, no_attempt_yet, param

NOTEBOOK = "08_failures_and_recovery"
WHERE = "run the renewals notebook and the failed renewal in this notebook"
DAY = 24 * 3600


PAY = re.compile(r"/v1/invoices/([^/]+)/pay")
ATTEMPT_NO_RETRY = ("Advance the test clock (`progress.require('test_clock')`) to at least a week after the "
                    "failed renewal, wait until it is `ready`, then retrieve the open invoice again.")
ATTEMPT_RECOVER = ("Bring the customer back: a new SetupIntent for the clock's customer and the redirect "
                   "(Authorize test setup), then update the subscription, then pay the open invoice.")


@exercise_definition(
    id="08-no-retry",
    notebook=NOTEBOOK,
    title="Will Stripe try again?",
    task="""
The renewal failed: the subscription is `past_due` and its latest invoice is `open`. For many
card payments, Stripe's Smart Retries would try again. Advance the test clock to **one week after
the failed renewal** (the open invoice's `created`, plus seven days) and retrieve the open invoice
again.

**Predict first:** its `attempt_count` and `next_payment_attempt` a week later. Write the attempt
count down in `check.predict(...)` before you run.
""",
    solution="""
check.predict("08-no-retry", 1)
subscription = client.v1.subscriptions.retrieve(progress.require("clock_subscription"))
open_invoice = client.v1.invoices.retrieve(subscription.latest_invoice)
clock = client.v1.test_helpers.test_clocks.retrieve(progress.require("test_clock"))
week_later = max(open_invoice.created + 7 * 24 * 3600, clock.frozen_time + 3600)
client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": week_later})
while client.v1.test_helpers.test_clocks.retrieve(clock.id).status != "ready":
    time.sleep(0.2)
open_invoice = client.v1.invoices.retrieve(open_invoice.id)
open_invoice.status, open_invoice.attempt_count, open_invoice.next_payment_attempt
""",
    predicts=True,
    needs=("time",),
    attempt=ATTEMPT_NO_RETRY,
)
def no_retry(look: Look) -> str:
    clock_id = look.recorded("test_clock", WHERE)
    sub = look.client.v1.subscriptions.retrieve(look.recorded("clock_subscription", WHERE))
    invoice = look.client.v1.invoices.retrieve(sub.latest_invoice)
    if not look.sent("POST", f"/v1/test_helpers/test_clocks/{clock_id}/advance", status=200):
        raise no_attempt_yet(f"none of your requests advanced the test clock `{clock_id}`. "
                             + ATTEMPT_NO_RETRY)
    if invoice.status == "paid":
        raise NotYet(f"The latest invoice `{invoice.id}` is paid: there is no failed renewal to "
                     "watch (or you recovered it already). Run the failed renewal first.")
    if invoice.status != "open" or not invoice.attempted:
        raise NotYet(f"The latest invoice `{invoice.id}` is `{invoice.status}` and not attempted "
                     "yet: run the failed renewal first.")
    clock = look.client.v1.test_helpers.test_clocks.retrieve(clock_id)
    waited = (clock.frozen_time - invoice.created) // DAY
    if waited < 7:
        raise NotYet(f"The clock stands {waited} day(s) after the failed renewal ({day(invoice.created)}): "
                     "advance it to at least a week after, then look at the invoice's `attempt_count` "
                     "and `next_payment_attempt`.")
    if not look.sent("GET", f"/v1/invoices/{invoice.id}", status=200):
        raise NotYet(f"The clock stands {waited} days after the failed renewal; now retrieve the open "
                     f"invoice `{invoice.id}` again and look at its `attempt_count`.")
    if invoice.attempt_count == 1 and invoice.next_payment_attempt is None:
        return (f"{waited} days after the failed renewal ({day(invoice.created)}), `{invoice.id}` still "
                "has `attempt_count: 1` and `next_payment_attempt: null`: nobody tried again. Stripe's "
                "Smart Retries page names two reasons that both apply here: no payment method is "
                "available (it was detached), and Amazon Pay is not retried at all. The merchant has to "
                "bring the customer back (next exercise)." + look.prediction_note(1))
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
check.start("08-recover")
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
    attempt=ATTEMPT_RECOVER,
)
def recover(look: Look) -> str:
    sub = look.client.v1.subscriptions.retrieve(look.recorded("clock_subscription", WHERE))
    customer = look.recorded("clock_customer", WHERE)
    intents = [look.client.v1.setup_intents.retrieve(e.object_id)
               for e in look.sent("POST", "/v1/setup_intents", status=200)]
    authorized = [i for i in intents if i.status == "succeeded" and i.customer == customer]
    new_methods = {i.payment_method for i in authorized}
    updates = [e for e in look.sent("POST", f"/v1/subscriptions/{sub.id}", status=200)
               if param(e, "default_payment_method") in new_methods]
    pays = [e for e in look.sent("POST", PAY) if e.status == 200]
    out_of_band = [e for e in pays if param(e, "paid_out_of_band") == "true"]
    charged = [e for e in pays if param(e, "paid_out_of_band") != "true"]
    if not authorized:
        if out_of_band:
            raise NotYet(f"`{PAY.fullmatch(out_of_band[-1].path).group(1)}` was marked paid out of band: "
                         "that records money received elsewhere and charges nobody, and the subscription "
                         "still has no PaymentMethod for next month. Step 1: bring the customer back "
                         "(a new SetupIntent and the redirect, Authorize test setup).")
        if intents:
            newest = intents[-1]
            raise NotYet(f"Your SetupIntent `{newest.id}` is `{newest.status}`"
                         + (f" and for customer `{newest.customer}`, not the clock's `{customer}`"
                            if newest.customer != customer else "")
                         + ": the customer must authorize it (the redirect, Authorize test setup).")
        raise NotYet(f"`{sub.id}` is `{sub.status}` and you have not brought the customer back yet. "
                     "Step 1: a new SetupIntent for the clock's customer "
                     "(`progress.require('clock_customer')`) and the redirect (Authorize test setup).")
    new_pm = authorized[-1].payment_method
    if not updates:
        raise NotYet(f"The customer authorized `{new_pm}`, but the subscription's `default_payment_method` "
                     f"is `{sub.default_payment_method}`. Step 2: update the subscription with the new one.")
    listed = look.client.v1.invoices.list(params={"subscription": sub.id, "limit": 100}).data  # newest first
    theirs = {i.id: i for i in listed}
    if not charged:
        # The invoice that failed last (section 4's, paid on its page, is an older one): paid on its
        # hosted page since, by a charge (a second attempt), not out of band.
        last_failed = next((i for i in listed if i.attempt_count >= 1 and i.billing_reason == "subscription_cycle"), None)
        if (last_failed is not None and last_failed.status == "paid" and last_failed.attempt_count >= 2
                and not last_failed.to_dict().get("amount_paid_off_stripe") and sub.status == "active"):
            return (f"`{sub.id}` is active again with `{new_pm}`: `{last_failed.id}`, the invoice that failed, "
                    "was paid, though not by an `invoices.pay` call of yours (on its hosted invoice page, "
                    "section 4's way). Step 3 as the task means it is your server paying it: "
                    "`client.v1.invoices.pay(invoice_id)`.")
        if out_of_band:
            raise NotYet("You marked the invoice paid out of band: that charges nobody. Step 3: pay it "
                         "with the new PaymentMethod, `client.v1.invoices.pay(invoice_id)`.")
        raise NotYet("The subscription has the new PaymentMethod, but the open invoice is not paid: Stripe "
                     "does not retry Amazon Pay on its own. Step 3: `client.v1.invoices.pay(invoice_id)`.")
    paid = [theirs[i] for i in (PAY.fullmatch(e.path).group(1) for e in reversed(charged)) if i in theirs]
    invoice = next((i for i in paid if i.status == "paid" and i.attempt_count >= 2), None)
    if invoice is None:
        raise NotYet(f"The invoice you paid is not the one that failed on `{sub.id}`: pay the subscription's "
                     "open invoice (`client.v1.subscriptions.retrieve(...).latest_invoice`).")
    if sub.status != "active":
        raise NotYet(f"The invoice is paid, but `{sub.id}` is `{sub.status}`. Retrieve it again.")
    return (f"`{sub.id}` is active again: `{invoice.id}` was paid on attempt {invoice.attempt_count} with "
            f"`{sub.default_payment_method}`, under a new mandate. It became active when the invoice was "
            "paid, not when you changed the PaymentMethod.")


MANDATE = re.compile(r"/v1/mandates/([^/]+)")


@exercise_definition(
    id="08-mandate-revoked",
    notebook=NOTEBOOK,
    title="The mandate after the customer removed Amazon Pay",
    task="""
Section 2 detached the clock customer's Amazon Pay PaymentMethod: the customer took back the
authorization to charge it. Find the Mandate behind that PaymentMethod (each succeeded SetupIntent
names its `mandate`: list the customer's SetupIntents) and retrieve it.

**Predict first:** its `status` now. Write it down in `check.predict(...)` before you run.
""",
    solution="""
check.predict("08-mandate-revoked", "inactive")
setups = client.v1.setup_intents.list(params={"customer": progress.require("clock_customer"), "limit": 100})
for intent in setups.data:
    if intent.mandate:
        mandate = client.v1.mandates.retrieve(intent.mandate)
        owner = client.v1.payment_methods.retrieve(mandate.payment_method).customer
        print(mandate.id, mandate.type, mandate.status, "attached" if owner else "detached")
""",
    predicts=True,
    attempt="Retrieve the Mandate behind the detached PaymentMethod (`client.v1.mandates.retrieve(...)`).",
)
def mandate_revoked(look: Look) -> str:
    customer = look.recorded("clock_customer", WHERE)
    reads = look.sent("GET", MANDATE, status=200)
    if not reads:
        raise no_attempt_yet("none of your requests retrieves a Mandate. Retrieve the one behind the "
                             "detached PaymentMethod (`client.v1.mandates.retrieve(...)`).")
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
