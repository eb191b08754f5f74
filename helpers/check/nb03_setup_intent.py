"""Exercises of notebook 03 · SetupIntent (*Einen SetupIntent erstellen*)."""

from __future__ import annotations

from helpers.focus import Expected

from ._core import Look, NotYet, exercise_definition, no_attempt_yet, param, params_under

NOTEBOOK = "03_setup_intent"
ATTEMPT_NO_RETURN_URL = ("Send the guide's SetupIntent call (`confirm=True`, `payment_method_data` of type "
                         "`amazon_pay`) without `return_url`, inside try/except.")


def names_return_url(entry) -> bool:
    """Whether a refused request's error names ``return_url`` (its ``param``, else its message)."""
    return entry.error_param == "return_url" or "return_url" in (entry.error_message or "")


@exercise_definition(
    id="03-no-return-url",
    notebook=NOTEBOOK,
    title="Leave out return_url",
    task="""
Send the guide's SetupIntent call (`confirm=true`, Amazon Pay) **without** `return_url`.

**Predict first:** does Stripe accept it? If not, which status and which parameter will the error
name? Write the status down in `check.predict(...)` before you run.
""",
    solution="""
check.predict("03-no-return-url", 400)
try:
    client.v1.setup_intents.create(params={
        "confirm": True,
        "customer": progress.require("customer"),
        "payment_method_data": {"type": "amazon_pay"},
        "usage": "off_session",
        "mandate_data": progress.GUIDE_MANDATE,
        # no return_url
    })
except stripe.InvalidRequestError as error:
    print(error.http_status, error.code, error.param)
    print(error.user_message)
""",
    predicts=True,
    attempt=ATTEMPT_NO_RETURN_URL,
    expects=(Expected(400, param="return_url", unless="when confirm=true"),),
)
def no_return_url(look: Look) -> str:
    creates = look.sent("POST", "/v1/setup_intents")
    if not creates:
        raise no_attempt_yet(ATTEMPT_NO_RETURN_URL)
    for entry in reversed(creates):
        if entry.status == 400 and not param(entry, "return_url") and names_return_url(entry):
            return (f"Stripe answered 400 `{entry.error_code}` on `return_url`: Amazon Pay sends the "
                    "customer away to authorize, so Stripe must know where to send them back before "
                    "it confirms. (The sandbox words it briefly; Stripe's message is longer, e.g. for a "
                    "PaymentIntent: \"A `return_url` must be specified because this Payment Intent is "
                    "configured to automatically accept the payment methods enabled in the Dashboard, "
                    "some of which may require a full page redirect to succeed.\")"
                    + look.prediction_note(400, entry.error_code, "return_url"))
    last = creates[-1]
    if param(last, "return_url"):
        raise NotYet("Your last SetupIntent create still sent `return_url`: leave it out of the params.")
    if last.status == 400:
        raise NotYet(f"Stripe refused your create on `{last.error_param or last.error_code}` "
                     f"({last.error_message}), before it got to `return_url`. Send the guide's values "
                     "for everything else, and leave out only `return_url`.")
    if param(last, "confirm") != "true":
        raise NotYet("Without `confirm=True`, Stripe does not try to set anything up yet, so it needs "
                     "no `return_url`. Keep `confirm: True` and leave out only `return_url`.")
    if param(last, "payment_method_data[type]") != "amazon_pay":
        raise NotYet("Send `payment_method_data={'type': 'amazon_pay'}` as the guide does: the "
                     "redirect to Amazon Pay is what needs the `return_url`.")
    raise NotYet(f"That create answered {last.status} {last.error_code or ''}; send the guide's call "
                 "(confirm, Amazon Pay) without `return_url`.")


@exercise_definition(
    id="03-allowed-payment-method-types",
    notebook=NOTEBOOK,
    title="Only Amazon Pay, the current way",
    task="""
Since API version 2026-09-30.endive a SetupIntent create no longer takes `payment_method_types`.
To limit a SetupIntent to Amazon Pay yourself, send `allowed_payment_method_types=["amazon_pay"]`.
Create such a SetupIntent for the customer (no `confirm` this time), then compare its
`payment_method_types` and `automatic_payment_methods` with those of the SetupIntent above.

**Predict first:** which types will it list, and will `automatic_payment_methods` be set?
""",
    solution="""
check.start("03-allowed-payment-method-types")
limited = client.v1.setup_intents.create(params={
    "customer": progress.require("customer"),
    "allowed_payment_method_types": ["amazon_pay"],
    "usage": "off_session",
})
limited.payment_method_types, limited.automatic_payment_methods
""",
    attempt="Create a SetupIntent for the customer with `allowed_payment_method_types=['amazon_pay']`.",
)
def allowed_payment_method_types(look: Look) -> str:
    creates = look.sent("POST", "/v1/setup_intents")
    limited = [e for e in creates if e.status == 200 and params_under(e, "allowed_payment_method_types")]
    if limited:
        intent = look.client.v1.setup_intents.retrieve(limited[-1].object_id)
        types = list(intent.payment_method_types)
        if types == ["amazon_pay"]:
            return (f"`{intent.id}` lists `payment_method_types: ['amazon_pay']` and "
                    f"`automatic_payment_methods: {_shown(intent.automatic_payment_methods)}`: you chose "
                    "the list, so Stripe did not compute one from the account's payment methods.")
        raise NotYet(f"`{intent.id}` allows {types}: send exactly `['amazon_pay']`.")
    if any(e.error_code == "payment_method_types_no_longer_supported" for e in creates):
        raise NotYet("`payment_method_types` is gone since 2026-09-30.endive; its replacement for "
                     "limiting the types is `allowed_payment_method_types=['amazon_pay']`.")
    pinned = [e for e in creates if e.status == 200 and params_under(e, "payment_method_types")]
    if pinned:
        raise NotYet(f"`payment_method_types` worked because you pinned API version "
                     f"{pinned[-1].api_version}, from before endive; on the SDK's version, limit the "
                     "types with `allowed_payment_method_types=['amazon_pay']`.")
    if any(e.status == 200 for e in creates):
        raise NotYet("Your SetupIntent lets Stripe choose the types (automatic payment methods): "
                     "send `allowed_payment_method_types=['amazon_pay']` to limit it.")
    if creates:
        last = creates[-1]
        raise NotYet(f"Your SetupIntent create was refused ({last.status} `{last.error_code}`: "
                     f"{last.error_message}). Change what it names, then run your cell again.")
    raise no_attempt_yet("Create a SetupIntent for the customer with "
                         "`allowed_payment_method_types=['amazon_pay']`.")


def _shown(value) -> str:
    return "null" if value is None else str(value.to_dict() if hasattr(value, "to_dict") else value)
