"""Exercises of notebook 04 · The redirect with Stripe.js (*Client-Geheimnis abrufen*)."""

from __future__ import annotations

import re

from helpers.focus import Expected

from ._core import Look, NotYet, exercise_definition, no_attempt_yet

NOTEBOOK = "04_redirect_with_stripe_js"
WHERE = "run notebook 04 (or `progress.catch_up('payment_method')`)"
CONFIRM = re.compile(r"/v1/setup_intents/([^/]+)/confirm")
AUTH_FAILED = "setup_intent_authentication_failure"


@exercise_definition(
    id="04-confirm-succeeded",
    notebook=NOTEBOOK,
    title="Confirm a SetupIntent that already succeeded",
    task="""
After the redirect the SetupIntent is `succeeded`. What if your server confirms it once more?
Call `client.v1.setup_intents.confirm(...)` with its ID (`progress.require("setup_intent")`).

**Predict first:** accepted, or an error? Which status and `code`? Write it down in
`check.predict(...)` before you run.
""",
    solution="""
check.predict("04-confirm-succeeded", "setup_intent_unexpected_state")
try:
    client.v1.setup_intents.confirm(progress.require("setup_intent"))
except stripe.InvalidRequestError as error:
    print(error.http_status, error.code)
    print(error.user_message)
""",
    predicts=True,
    attempt="Confirm the succeeded SetupIntent again: "
            "`client.v1.setup_intents.confirm(progress.require('setup_intent'))`, inside try/except.",
    expects=(Expected(400, "setup_intent_unexpected_state"),),
)
def confirm_succeeded(look: Look) -> str:
    confirms = look.sent("POST", CONFIRM)
    for entry in reversed(confirms):
        if entry.error_code == "setup_intent_unexpected_state":
            intent = look.client.v1.setup_intents.retrieve(CONFIRM.fullmatch(entry.path).group(1))
            if intent.status == "succeeded":
                return (f"`POST {entry.path}` answered {entry.status} `setup_intent_unexpected_state`: a "
                        "succeeded SetupIntent is final. To save another payment method, create a new "
                        "SetupIntent." + look.prediction_note(400, "setup_intent_unexpected_state"))
    if not confirms:
        raise no_attempt_yet("none of your requests confirms a SetupIntent. Call "
                             "`client.v1.setup_intents.confirm(progress.require('setup_intent'))`.")
    last = confirms[-1]
    intent_id = CONFIRM.fullmatch(last.path).group(1)
    if last.status == 200:
        raise NotYet(f"`{intent_id}` was not succeeded yet, so Stripe confirmed it again (a new "
                     "attempt, `requires_action`). Finish the redirect first (Authorize test setup), "
                     "then confirm once more.")
    if last.error_code == "setup_intent_unexpected_state":
        raise NotYet(f"`{intent_id}` is not `succeeded` (it was refused for its own state): confirm the "
                     "SetupIntent that succeeded after the redirect, `progress.require('setup_intent')`.")
    raise NotYet(f"That confirm answered {last.status} `{last.error_code}` ({last.error_message}). "
                 "Confirm the SetupIntent that succeeded after the redirect.")


@exercise_definition(
    id="04-fail-test-setup",
    notebook=NOTEBOOK,
    title="The customer declines",
    task="""
Start a new SetupIntent for the same customer, hand it to your server, and on the Amazon Pay page
click **Fail test setup** (with the autopilot on, headless Chromium clicks it).

**Predict first:** the `redirect_status` your `return_url` receives, the SetupIntent's `status`
afterwards, and its `last_setup_error.code`.
""",
    solution="""
check.start("04-fail-test-setup")
declined = client.v1.setup_intents.create(params={
    "confirm": True,
    "customer": progress.require("customer"),
    "payment_method_data": {"type": "amazon_pay"},
    "usage": "off_session",
    "mandate_data": progress.GUIDE_MANDATE,
    "return_url": server.url + "complete",
})
server.register_setup_intent(declined)
if autopilot.enabled():
    autopilot.run(server.url, "fail")
else:
    display(server.link("Open the checkout page, then click 'Fail test setup'"))
outcome = server.wait_for_redirect(timeout=600)
declined = client.v1.setup_intents.retrieve(declined.id)
outcome.redirect_status, declined.status, declined.last_setup_error.code
""",
    needs=("server", "autopilot", "display"),
    attempt="Create a new SetupIntent with the guide's call, register it with your server, and click "
            "**Fail test setup** on the Amazon Pay page.",
)
def fail_test_setup(look: Look) -> str:
    created = [e.object_id for e in look.sent("POST", "/v1/setup_intents", status=200)]
    confirmed = [CONFIRM.fullmatch(e.path).group(1) for e in look.sent("POST", CONFIRM)]
    named = list(dict.fromkeys(reversed([*created, *confirmed])))  # newest first, each once
    if not named:
        raise no_attempt_yet("none of your requests creates a SetupIntent. Create one with the "
                             "guide's call, register it with your server, and click **Fail test setup**.")
    intents = [look.client.v1.setup_intents.retrieve(i) for i in named]
    for intent in intents:
        error = intent.last_setup_error
        if intent.status == "requires_payment_method" and error and error.code == AUTH_FAILED:
            return (f"`{intent.id}` is back in `requires_payment_method` with `last_setup_error.code: "
                    f"{AUTH_FAILED}`; the customer came back with `redirect_status=failed`. Nothing "
                    "was saved: confirm it again (a new authorization), or create a new SetupIntent.")
    newest = intents[0]
    if newest.status == "succeeded":
        raise NotYet(f"`{newest.id}` was authorized (`succeeded`). Start another SetupIntent and "
                     "click **Fail test setup** this time.")
    if newest.status == "requires_action":
        raise NotYet(f"`{newest.id}` still waits for the customer (`requires_action`): register it "
                     "with your server (`server.register_setup_intent(...)`), open the checkout page "
                     "and click **Fail test setup**.")
    raise NotYet(f"`{newest.id}` is `{newest.status}`. Start a new SetupIntent and click "
                 "**Fail test setup** on the Amazon Pay page.")
