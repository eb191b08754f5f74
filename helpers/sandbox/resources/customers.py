"""Customers: create, retrieve, update, delete, list and search."""

from __future__ import annotations

import re
from typing import Any

from ...limits import EMAIL, MAX_AMOUNT
from ...urls import path_segment
from ..api.context import ApiRequest, includer, page_limit, search_page
from ..api.router import api
from ..shared.errors import StripeError, shorten
from ..shared.ids import new_id
from ..state import search
from . import clock_limits, events
from .common import address, apply_updates, created_filter, deleted, metadata

UPDATABLE = (
    "address", "balance", "description", "email", "invoice_prefix", "name", "next_invoice_sequence", "phone",
    "preferred_locales", "shipping",
)
INVOICE_PREFIX = re.compile(r"[A-Z0-9]{1,12}")  # ASCII letters and digits only


def clock_time(req: ApiRequest, customer: dict[str, Any] | None) -> int:
    """Now, for a customer: its test clock's frozen time when it lives on one."""
    if customer and customer.get("test_clock"):
        clock = req.store.find(customer["test_clock"])
        if clock:
            return clock["frozen_time"]
    return req.now()


# Not documented by Stripe (unverified): a customer's balance stays within the largest amount,
# the next invoice number is a positive count.
MAX_INVOICE_SEQUENCE = 999_999_999


def check_customer_params(p: dict[str, Any]) -> None:
    """``email``, ``balance``, ``next_invoice_sequence`` and ``invoice_prefix`` as Stripe takes them."""
    if p.get("email") and not EMAIL.match(p["email"]):
        raise StripeError(
            f"Invalid email address: {shorten(p['email'], 100)}", code="email_invalid", param="email"
        )
    if p.get("balance") is not None and abs(p["balance"]) > MAX_AMOUNT:
        raise StripeError(
            f"Invalid integer: balance must be between -{MAX_AMOUNT} and {MAX_AMOUNT} (in the currency's "
            "smallest unit).",
            code="parameter_invalid_integer", param="balance",
        )
    if p.get("invoice_prefix") is not None and not INVOICE_PREFIX.fullmatch(p["invoice_prefix"]):
        # stripe-python 16.1 (CustomerCreateParams.invoice_prefix): "Must be 1–12 uppercase letters
        # or numbers." The message is the sandbox's wording.
        raise StripeError(
            f"Invalid invoice_prefix: {shorten(p['invoice_prefix'], 30)!r}. It must be 1 to 12 uppercase letters "
            "(A-Z) or digits.",
            code="parameter_invalid_string", param="invoice_prefix",
        )
    sequence = p.get("next_invoice_sequence")
    if sequence is not None and not 1 <= sequence <= MAX_INVOICE_SEQUENCE:
        raise StripeError(
            f"Invalid integer: next_invoice_sequence must be between 1 and {MAX_INVOICE_SEQUENCE}.",
            code="parameter_invalid_integer", param="next_invoice_sequence",
        )


def _address(given: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if given is None else address(given)


def _shipping(given: dict[str, Any] | None) -> dict[str, Any] | None:
    if given is None:
        return None
    return {
        "address": _address(given.get("address") or {}),
        **{k: given.get(k) for k in ("carrier", "name", "phone", "tracking_number")},
    }


@api.route("POST", "/v1/customers", "CustomerCreateParams", quick=True)
def create(req: ApiRequest) -> dict[str, Any]:
    p = req.params
    check_customer_params(p)
    clock = None
    if p.get("test_clock"):
        clock = req.store.get("test_helpers.test_clock", p["test_clock"], "test_clock")
        clock_limits.check_room_for_customer(req, clock)
    settings = p.get("invoice_settings") or {}
    if settings.get("default_payment_method"):
        raise StripeError(
            "A new customer has no payment methods yet: attach one first, then set it as "
            "invoice_settings[default_payment_method].",
            param="invoice_settings[default_payment_method]",
        )
    customer = req.shape("customer", {
        "id": new_id("cus", 14),
        "object": "customer",
        "address": _address(p.get("address")),
        "balance": p.get("balance", 0),
        "business_name": p.get("business_name"),
        "created": clock["frozen_time"] if clock else req.now(),
        "currency": None,
        "customer_account": None,
        "default_source": None,
        "delinquent": False,
        "description": p.get("description"),
        "discount": None,
        "email": p.get("email"),
        "individual_name": p.get("individual_name"),
        "invoice_prefix": p.get("invoice_prefix") or new_id("x", 8)[2:].upper(),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": settings.get("footer"),
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": metadata({}, p.get("metadata") or {}),
        "name": p.get("name"),
        "next_invoice_sequence": p.get("next_invoice_sequence", 1),
        "phone": p.get("phone"),
        "preferred_locales": p.get("preferred_locales", []),
        "shipping": _shipping(p.get("shipping")),
        "tax_exempt": p.get("tax_exempt", "none"),
        "test_clock": clock["id"] if clock else None,
    })
    req.store.insert(customer)
    events.emit(req, "customer.created", customer, created=customer["created"])
    return customer


@api.route("GET", "/v1/customers/{id}", "CustomerRetrieveParams")
def retrieve(req: ApiRequest) -> dict[str, Any]:
    """A deleted customer still answers, as ``{"id", "object", "deleted": true}`` (Stripe does)."""
    found = req.store.find(req.args["id"])
    if found is not None and found["object"] == "customer":
        return found  # a deleted one as its stub
    return req.store.get("customer", req.args["id"])  # Stripe's 404 for anything else


@api.route("POST", "/v1/customers/{id}", "CustomerUpdateParams", quick=True)
def update(req: ApiRequest) -> dict[str, Any]:
    customer = req.store.get("customer", req.args["id"])
    before = {k: (dict(v) if isinstance(v, dict) else v) for k, v in customer.items()}
    check_customer_params(req.params)
    apply_updates(customer, req.params, UPDATABLE)
    customer["address"], customer["shipping"] = _address(customer["address"]), _shipping(customer["shipping"])
    settings = req.params.get("invoice_settings")
    if settings is not None:
        pm_id = settings.get("default_payment_method")
        if pm_id:
            pm = req.store.get("payment_method", pm_id, "invoice_settings[default_payment_method]")
            if pm.get("customer") != customer["id"]:
                raise StripeError(
                    f"The payment method `{pm_id}` is not attached to this customer. Attach it first "
                    "(a succeeded SetupIntent for this customer does that).",
                    param="invoice_settings[default_payment_method]",
                )
        customer["invoice_settings"] = {**customer["invoice_settings"], **settings}
    req.store.save(customer)
    events.emit(req, "customer.updated", customer, events.changed(before, customer))
    return customer


@api.route("DELETE", "/v1/customers/{id}", "CustomerDeleteParams")
def delete(req: ApiRequest) -> dict[str, Any]:
    customer = req.store.get("customer", req.args["id"])
    for hook in ON_DELETE:
        hook(req, customer)
    gone = deleted("customer", customer["id"])
    req.store.tombstone(gone)  # retrieve answers it; lists, search and updates no longer see it
    events.emit(req, "customer.deleted", customer)
    return gone


ON_DELETE: list = []  # part 2 cancels the customer's subscriptions here


@api.route("GET", "/v1/customers", "CustomerListParams")
def list_customers(req: ApiRequest) -> dict[str, Any]:
    where = {}
    if "email" in req.params:
        where["email"] = req.params["email"]
    if "test_clock" in req.params:
        where["test_clock"] = req.params["test_clock"]
    return req.list_of("customer", where, accept=created_filter(req))


# --------------------------------------------------------------------------- search

# Stripe's query fields for customers (docs.stripe.com/search#query-fields-for-customers).
SEARCH_FIELDS = {
    "created": search.Field(search.NUMBER),
    "email": search.Field(search.STRING, substring=True),
    "metadata": search.Field(search.STRING),
    "name": search.Field(search.STRING, substring=True),
    "phone": search.Field(search.STRING, substring=True),
}


@api.route("GET", "/v1/customers/search", "CustomerSearchParams")
def search_customers(req: ApiRequest) -> dict[str, Any]:
    query = search.parse(req.params["query"], SEARCH_FIELDS)
    limit = page_limit(req.params)
    start = search_page(req.params)
    found = req.store.search("customer", query, limit=limit + 1, offset=start)
    more = len(found) > limit
    return {
        "object": "search_result",
        "data": found[:limit],
        "has_more": more,
        "next_page": str(start + limit) if more else None,
        "url": "/v1/customers/search",
    }


# --------------------------------------------------------------------------- includable fields (expand[])

def _included_list(customer: dict[str, Any], name: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"object": "list", "data": rows, "has_more": False, "url": f"/v1/customers/{path_segment(customer['id'])}/{name}"}


@includer("customer", "sources")
def _sources(req: ApiRequest, customer: dict[str, Any]) -> dict[str, Any]:
    return _included_list(customer, "sources", [])  # the sandbox has no legacy sources


@includer("customer", "tax_ids")
def _tax_ids(req: ApiRequest, customer: dict[str, Any]) -> dict[str, Any]:
    return _included_list(customer, "tax_ids", [])  # nor tax ids


@includer("customer", "subscriptions")
def _subscriptions(req: ApiRequest, customer: dict[str, Any]) -> dict[str, Any]:
    rows = [s for s in req.store.query("subscription", {"customer": customer["id"]}) if s.get("status") != "canceled"]
    return _included_list(customer, "subscriptions", rows)
