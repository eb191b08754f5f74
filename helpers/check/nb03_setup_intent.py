"""Exercises of notebook 03 · SetupIntent (*Einen SetupIntent erstellen*)."""

from __future__ import annotations

from ._core import Look, NotYet, exercise_definition, no_attempt_yet, param, params_under

NOTEBOOK = "03_setup_intent"


@exercise_definition(
    id="03-no-return-url",
    notebook=NOTEBOOK,
    title="Leave out return_url",
    task="""
Send the guide's SetupIntent call (`confirm=true`, Amazon Pay) **without** `return_url`.

**Predict first:** does Stripe accept it? If not, which status and which parameter will the error
name? Write the status down as `predicted = ...` and pass it to the checker.
""",
    solution="""
predicted = 400
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
)
def no_return_url(look: Look) -> str:
    # The learner's creates: not the notebook's own, nor its endive lesson (payment_method_types refused).
    creates = [e for e in look.attempts("POST", "/v1/setup_intents")
               if e.error_code != "payment_method_types_no_longer_supported"]
    if not creates:
        raise no_attempt_yet("send the guide's SetupIntent call (confirm, Amazon Pay) without "
                             "`return_url` in this notebook.")
    for entry in reversed(creates):
        if (entry.status == 400 and param(entry, "return_url") is None
                and param(entry, "confirm") == "true"
                and param(entry, "payment_method_data[type]") == "amazon_pay"):
            return (f"Stripe answered 400 `{entry.error_code}`: Amazon Pay sends the customer away to "
                    "authorize, so Stripe must know where to send them back before it confirms. (The "
                    "sandbox words it briefly; Stripe's message is longer, e.g. for a PaymentIntent: \"A "
                    "`return_url` must be specified because this Payment Intent is configured to "
                    "automatically accept the payment methods enabled in the Dashboard, some of which "
                    "may require a full page redirect to succeed.\")"
                    + look.prediction_note(400, entry.error_code, "return_url"))
    last = creates[-1]
    if param(last, "return_url") is not None:
        raise NotYet("Your last SetupIntent create still sent `return_url`: leave it out of the params.")
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
limited = client.v1.setup_intents.create(params={
    "customer": progress.require("customer"),
    "allowed_payment_method_types": ["amazon_pay"],
    "usage": "off_session",
})
limited.payment_method_types, limited.automatic_payment_methods
""",
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
    if any(e.status == 200 for e in creates):
        raise NotYet("Your SetupIntent lets Stripe choose the types (automatic payment methods): "
                     "send `allowed_payment_method_types=['amazon_pay']` to limit it.")
    raise NotYet("No successful SetupIntent create with `allowed_payment_method_types` in this "
                 "kernel's request log yet.")


def _shown(value) -> str:
    return "null" if value is None else str(value.to_dict() if hasattr(value, "to_dict") else value)
