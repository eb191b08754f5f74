"""Products and prices: what is sold, for how much, how often."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ...limits import MAX_INTERVAL_COUNT
from ..api.context import ApiRequest, includer
from ..api.router import api
from ..shared.errors import StripeError
from ..shared.ids import new_id
from . import events
from .common import MAX_AMOUNT, apply_updates, check_currency, created_filter, deleted, metadata

PRODUCT_UPDATABLE = ("active", "description", "name", "statement_descriptor", "unit_label", "url", "images")


def new_product(req: ApiRequest, params: dict[str, Any]) -> dict[str, Any]:
    now = req.now()
    product = req.shape("product", {
        "id": params.get("id") or new_id("prod", 14),
        "object": "product",
        "active": params.get("active", True),
        "created": now,
        "default_price": None,
        "description": params.get("description"),
        "images": params.get("images", []),
        "livemode": False,
        "marketing_features": [{"name": f["name"]} for f in params.get("marketing_features", [])],
        "metadata": metadata({}, params.get("metadata") or {}),
        "name": params["name"],
        "shippable": params.get("shippable"),
        "statement_descriptor": params.get("statement_descriptor"),
        "tax_code": params.get("tax_code"),
        "type": "service",
        "unit_label": params.get("unit_label"),
        "updated": now,
        "url": params.get("url"),
    })
    if req.store.find(product["id"]):
        raise StripeError("Product already exists.", code="resource_already_exists", param="id")
    req.store.insert(product)
    events.emit(req, "product.created", product)
    return product


@api.route("POST", "/v1/products", "ProductCreateParams", quick=True)
def create_product(req: ApiRequest) -> dict[str, Any]:
    params = req.params
    product = new_product(req, params)
    if "default_price_data" in params:
        price = new_price(req, {**params["default_price_data"], "product": product["id"]})
        product["default_price"] = price["id"]
        req.store.save(product)
    return product


@api.route("GET", "/v1/products/{id}", "ProductRetrieveParams")
def retrieve_product(req: ApiRequest) -> dict[str, Any]:
    return req.store.get("product", req.args["id"])


@api.route("POST", "/v1/products/{id}", "ProductUpdateParams", quick=True)
def update_product(req: ApiRequest) -> dict[str, Any]:
    product = req.store.get("product", req.args["id"])
    before = dict(product)
    apply_updates(product, req.params, PRODUCT_UPDATABLE)
    if "default_price" in req.params:
        price = req.store.get("price", req.params["default_price"], "default_price")
        product["default_price"] = price["id"]
    product["updated"] = req.now()
    req.store.save(product)
    events.emit(req, "product.updated", product, events.changed(before, product))
    return product


@api.route("DELETE", "/v1/products/{id}", "ProductDeleteParams", quick=True)
def delete_product(req: ApiRequest) -> dict[str, Any]:
    product = req.store.get("product", req.args["id"])
    if req.store.query("price", {"product": product["id"]}, limit=1):
        raise StripeError(
            "This product cannot be deleted because it has one or more user-created prices. "
            "Archive it instead (active=false), or delete its prices first."
        )
    req.store.delete(product["id"])
    events.emit(req, "product.deleted", product)
    return deleted("product", product["id"])


@api.route("GET", "/v1/products", "ProductListParams")
def list_products(req: ApiRequest) -> dict[str, Any]:
    where = {k: req.params[k] for k in ("active", "shippable", "url") if k in req.params}
    ids, created = req.params.get("ids"), created_filter(req)
    accept = None
    if ids or created:
        accept = lambda p: (not ids or p["id"] in ids) and (not created or created(p))  # noqa: E731
    return req.list_of("product", where, accept=accept)


# --------------------------------------------------------------------------- prices

def unit_amount(params: dict[str, Any]) -> tuple[int | None, str | None]:
    """(unit_amount, unit_amount_decimal) as Stripe stores them. A whole ``unit_amount_decimal``
    sets both; a fractional one (``"12.5"``) keeps its decimal string and leaves
    ``unit_amount`` null, as Stripe does."""
    name = "unit_amount" if "unit_amount" in params else "unit_amount_decimal"
    given: int | Decimal | None = params.get(name)
    if given is None:
        return None, None
    if given < 0:
        raise StripeError(
            "This value must be greater than or equal to 0.",
            code="parameter_invalid_integer" if name == "unit_amount" else "parameter_invalid_decimal", param=name,
        )
    if given > MAX_AMOUNT:
        raise StripeError(
            f"This value must be less than or equal to {MAX_AMOUNT} (amounts are in the currency's smallest "
            "unit: 99999999 is 999,999.99 USD).",
            code="parameter_invalid_integer" if name == "unit_amount" else "parameter_invalid_decimal", param=name,
        )
    if isinstance(given, int):
        return given, str(given)
    exponent = given.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -12:
        raise StripeError(
            "Invalid decimal: unit_amount_decimal may have at most 12 decimal places.",
            code="parameter_invalid_decimal", param=name,
        )
    if given == given.to_integral_value():
        return int(given), str(int(given))
    return None, format(given.normalize(), "f")


# Price parameters whose effect the sandbox does not emulate: refused rather than ignored.
PRICE_NOT_EMULATED = ("currency_options", "custom_unit_amount", "tiers", "tiers_mode", "transform_quantity")


def new_price(req: ApiRequest, params: dict[str, Any]) -> dict[str, Any]:
    for name in PRICE_NOT_EMULATED:
        if params.get(name) is not None:
            raise StripeError(
                f"The offline sandbox does not emulate `{name}` on prices (one currency, a per-unit amount). "
                "Leave it out, or run this step in Stripe test mode (STRIPE_SECRET_KEY=sk_test_…).",
                param=name,
            )
    if params.get("billing_scheme", "per_unit") != "per_unit":
        raise StripeError(
            "The offline sandbox does not emulate tiered prices: it emulates billing_scheme=per_unit only.",
            param="billing_scheme",
        )
    if "product" in params and "product_data" in params:
        raise StripeError(
            "You may only specify one of these parameters: product, product_data.",
            code="parameters_exclusive", param="product_data",
        )
    if "product_data" in params:
        product = new_product(req, params["product_data"])
    elif "product" in params:
        product = req.store.get("product", params["product"], "product")
    else:
        raise StripeError("Missing required param: product.", code="parameter_missing", param="product")
    if "unit_amount" not in params and "unit_amount_decimal" not in params:
        raise StripeError(
            "Missing required param: unit_amount.", code="parameter_missing", param="unit_amount"
        )
    if "unit_amount" in params and "unit_amount_decimal" in params:
        raise StripeError(
            "You may only specify one of these parameters: unit_amount, unit_amount_decimal.",
            code="parameters_exclusive", param="unit_amount_decimal",
        )
    currency = check_currency(params["currency"])
    amount, amount_decimal = unit_amount(params)
    recurring = params.get("recurring")
    if recurring is not None:
        count = recurring.get("interval_count", 1)
        limits = MAX_INTERVAL_COUNT
        if not 1 <= count <= limits[recurring["interval"]]:
            raise StripeError(
                f"Invalid recurring[interval_count]: the maximum for interval {recurring['interval']} "
                f"is {limits[recurring['interval']]}.",
                code="parameter_invalid_integer", param="recurring[interval_count]",
            )
        recurring = {
            "interval": recurring["interval"],
            "interval_count": count,
            "meter": recurring.get("meter"),
            "trial_period_days": None,
            "usage_type": recurring.get("usage_type", "licensed"),
        }
    lookup_key = params.get("lookup_key")
    if lookup_key:
        holders = req.store.query("price", {"lookup_key": lookup_key})
        if holders and not params.get("transfer_lookup_key"):
            raise StripeError(
                f"A price (`{holders[0]['id']}`) already uses that lookup key. Pass "
                "transfer_lookup_key=true to move it to this price.",
                param="lookup_key",
            )
        for holder in holders:
            holder["lookup_key"] = None
            req.store.save(holder)
    price = req.shape("price", {
        "id": new_id("price", 24),
        "object": "price",
        "active": params.get("active", True),
        "billing_scheme": params.get("billing_scheme", "per_unit"),
        "created": req.now(),
        "currency": currency,
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": lookup_key,
        "metadata": metadata({}, params.get("metadata") or {}),
        "nickname": params.get("nickname"),
        "product": product["id"],
        "recurring": recurring,
        "tax_behavior": params.get("tax_behavior", "unspecified"),
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring" if recurring else "one_time",
        "unit_amount": amount,
        "unit_amount_decimal": amount_decimal,
    })
    req.store.insert(price)
    events.emit(req, "price.created", price)
    return price


@includer("price", "currency_options")
def _currency_options(req: ApiRequest, price: dict[str, Any]) -> dict[str, Any]:
    """The price in each currency it is offered in: the sandbox's prices have one."""
    return {price["currency"]: {
        "custom_unit_amount": None, "tax_behavior": price["tax_behavior"],
        "unit_amount": price["unit_amount"], "unit_amount_decimal": price["unit_amount_decimal"],
    }}


@includer("price", "tiers")
def _tiers(req: ApiRequest, price: dict[str, Any]) -> None:
    return None  # per-unit prices have no tiers


@api.route("POST", "/v1/prices", "PriceCreateParams", quick=True)
def create_price(req: ApiRequest) -> dict[str, Any]:
    return new_price(req, req.params)


@api.route("GET", "/v1/prices/{id}", "PriceRetrieveParams")
def retrieve_price(req: ApiRequest) -> dict[str, Any]:
    return req.store.get("price", req.args["id"])


@api.route("POST", "/v1/prices/{id}", "PriceUpdateParams", quick=True)
def update_price(req: ApiRequest) -> dict[str, Any]:
    price = req.store.get("price", req.args["id"])
    before = dict(price)
    apply_updates(price, req.params, ("active", "nickname", "tax_behavior"))
    if "lookup_key" in req.params:
        price["lookup_key"] = req.params["lookup_key"]
    req.store.save(price)
    events.emit(req, "price.updated", price, events.changed(before, price))
    return price


@api.route("GET", "/v1/prices", "PriceListParams")
def list_prices(req: ApiRequest) -> dict[str, Any]:
    p = req.params
    where = {k: p[k] for k in ("active", "currency", "product", "type") if k in p}
    if "recurring" in p and "interval" in p["recurring"]:
        where["recurring.interval"] = p["recurring"]["interval"]
    keys, created = p.get("lookup_keys"), created_filter(req)
    accept = None
    if keys or created:
        accept = lambda x: (not keys or x["lookup_key"] in keys) and (not created or created(x))  # noqa: E731
    return req.list_of("price", where, accept=accept)
