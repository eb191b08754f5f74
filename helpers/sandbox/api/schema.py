"""The API's shape, read from stripe-python itself.

* Parameters: the SDK's params TypedDicts (``stripe/params/_customer_create_params.py`` …)
  say which parameters exist, which are required and what type each has. :func:`validate`
  checks a decoded request against them and coerces wire strings to Python values.
* Objects: the SDK's resource classes (``stripe/_customer.py`` …) declare every field an
  object has at the pinned API version. :func:`shape` fills the fields a handler did not set
  with ``None`` and refuses fields the SDK does not declare.
"""

from __future__ import annotations

import functools
import json
import re
import typing
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Union

import stripe
from stripe._object_classes import OBJECT_CLASSES

from ..shared.errors import StripeError, param_invalid, param_missing, param_unknown, shorten
from ..shared.stripe_types import expandable_fields, params_class, resource_class
from ..shared.stripe_types import fields as _fields
from ..shared.stripe_types import is_typeddict as _is_typeddict
from .wire import bracket_path

UNSET = None  # what ``""`` (Stripe's "unset this") becomes after validation

# Stripe's documented limits on what a request may carry.
# Metadata (docs.stripe.com/api/metadata): "up to 50 keys, with key names up to 40 characters long
# and values up to 500 characters long"; Stripe's answers are quoted from its public bug reports.
METADATA_KEYS, METADATA_KEY_LENGTH, METADATA_VALUE_LENGTH = 50, 40, 500
# Strings: Stripe's OpenAPI spec gives most string parameters maxLength 5000, which "does match
# what our API support[s] today" (Stripe, github.com/stripe/openapi/issues/51).
MAX_STRING_LENGTH = 5000
# Integers: 64-bit, as Stripe's amounts and timestamps are.
INT_RANGE = (-(2**63), 2**63 - 1)
INT_DIGITS = len(str(INT_RANGE[1]))  # 19

# Fields the API returns only when asked for with ``expand[]`` ("includable"): those Stripe's API
# reference marks so, which its OpenAPI fixtures (openapi/fixtures3.json) leave out and
# stripe-node types as optional. The audit's other such fields (e.g. ``attach_to_self``,
# ``presentment_details``, ``level3``) are present only when they apply: the sandbox sends null.
INCLUDABLE = {
    "customer": {"cash_balance", "invoice_credit_balance", "sources", "subscriptions", "tax", "tax_ids"},
    "invoice": {"payments", "confirmation_secret"},
    "price": {"currency_options", "tiers"},
    "subscription_item": {"billed_until"},
}


# Objects whose ``type`` names one sub-hash: Stripe sends that one and omits the others.
PER_TYPE_OBJECTS = {"payment_method", "mandate"}

# --------------------------------------------------------------------------- parameters


def validate(params: dict[str, Any], class_name: str, *, ignore: tuple[str, ...] = ()) -> dict[str, Any]:
    """Check ``params`` against a stripe-python params class; return them coerced."""
    return _object(params, params_class(class_name), [], ignore)


def _object(value: Any, cls: type, path: list[Any], ignore: tuple[str, ...] = ()) -> dict[str, Any]:
    fields = _fields(cls)
    if not isinstance(value, dict):
        raise param_invalid(
            bracket_path(path), f"Invalid object: {bracket_path(path)} must be a hash", "parameter_invalid_object"
        )
    out: dict[str, Any] = {}
    for key, raw in value.items():
        if key in ignore:
            continue
        if key not in fields:
            raise param_unknown(shorten(bracket_path([*path, key])))
        if raw == "" and fields[key][0] is str:
            # Stripe reads "" as "unset this": fine for optional strings, an error for required ones.
            if fields[key][1]:
                name = bracket_path([*path, key])
                raise param_invalid(
                    name,
                    f"You passed an empty string for '{name}'. We assume empty values are an attempt to "
                    f"unset a parameter; however '{name}' cannot be unset. You should remove '{name}' from "
                    "your request or supply a non-empty value.",
                    "parameter_invalid_empty",
                )
            out[key] = UNSET
            continue
        out[key] = _coerce(raw, fields[key][0], [*path, key])
    for key, (_, required) in fields.items():
        if required and key not in value:
            raise param_missing(bracket_path([*path, key]))
    return out


def _coerce(value: Any, tp: Any, path: list[Any]) -> Any:
    name = bracket_path(path)
    origin = typing.get_origin(tp)
    if origin is Union:
        options = typing.get_args(tp)
        if value == "" and any(typing.get_origin(o) is Literal and "" in typing.get_args(o) for o in options):
            return UNSET
        if str in options and any(
            typing.get_origin(o) is Literal and any(a != "" for a in typing.get_args(o)) for o in options
        ):
            # stripe-python types enums as ``Literal[...] | str`` for forward compatibility; the
            # API accepts only the listed values.
            options = tuple(o for o in options if o is not str)
        first: StripeError | None = None
        for option in options:
            if typing.get_origin(option) is Literal and typing.get_args(option) == ("",):
                continue
            try:
                return _coerce(value, option, path)
            except StripeError as error:
                first = first or error
        raise first or param_invalid(name, f"Invalid value for {name}.")
    if origin is Literal:
        allowed = typing.get_args(tp)
        if value not in allowed:
            listed = ", ".join(str(a) for a in allowed)
            raise param_invalid(name, f"Invalid {name}: must be one of {listed}")
        return value
    if origin is list:
        if isinstance(value, dict) and not value:
            value = []
        if not isinstance(value, list):
            raise param_invalid(name, f"Invalid array: {name} must be an array", "parameter_invalid_array")
        (item,) = typing.get_args(tp)
        return [_coerce(v, item, [*path, i]) for i, v in enumerate(value)]
    if origin is dict:
        if value == "":
            return UNSET
        if not isinstance(value, dict):
            raise param_invalid(name, f"Invalid object: {name} must be a hash", "parameter_invalid_object")
        if path[-1] == "metadata":
            return _metadata(value, name)
        (_, item) = typing.get_args(tp)
        return {k: (None if v == "" else _coerce(v, item, [*path, k])) for k, v in value.items()}
    if _is_typeddict(tp):
        return _object(value, tp, path)
    if tp is bool:
        if isinstance(value, bool):
            return value
        # SDKs before 2025 sent Python's and .NET's True/False, which Stripe's v1 API accepts
        # (stripe-dotnet#3104: "v1 apis would accept these or the lowercase versions"); 1, yes, TRUE not.
        if value in ("true", "false", "True", "False"):
            return value in ("true", "True")
        raise param_invalid(name, f"Invalid boolean: {value}", "parameter_invalid_boolean")
    if tp is int:
        # At most 19 digits (a 64-bit integer): Python refuses to read more than 4,300 at all.
        if isinstance(value, str) and _ASCII_INTEGER.fullmatch(value) and len(value.lstrip("-")) <= INT_DIGITS:
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and INT_RANGE[0] <= value <= INT_RANGE[1]:
            return value
        raise param_invalid(name, f"Invalid integer: {_quote(value)}", "parameter_invalid_integer")
    if tp in (float, Decimal):
        # ASCII digits only: Python would read "٣" (an Arabic-Indic three) as 3, Stripe does not.
        ok = isinstance(value, str) and _ASCII_DECIMAL.fullmatch(value) or (
            isinstance(value, int | float) and not isinstance(value, bool)
        )
        try:
            number = Decimal(value) if ok else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or abs(number) > INT_RANGE[1]:
            raise param_invalid(name, f"Invalid decimal: {_quote(value)}", "parameter_invalid_decimal")
        return float(number) if tp is float else number
    if tp is str:
        if not isinstance(value, str):
            raise param_invalid(name, f"Invalid string: {_quote(value)}", "parameter_invalid_string")
        if len(value) > MAX_STRING_LENGTH:
            if str(path[-1]) == "url" or str(path[-1]).endswith("_url"):  # Stripe's words for URLs
                raise param_invalid(name, f"Invalid URL: URL must be {MAX_STRING_LENGTH} characters or less.", "url_invalid")
            raise param_invalid(
                name, f"Invalid string: {_quote(value)}; must be at most {MAX_STRING_LENGTH} characters",
                "parameter_invalid_string",
            )
        return value
    return value


_ASCII_INTEGER = re.compile(r"-?[0-9]+")
_ASCII_DECIMAL = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")


def _quote(value: Any) -> str:
    """A parameter's value as an error message shows it: strings as sent, hashes and arrays as
    JSON, never more than a few dozen characters."""
    text = value if isinstance(value, str) else json.dumps(value)
    return shorten(text, 50)


def _metadata(value: dict[str, Any], name: str) -> dict[str, str | None]:
    """A ``metadata`` hash within Stripe's limits; ``""`` unsets a key (None)."""
    if len(value) > METADATA_KEYS:
        raise StripeError(
            f"Metadata can have up to {METADATA_KEYS} keys, but you've set {len(value)}.", param=name
        )
    out: dict[str, str | None] = {}
    for key, item in value.items():
        if len(key) > METADATA_KEY_LENGTH:
            raise StripeError(
                f"Invalid key: {_quote(key)} must be a string under {METADATA_KEY_LENGTH} characters", param=name
            )
        if not isinstance(item, str) or len(item) > METADATA_VALUE_LENGTH:
            raise StripeError(
                f"Invalid val: {_quote(item)} must be a string under {METADATA_VALUE_LENGTH} characters", param=name
            )
        out[key] = None if item == "" else item
    return out


# --------------------------------------------------------------------------- objects


@functools.cache
def object_fields(object_name: str) -> frozenset[str]:
    """Every field stripe-python declares for ``object_name`` at the pinned API version."""
    cls = resource_class(object_name)
    names: set[str] = set()
    for base in cls.__mro__:
        if base.__module__.startswith("stripe._") and base.__name__ in (
            "StripeObject", "APIResource", "ListableAPIResource", "CreateableAPIResource",
            "UpdateableAPIResource", "DeletableAPIResource", "SearchableAPIResource",
        ):
            continue
        for key in getattr(base, "__annotations__", {}):
            if not key.startswith("_") and key != "OBJECT_NAME":
                names.add(key)
    return frozenset(names)


@functools.cache
def per_type_fields(object_name: str) -> frozenset[str]:
    """Sub-hashes keyed by ``type`` (``amazon_pay``, ``card`` …): Stripe sends only the object's own."""
    if object_name not in PER_TYPE_OBJECTS:
        return frozenset()
    cls = resource_class(object_name)
    ann = cls.__annotations__.get("type")
    if ann is None:
        return frozenset()
    text = ann if isinstance(ann, str) else repr(ann)
    values = set(re.findall(r"['\"]([a-z_0-9]+)['\"]", text))
    return frozenset(values & object_fields(object_name))


# The objects the sandbox makes (``warm`` loads their classes at start).
SANDBOX_OBJECTS = (
    "charge", "customer", "event", "invoice", "invoice_payment", "line_item", "mandate", "payment_intent",
    "payment_method", "payment_method_configuration", "plan", "price", "product", "setup_attempt", "setup_intent",
    "subscription", "subscription_item", "test_helpers.test_clock", "webhook_endpoint",
)


def warm(params_classes: Iterable[str], objects: Iterable[str] = SANDBOX_OBJECTS) -> None:
    """Load now what the first request of each kind would load (about a second in all):
    stripe-python's params classes with every nested one, and each resource class with its
    fields. A classroom's learners reach the same step together; none of them waits for it."""
    seen: set[type] = set()
    pending = [params_class(name) for name in params_classes]
    while pending:
        cls = pending.pop()
        if cls in seen:
            continue
        seen.add(cls)
        types = [tp for tp, _ in _fields(cls).values()]
        while types:
            tp = types.pop()
            if _is_typeddict(tp):
                pending.append(tp)
            else:
                types.extend(typing.get_args(tp))
    classes = []
    for name in objects:
        object_fields(name)
        per_type_fields(name)
        blank(name)
        classes.append(resource_class(name))
    done: set[type] = set()
    while classes:  # each class, and the classes of its nested hashes (what expand[] walks)
        cls = classes.pop()
        if cls not in done:
            done.add(cls)
            expandable_fields(cls)
            classes += [n for f in getattr(cls, "__annotations__", {}) if (n := nested_class(cls, f))]


def nested_class(cls: type, field_name: str) -> type | None:
    """The stripe-python class of a nested hash field (``Customer.invoice_settings`` ->
    ``Customer.InvoiceSettings``), or None when the field is no such hash."""
    pending = [getattr(cls, "__annotations__", {}).get(field_name)]
    while pending:
        tp = pending.pop()
        if (
            isinstance(tp, type) and issubclass(tp, stripe.StripeObject)
            and tp.__module__ == cls.__module__ and "." in tp.__qualname__
        ):
            return tp
        pending.extend(typing.get_args(tp))
    return None


def class_of(object_name: Any) -> type | None:
    """The resource class of an ``object`` value, or None (lists, unknown names)."""
    return resource_class(object_name) if isinstance(object_name, str) and object_name in OBJECT_CLASSES else None


@functools.cache
def blank(object_name: str) -> dict[str, None]:
    """Every field an object of this type is sent with, in order, each ``None`` (not the
    includable ones, nor the per-type hashes, nor ``deleted``). :func:`shape` copies it."""
    skip = INCLUDABLE.get(object_name, set()) | per_type_fields(object_name) | {"deleted"}
    return {k: None for k in sorted(object_fields(object_name)) if k not in skip}


def shape(object_name: str, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with every declared field present (``None`` where it does not apply)."""
    extra = [k for k in data.keys() - object_fields(object_name) if not k.startswith("_")]
    if extra:
        raise AssertionError(f"{object_name} has no fields {sorted(extra)} in stripe-python {stripe.VERSION}")
    out = blank(object_name).copy()
    out.update(data)
    return out
