"""PaymentMethods (``amazon_pay``) and Mandates."""

from __future__ import annotations

from typing import Any

from ..api.context import ApiRequest
from ..api.router import api
from ..api.schema import shape
from ..shared.errors import StripeError
from ..shared.ids import new_id
from . import events
from .common import address, apply_updates, metadata

# What the sandbox can emulate end to end: Amazon Pay's redirect and off-session charges.
SUPPORTED_TYPES = ("amazon_pay",)


def blank_billing_details(given: dict[str, Any] | None = None) -> dict[str, Any]:
    given = given or {}
    return {
        "address": address(given.get("address")),
        "email": given.get("email"),
        "name": given.get("name"),
        "phone": given.get("phone"),
        "tax_id": given.get("tax_id"),
    }


def check_type(pm_type: str, param: str) -> None:
    if pm_type not in SUPPORTED_TYPES:
        raise StripeError(
            f"The sandbox emulates Amazon Pay only; `{pm_type}` payment methods need Stripe test "
            "mode (set STRIPE_SECRET_KEY=sk_test_…).",
            code="payment_method_invalid_parameter",
            param=param,
        )


def new_payment_method(req: ApiRequest, data: dict[str, Any], param: str) -> dict[str, Any]:
    check_type(data["type"], f"{param}[type]")
    pm = req.shape("payment_method", {
        "id": new_id("pm", 24),
        "object": "payment_method",
        "allow_redisplay": data.get("allow_redisplay", "unspecified"),
        "amazon_pay": {},
        "billing_details": blank_billing_details(data.get("billing_details")),
        "created": req.now(),
        "customer": None,
        "customer_account": None,
        "livemode": False,
        "metadata": metadata({}, data.get("metadata") or {}),
        "radar_options": None,
        "type": data["type"],
    })
    req.store.insert(pm)
    return pm


def check_usable_for(pm: dict[str, Any], customer_id: str | None, param: str) -> None:
    """A PaymentMethod attached to one customer is never used for, or moved to, another: "Payment
    methods attached to other Customers cannot be used with this SetupIntent" (Stripe's API
    reference, SetupIntent ``customer``)."""
    if pm["customer"] and pm["customer"] != customer_id:
        raise StripeError(
            f"The PaymentMethod {pm['id']} is attached to another Customer. Payment methods attached to "
            "other Customers cannot be used for this one: collect a new one (payment_method_data[type]=amazon_pay).",
            code="payment_method_unexpected_state", param=param,
        )


def attach(req: Any, pm: dict[str, Any], customer_id: str) -> None:
    """Attach ``pm`` to ``customer_id`` (a no-op when it already is); never away from another customer."""
    if pm["customer"] == customer_id:
        return
    check_usable_for(pm, customer_id, "customer")
    pm["customer"] = customer_id
    req.store.save(pm)
    events.emit(req, "payment_method.attached", pm)


@api.route("POST", "/v1/payment_methods", "PaymentMethodCreateParams", quick=True)
def create(req: ApiRequest) -> dict[str, Any]:
    if "type" not in req.params:
        raise StripeError("Missing required param: type.", code="parameter_missing", param="type")
    return new_payment_method(req, req.params, "payment_method_data")


@api.route("GET", "/v1/payment_methods/{id}", "PaymentMethodRetrieveParams")
def retrieve(req: ApiRequest) -> dict[str, Any]:
    return req.store.get("payment_method", req.args["id"])


@api.route("POST", "/v1/payment_methods/{id}", "PaymentMethodUpdateParams", quick=True)
def update(req: ApiRequest) -> dict[str, Any]:
    pm = req.store.get("payment_method", req.args["id"])
    before = dict(pm)
    apply_updates(pm, req.params, ("allow_redisplay",))
    if "billing_details" in req.params:
        pm["billing_details"] = blank_billing_details(req.params["billing_details"])
    req.store.save(pm)
    events.emit(req, "payment_method.updated", pm, events.changed(before, pm))
    return pm


@api.route("GET", "/v1/payment_methods", "PaymentMethodListParams")
def list_payment_methods(req: ApiRequest) -> dict[str, Any]:
    where = {k: req.params[k] for k in ("customer", "type") if k in req.params}
    return req.list_of("payment_method", where)


@api.route("POST", "/v1/payment_methods/{id}/attach", "PaymentMethodAttachParams")
def attach_route(req: ApiRequest) -> dict[str, Any]:
    pm = req.store.get("payment_method", req.args["id"])
    if "customer" not in req.params:  # optional in stripe-python 16's types (customer_account is the other way)
        raise StripeError("Missing required param: customer.", code="parameter_missing", param="customer")
    customer = req.store.get("customer", req.params["customer"], "customer")
    if pm["customer"] and pm["customer"] != customer["id"]:
        raise StripeError("The payment method you provided has already been attached to a customer.")
    attach(req, pm, customer["id"])
    return pm


@api.route("POST", "/v1/payment_methods/{id}/detach", "PaymentMethodDetachParams")
def detach_route(req: ApiRequest) -> dict[str, Any]:
    pm = req.store.get("payment_method", req.args["id"])
    if not pm["customer"]:
        raise StripeError(
            "The payment method you provided is not attached to a customer so detachment is impossible."
        )
    detach(req, pm)
    return pm


ON_DETACH: list = []  # billing clears the PaymentMethod from subscriptions here


def detach(req: Any, pm: dict[str, Any]) -> None:
    """Detach, and deactivate its mandates: off-session charges against it now fail."""
    customer_id = pm["customer"]
    pm["customer"] = None
    req.store.save(pm)
    for mandate in req.store.query("mandate", {"payment_method": pm["id"], "status": "active"}):
        mandate["status"] = "inactive"
        req.store.save(mandate)
        events.emit(req, "mandate.updated", mandate, {"status": "active"})
    customer = req.store.find(customer_id)
    if customer and not customer.get("deleted") and customer["invoice_settings"]["default_payment_method"] == pm["id"]:
        customer["invoice_settings"]["default_payment_method"] = None
        req.store.save(customer)
    for hook in ON_DETACH:
        hook(req, pm["id"], customer_id)
    events.emit(req, "payment_method.detached", pm, {"customer": customer_id})


@api.route("GET", "/v1/customers/{customer}/payment_methods", "CustomerPaymentMethodListParams")
def list_for_customer(req: ApiRequest) -> dict[str, Any]:
    customer = req.store.get("customer", req.args["customer"], "customer")
    where = {"customer": customer["id"]}
    if "type" in req.params:
        where["type"] = req.params["type"]
    return req.list_of("payment_method", where)


@api.route("GET", "/v1/customers/{customer}/payment_methods/{id}", "CustomerPaymentMethodRetrieveParams")
def retrieve_for_customer(req: ApiRequest) -> dict[str, Any]:
    pm = req.store.get("payment_method", req.args["id"])
    if pm["customer"] != req.args["customer"]:
        raise StripeError(f"No such PaymentMethod: '{pm['id']}'", status=404, code="resource_missing", param="id")
    return pm


# --------------------------------------------------------------------------- mandates

def new_mandate(req: Any, pm: dict[str, Any], acceptance: dict[str, Any]) -> dict[str, Any]:
    mandate = shape("mandate", {
        "id": new_id("mandate", 24),
        "object": "mandate",
        "customer_acceptance": acceptance,
        "livemode": False,
        "multi_use": {},
        "on_behalf_of": None,
        "payment_method": pm["id"],
        "payment_method_details": {"amazon_pay": {}, "type": pm["type"]},
        "status": "active",
        "type": "multi_use",
    })
    req.store.insert(mandate)
    return mandate


@api.route("GET", "/v1/mandates/{id}", "MandateRetrieveParams")
def retrieve_mandate(req: ApiRequest) -> dict[str, Any]:
    return req.store.get("mandate", req.args["id"])
