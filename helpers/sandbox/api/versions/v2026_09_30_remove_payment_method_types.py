"""2026-09-30.endive: ``payment_method_types`` is no longer writable on intents.

docs.stripe.com/changelog/endive/2026-09-30/removes-the-payment-method-types-parameter-from-payment-intents-and-setup-intents

* On or after: create and update of SetupIntents (and create, update and confirm of
  PaymentIntents) refuse ``payment_method_types`` with 400
  ``payment_method_types_no_longer_supported``. The field stays on the object, read-only:
  the computed list of payment method types.
* Before: the parameter works as the guide uses it. It is a strict list: a type the
  account cannot use is an error (unlike ``allowed_payment_method_types``, which filters).
"""

from __future__ import annotations

from typing import Any

from ...shared.errors import StripeError
from .change import VersionChange

ROUTES = {
    "POST /v1/setup_intents",
    "POST /v1/setup_intents/{id}",
    "POST /v1/payment_intents",
    "POST /v1/payment_intents/{id}",
    "POST /v1/payment_intents/{id}/confirm",
}
EXCLUSIVE = ("allowed_payment_method_types", "automatic_payment_methods", "excluded_payment_method_types")


class RemovePaymentMethodTypes(VersionChange):
    def request_on_or_after(self, route: str, params: dict[str, Any]) -> None:
        if route in ROUTES and "payment_method_types" in params:
            raise StripeError(
                "The `payment_method_types` parameter is no longer supported as of API version "
                f"{self.version}. Remove it and use dynamic payment methods, or pass "
                "`allowed_payment_method_types` (for example `allowed_payment_method_types[]=amazon_pay`) "
                "to limit the types Stripe may use. To keep sending it, make this request with an "
                "earlier `Stripe-Version`.",
                code="payment_method_types_no_longer_supported",
                param="payment_method_types",
            )

    def request_before(self, route: str, params: dict[str, Any]) -> None:
        if route not in ROUTES or "payment_method_types" not in params:
            return
        for other in EXCLUSIVE:
            if other in params:
                raise StripeError(
                    f"You cannot specify both `payment_method_types` and `{other}`.",
                    code="parameters_exclusive",
                    param=other,
                )
        # The newest code knows only allowed_payment_method_types; keep the old, strict meaning.
        params["allowed_payment_method_types"] = params.pop("payment_method_types")
        params["_strict_payment_method_types"] = True
        params["_renamed"] = {"allowed_payment_method_types": "payment_method_types"}


CHANGE = RemovePaymentMethodTypes(
    version="2026-09-30.endive",
    title="Removes the payment method types parameter from Payment Intents and Setup Intents",
)
