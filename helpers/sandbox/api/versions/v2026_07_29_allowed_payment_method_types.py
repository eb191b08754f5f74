"""2026-07-29.dahlia: adds ``allowed_payment_method_types`` to PaymentIntents and SetupIntents.

docs.stripe.com/changelog/dahlia/2026-07-29/allowed-payment-method-types-parameter

* On or after: the parameter filters the account's payment method types to compatible ones
  and is reflected in ``payment_method_types``; the object has the field.
* Before: the parameter does not exist (``parameter_unknown``) and the object has no such field.
"""

from __future__ import annotations

from typing import Any

from ...shared.errors import param_unknown
from .change import VersionChange

INTENTS = {"setup_intent", "payment_intent"}


class AddAllowedPaymentMethodTypes(VersionChange):
    def request_before(self, route: str, params: dict[str, Any]) -> None:
        if "/setup_intents" in route or "/payment_intents" in route:
            if "allowed_payment_method_types" in params and not params.get("_strict_payment_method_types"):
                raise param_unknown("allowed_payment_method_types")

    def response_before(self, obj: dict[str, Any]) -> None:
        if obj.get("object") in INTENTS:
            obj.pop("allowed_payment_method_types", None)


CHANGE = AddAllowedPaymentMethodTypes(
    version="2026-07-29.dahlia",
    title="Adds the allowed_payment_method_types parameter to Payment Intents and Setup Intents",
)
