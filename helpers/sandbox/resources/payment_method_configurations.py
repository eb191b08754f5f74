"""The account's payment method configuration: which payment methods dynamic payment methods
may offer. The sandbox account has one, its default, with Amazon Pay, cards and Link on. An
intent created with automatic payment methods names it, as Stripe's do:
``payment_method_configuration_details: {"id": "pmc_…", "parent": null}``."""

from __future__ import annotations

from typing import Any

from ..api.context import ApiRequest
from ..api.router import api
from ..api.schema import shape
from ..shared.ids import new_id
from ..state.account_store import AccountStore

KIND = "payment_method_configuration"
# The payment methods the sandbox account has turned on.
ACCOUNT_PAYMENT_METHOD_TYPES = ["amazon_pay", "card", "link"]
_ON = {"available": True, "display_preference": {"overridable": None, "preference": "on", "value": "on"}}


def default(store: AccountStore) -> dict[str, Any]:
    """The account's default configuration, made on first use."""
    found = store.query(KIND, {"is_default": True}, limit=1)
    if found:
        return found[0]
    config = shape(KIND, {
        "id": new_id("pmc", 24),
        "object": KIND,
        "active": True,
        "application": None,
        "is_default": True,
        "livemode": False,
        "name": "Default configuration",
        "parent": None,
        **{pm_type: _ON for pm_type in ACCOUNT_PAYMENT_METHOD_TYPES},
    })
    store.insert(config)
    return config


def details(store: AccountStore, requested: str | None) -> dict[str, Any]:
    """``payment_method_configuration_details`` for an intent that uses dynamic payment methods."""
    config = default(store)
    if requested:
        store.get(KIND, requested, "payment_method_configuration")
    return {"id": config["id"], "parent": None}


@api.route("GET", "/v1/payment_method_configurations/{id}", "PaymentMethodConfigurationRetrieveParams")
def retrieve(req: ApiRequest) -> dict[str, Any]:
    default(req.store)
    return req.store.get(KIND, req.args["id"])


@api.route("GET", "/v1/payment_method_configurations", "PaymentMethodConfigurationListParams")
def list_configurations(req: ApiRequest) -> dict[str, Any]:
    default(req.store)
    where = {"active": req.params["active"]} if "active" in req.params else {}
    return req.list_of(KIND, where)
