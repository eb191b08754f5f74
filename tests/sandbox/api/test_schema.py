"""Every object the sandbox returns on a part-1 route has exactly the fields stripe-python declares:
nothing missing, nothing extra. Includable fields appear only when expanded; objects keyed by
``type`` (PaymentMethod, Mandate) carry their own sub-hash only. Nested hashes are checked
against the SDK's nested classes the same way."""

from __future__ import annotations

import types
import typing
import uuid
from typing import Any

import httpx
import pytest

from helpers.sandbox import resources  # noqa: F401 - importing registers the routes
from helpers.sandbox.api import schema  # noqa: F401 - importing registers the routes
from helpers.sandbox.api.router import api
from helpers.sandbox.pages import hosted as pages  # noqa: F401 - importing registers the routes
from support.stripe_objects import PUBLISHABLE, SECRET

PART1_ROUTES = [
    "POST /v1/products",
    "GET /v1/products/{id}",
    "POST /v1/products/{id}",
    "DELETE /v1/products/{id}",
    "GET /v1/products",
    "POST /v1/prices",
    "GET /v1/prices/{id}",
    "POST /v1/prices/{id}",
    "GET /v1/prices",
    "POST /v1/customers",
    "GET /v1/customers/{id}",
    "POST /v1/customers/{id}",
    "DELETE /v1/customers/{id}",
    "GET /v1/customers",
    "GET /v1/customers/search",
    "POST /v1/payment_methods",
    "GET /v1/payment_methods/{id}",
    "POST /v1/payment_methods/{id}",
    "GET /v1/payment_methods",
    "POST /v1/payment_methods/{id}/attach",
    "POST /v1/payment_methods/{id}/detach",
    "GET /v1/customers/{customer}/payment_methods",
    "GET /v1/customers/{customer}/payment_methods/{id}",
    "GET /v1/mandates/{id}",
    "POST /v1/setup_intents",
    "POST /v1/setup_intents/{id}/confirm",
    "GET /v1/setup_intents/{id}",
    "POST /v1/setup_intents/{id}",
    "POST /v1/setup_intents/{id}/cancel",
    "GET /v1/setup_intents",
    "GET /v1/setup_attempts",
]

ONLINE = {
    "mandate_data[customer_acceptance][type]": "online",
    "mandate_data[customer_acceptance][online][ip_address]": "127.0.0.0",
    "mandate_data[customer_acceptance][online][user_agent]": "device",
}


# --------------------------------------------------------------------------- the checker


# Nested hashes Stripe sends sparsely, though stripe-python declares more fields:
# error hashes carry only the attributes that apply; an Amazon Pay mandate's multi_use is {}.
SPARSE = {"SetupIntent.LastSetupError", "SetupAttempt.SetupError", "Mandate.MultiUse"}


def _stripe_classes(annotation: Any) -> list[type]:
    """The StripeObject subclasses an annotation names (through Optional, Union, List)."""
    found: list[type] = []
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, typing.List):  # noqa: UP006
        for arg in typing.get_args(annotation):
            found += _stripe_classes(arg)
    elif isinstance(annotation, type) and annotation.__module__.startswith("stripe.") and hasattr(annotation, "__annotations__"):
        if "UntypedStripeObject" not in annotation.__name__:
            found.append(annotation)
    return found


def _is_hash(annotation: Any) -> bool:
    text = repr(annotation)
    return bool(_stripe_classes(annotation)) or "UntypedStripeObject" in text


def _declared(cls: type) -> dict[str, Any]:
    return {k: v for k, v in cls.__annotations__.items() if not k.startswith("_") and k != "OBJECT_NAME"}


def check_object(obj: dict[str, Any], where: str, problems: list[str], expanded: set[str] = frozenset()) -> None:
    """Top-level object: exact field set, then its nested hashes and nested objects."""
    kind = obj.get("object")
    if kind in ("list", "search_result"):
        expected = {"object", "data", "has_more", "url"} | ({"next_page"} if kind == "search_result" else set())
        if set(obj) != expected:
            problems.append(f"{where}: {kind} has keys {sorted(obj)}")
        inner = {e[5:] for e in expanded if e.startswith("data.")}
        for i, item in enumerate(obj.get("data", [])):
            check_object(item, f"{where}.data[{i}]", problems, inner)
        return
    if obj.get("deleted") is True:
        if set(obj) != {"id", "object", "deleted"}:
            problems.append(f"{where}: deleted {kind} has keys {sorted(obj)}")
        return
    fields = schema.object_fields(kind)
    includable = schema.INCLUDABLE.get(kind, set())
    per_type = schema.per_type_fields(kind)
    # ``deleted`` appears on deleted objects only (handled above).
    expected = (set(fields) - includable - per_type - {"deleted"}) | (includable & {e.split(".")[0] for e in expanded})
    if per_type:
        expected.add(obj.get("type"))
    missing, extra = expected - set(obj), set(obj) - expected
    if missing:
        problems.append(f"{where}: {kind} lacks {sorted(missing)}")
    if extra:
        problems.append(f"{where}: {kind} has undeclared {sorted(extra)}")
    cls = schema.resource_class(kind)
    annotations = _declared(cls)
    for name, value in obj.items():
        sub_expanded = {e.split(".", 1)[1] for e in expanded if e.startswith(name + ".")}
        _check_value(value, annotations.get(name), f"{where}.{name}", problems, sub_expanded)


def _check_value(value: Any, annotation: Any, where: str, problems: list[str], expanded: set[str]) -> None:
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check_value(item, annotation, f"{where}[{i}]", problems, expanded)
        return
    if not isinstance(value, dict):
        return
    if "object" in value:  # an expanded or embedded API object
        check_object(value, where, problems, expanded)
        return
    classes = _stripe_classes(annotation)
    if not classes:
        return  # metadata and other free-form hashes
    cls = classes[0]
    declared = _declared(cls)
    extra = set(value) - set(declared)
    if extra:
        problems.append(f"{where}: {cls.__qualname__} has undeclared {sorted(extra)}")
    missing = set(declared) - set(value)
    if "type" in declared and "type" in value:
        # Keyed by type: only the sub-hash named by ``type`` is sent.
        missing -= {k for k, a in declared.items() if k != value["type"] and _is_hash(a)}
    if cls.__name__ == "PaymentMethodOptions":
        # Keyed by payment method type: options for the intent's types only.
        missing -= {k for k, a in declared.items() if _is_hash(a)}
    if missing and cls.__qualname__ not in SPARSE:
        problems.append(f"{where}: {cls.__qualname__} lacks {sorted(missing)}")
    for name, item in value.items():
        _check_value(item, declared.get(name), f"{where}.{name}", problems, set())


# --------------------------------------------------------------------------- the walk


class Recorder:
    """Calls the sandbox and files each JSON body under the route that answered it."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, auth=(SECRET, ""), timeout=10)
        self.pk = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {PUBLISHABLE}"}, timeout=10)
        self.bodies: dict[str, list[tuple[dict, set[str]]]] = {}

    def call(self, route: str, path: str, data: dict | None = None, *, pk: bool = False, expand: tuple = ()) -> dict:
        method = route.split()[0]
        session = self.pk if pk else self.http
        params = {f"expand[{i}]": e for i, e in enumerate(expand)}
        if method == "GET":
            response = session.get(path, params={**(data or {}), **params})
        elif method == "DELETE":
            response = session.delete(path)
        else:
            response = session.post(path, data={**(data or {}), **params})
        assert response.status_code == 200, f"{route}: {response.text}"
        body = response.json()
        if not pk:  # a publishable key sees a client-visible subset, by design
            self.bodies.setdefault(route, []).append((body, set(expand)))
        return body


@pytest.fixture(scope="module")
def recorded(sandbox) -> dict[str, list[tuple[dict, set[str]]]]:
    r = Recorder(sandbox.url)
    product = r.call("POST /v1/products", "/v1/products", {"name": "Schema", "metadata[a]": "b"})
    r.call("GET /v1/products/{id}", f"/v1/products/{product['id']}")
    r.call("POST /v1/products/{id}", f"/v1/products/{product['id']}", {"description": "d"})
    r.call("GET /v1/products", "/v1/products", {"limit": "3"})
    price = r.call(
        "POST /v1/prices", "/v1/prices",
        {"product": product["id"], "unit_amount": "1500", "currency": "usd", "recurring[interval]": "month",
         "lookup_key": uuid.uuid4().hex},
    )
    r.call("POST /v1/prices", "/v1/prices", {"product_data[name]": "one-off", "unit_amount": "5", "currency": "usd"})
    r.call("GET /v1/prices/{id}", f"/v1/prices/{price['id']}", expand=("product",))
    r.call("POST /v1/prices/{id}", f"/v1/prices/{price['id']}", {"nickname": "monthly"})
    r.call("GET /v1/prices", "/v1/prices", {"product": product["id"]}, expand=("data.product",))
    lonely = r.call("POST /v1/products", "/v1/products", {"name": "to delete"})
    r.call("DELETE /v1/products/{id}", f"/v1/products/{lonely['id']}")

    email = f"{uuid.uuid4().hex[:10]}@example.com"
    customer = r.call(
        "POST /v1/customers", "/v1/customers",
        {"email": email, "name": "Jenny Rosen", "address[city]": "Berlin", "shipping[name]": "J",
         "shipping[address][line1]": "Street 1"},
    )
    r.call("GET /v1/customers/{id}", f"/v1/customers/{customer['id']}")
    r.call("GET /v1/customers/{id}", f"/v1/customers/{customer['id']}", expand=("tax_ids", "subscriptions"))
    r.call("POST /v1/customers/{id}", f"/v1/customers/{customer['id']}", {"phone": "+49"})
    r.call("GET /v1/customers", "/v1/customers", {"email": email})
    r.call("GET /v1/customers/search", "/v1/customers/search", {"query": f"email:'{email}'"})

    pm = r.call("POST /v1/payment_methods", "/v1/payment_methods", {"type": "amazon_pay"})
    r.call("GET /v1/payment_methods/{id}", f"/v1/payment_methods/{pm['id']}")
    r.call("POST /v1/payment_methods/{id}", f"/v1/payment_methods/{pm['id']}", {"metadata[x]": "y"})
    r.call("POST /v1/payment_methods/{id}/attach", f"/v1/payment_methods/{pm['id']}/attach", {"customer": customer["id"]})
    r.call("GET /v1/payment_methods", "/v1/payment_methods", {"customer": customer["id"]})
    r.call("GET /v1/customers/{customer}/payment_methods", f"/v1/customers/{customer['id']}/payment_methods")
    r.call(
        "GET /v1/customers/{customer}/payment_methods/{id}",
        f"/v1/customers/{customer['id']}/payment_methods/{pm['id']}",
    )
    r.call("POST /v1/payment_methods/{id}/detach", f"/v1/payment_methods/{pm['id']}/detach")

    plain = r.call("POST /v1/setup_intents", "/v1/setup_intents", {"customer": customer["id"]})
    r.call("POST /v1/setup_intents/{id}", f"/v1/setup_intents/{plain['id']}", {"description": "x"})
    r.call("POST /v1/setup_intents/{id}/cancel", f"/v1/setup_intents/{plain['id']}/cancel")
    allowed = r.call(
        "POST /v1/setup_intents", "/v1/setup_intents",
        {"customer": customer["id"], "allowed_payment_method_types[]": "amazon_pay"},
    )
    r.call(
        "POST /v1/setup_intents/{id}/confirm", f"/v1/setup_intents/{allowed['id']}/confirm",
        {"payment_method_data[type]": "amazon_pay", "return_url": "https://shop.example/return", **ONLINE},
    )
    guide = r.call(
        "POST /v1/setup_intents", "/v1/setup_intents",
        {"confirm": "true", "customer": customer["id"], "payment_method_data[type]": "amazon_pay",
         "usage": "off_session", "return_url": "https://shop.example/return", **ONLINE},
    )
    httpx.post(guide["next_action"]["redirect_to_url"]["url"], data={"action": "authorize"})
    done = r.call(
        "GET /v1/setup_intents/{id}", f"/v1/setup_intents/{guide['id']}",
        expand=("payment_method", "customer", "latest_attempt", "mandate"),
    )
    r.call("GET /v1/setup_intents/{id}", f"/v1/setup_intents/{guide['id']}")
    failing = r.call(
        "POST /v1/setup_intents", "/v1/setup_intents",
        {"confirm": "true", "customer": customer["id"], "payment_method_data[type]": "amazon_pay",
         "return_url": "https://shop.example/return", **ONLINE},
    )
    httpx.post(failing["next_action"]["redirect_to_url"]["url"], data={"action": "fail"})
    r.call("GET /v1/setup_intents/{id}", f"/v1/setup_intents/{failing['id']}")
    r.call("GET /v1/setup_intents", "/v1/setup_intents", {"customer": customer["id"]}, expand=("data.latest_attempt",))
    r.call("GET /v1/setup_attempts", "/v1/setup_attempts", {"setup_intent": guide["id"]})
    r.call("GET /v1/setup_attempts", "/v1/setup_attempts", {"setup_intent": failing["id"]})
    r.call("GET /v1/mandates/{id}", f"/v1/mandates/{done['mandate']['id']}")
    r.call("DELETE /v1/customers/{id}", f"/v1/customers/{customer['id']}")
    return r.bodies


def test_part1_routes_are_all_registered():
    registered = {f"{route.method} {route.pattern}" for route in api.routes}
    assert set(PART1_ROUTES) <= registered, sorted(set(PART1_ROUTES) - registered)


def test_every_part1_route_was_walked(recorded):
    assert sorted(set(PART1_ROUTES) - set(recorded)) == []


@pytest.mark.parametrize("route", PART1_ROUTES)
def test_objects_match_stripe_python(recorded, route):
    problems: list[str] = []
    for i, (body, expanded) in enumerate(recorded[route]):
        check_object(body, f"{route}#{i}", problems, expanded)
    assert problems == [], "\n".join(problems)


def test_the_checker_catches_missing_and_extra_fields(recorded):
    """The checker itself must be able to fail."""
    body, _ = recorded["GET /v1/customers/{id}"][0]
    broken = {k: v for k, v in body.items() if k != "email"} | {"colour": "blue"}
    problems: list[str] = []
    check_object(broken, "customer", problems)
    assert any("lacks ['email']" in p for p in problems) and any("undeclared ['colour']" in p for p in problems)
    si, _ = recorded["GET /v1/setup_intents/{id}"][0]
    nested = {**si, "next_action": None, "customer": {**si["customer"], "sources": []}}
    nested["latest_attempt"] = {**si["latest_attempt"], "payment_method_details": {"type": "amazon_pay", "amazon_pay": {}, "x": 1}}
    problems = []
    check_object(nested, "si", problems, {"customer", "latest_attempt"})
    assert any("customer has undeclared ['sources']" in p for p in problems)
    assert any("PaymentMethodDetails has undeclared ['x']" in p for p in problems)


def test_includable_fields_only_when_expanded(recorded):
    (plain, _), (expanded, _) = recorded["GET /v1/customers/{id}"][:2]
    assert not set(plain) & schema.INCLUDABLE["customer"]
    assert {"tax_ids", "subscriptions"} <= set(expanded)
    assert expanded["tax_ids"]["object"] == "list" and expanded["subscriptions"]["object"] == "list"


def test_per_type_objects_carry_their_own_sub_hash(recorded):
    pm, _ = recorded["GET /v1/payment_methods/{id}"][0]
    assert pm["type"] == "amazon_pay" and pm["amazon_pay"] == {}
    assert not (set(pm) & (schema.per_type_fields("payment_method") - {"amazon_pay"}))
    mandate, _ = recorded["GET /v1/mandates/{id}"][0]
    assert mandate["type"] == "multi_use" and "multi_use" in mandate and "single_use" not in mandate
