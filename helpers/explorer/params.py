"""A stripe-python params TypedDict as a tree of fields a form can draw: each field's kind
(string, integer, number, boolean, enum, object, list, map, choice), whether it is required,
its enum values, and the SDK's docstring for it (``helpers.sandbox.shared.stripe_types`` reads
the types; the docstrings are read here, from the same source).

What the types say and how it is read:

* ``NotRequired[...]``: optional; anything else is required.
* ``Literal['a', 'b']``: an enum. stripe-python adds ``| str`` to many enums for forward
  compatibility; the API takes only the listed values, so the form offers those.
* ``Literal['']`` in a union: the field can be unset by sending an empty string.
* ``int | Literal['now']`` and other unions: a choice between the alternatives.
* ``List[X]``: a list; ``Dict[str, X]`` (metadata): key-value pairs; a TypedDict: an object.
"""

from __future__ import annotations

import ast
import functools
import typing
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal, Union

from helpers.sandbox.shared.stripe_types import class_nodes, fields, is_typeddict

MAX_DEPTH = 12  # deeper than any params type of stripe-python (its deepest nest 7 levels)


@dataclass(frozen=True)
class Field:
    """One parameter: its name, kind, whether it is required, and what the SDK says of it."""

    name: str
    kind: str  # string, integer, number, boolean, enum, object, list, map, choice, any
    required: bool = False
    doc: str = ""
    options: tuple[str, ...] = ()  # enum values
    children: tuple[Field, ...] = ()  # an object's fields
    item: Field | None = None  # a list's items, a map's values
    alternatives: tuple[Field, ...] = ()  # a choice's kinds
    unsettable: bool = False  # "" unsets it (the types say Literal[''])

    def child(self, name: str) -> Field:
        return next(c for c in self.children if c.name == name)


def _docs(cls: type) -> dict[str, str]:
    """The docstring under each annotation of a params class (stripe-python writes one)."""
    node = class_nodes(cls.__module__).get(cls.__qualname__)
    found: dict[str, str] = {}
    body = node.body if node else []
    for statement, after in zip(body, body[1:], strict=False):
        if (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
                and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)):
            found[statement.target.id] = " ".join(after.value.value.split())
    return found


@functools.cache
def read(cls: type, depth: int = 0) -> tuple[Field, ...]:
    """The fields of a params TypedDict, in the SDK's order."""
    docs = _docs(cls)
    return tuple(_field(name, tp, required, docs.get(name, ""), depth)
                 for name, (tp, required) in fields(cls).items())


def _field(name: str, tp: Any, required: bool, doc: str, depth: int) -> Field:
    origin = typing.get_origin(tp)
    if origin is Union:
        options = list(typing.get_args(tp))
        unsettable = any(_is_literal(o) and typing.get_args(o) == ("",) for o in options)
        options = [o for o in options if not (_is_literal(o) and typing.get_args(o) == ("",))]
        literals = [o for o in options if _is_literal(o)]
        if literals and str in options:  # an enum, open for forward compatibility: the listed values
            options = [o for o in options if o is not str]
        if len(literals) > 1:  # several Literal[...] in one union: one enum of them all
            merged = tuple(v for o in literals for v in typing.get_args(o))
            options = [o for o in options if not _is_literal(o)] + [Literal[merged]]
        if len(options) == 1:
            found = _field(name, options[0], required, doc, depth)
            return _replace(found, unsettable=unsettable)
        alternatives = tuple(_field(name, o, required, doc, depth) for o in options)
        return Field(name, "choice", required, doc, alternatives=alternatives, unsettable=unsettable)
    if _is_literal(tp):
        return Field(name, "enum", required, doc, options=tuple(str(v) for v in typing.get_args(tp)))
    if origin is list:
        (item,) = typing.get_args(tp)
        return Field(name, "list", required, doc, item=_field(name, item, True, "", depth + 1))
    if origin is dict:
        value = typing.get_args(tp)[-1]
        return Field(name, "map", required, doc, item=_field(name, value, True, "", depth + 1))
    if is_typeddict(tp):
        children = read(tp, depth + 1) if depth < MAX_DEPTH else ()
        return Field(name, "object", required, doc, children=children)
    kind = {str: "string", int: "integer", float: "number", Decimal: "number", bool: "boolean"}.get(tp, "any")
    return Field(name, kind, required, doc)


def _is_literal(tp: Any) -> bool:
    return typing.get_origin(tp) is Literal


def _replace(found: Field, **changes: Any) -> Field:
    return replace(found, **changes)


def walk(fields_: tuple[Field, ...], prefix: str = "") -> list[tuple[str, Field]]:
    """Every field under ``fields_`` with its bracket path (``items[][price]``), depth first."""
    out: list[tuple[str, Field]] = []
    for found in fields_:
        path = f"{prefix}[{found.name}]" if prefix else found.name
        out.append((path, found))
        out += walk(found.children, path)
        if found.item is not None:
            out += walk((found.item,), path + "[]")[1:] if found.item.kind != "object" else walk(
                found.item.children, path + "[]")
        for alternative in found.alternatives:
            out += walk(alternative.children, path)
    return out


def kinds(fields_: tuple[Field, ...]) -> dict[str, int]:
    """How many fields of each kind (for the explorer's note on what the types express)."""
    counted: dict[str, int] = {}
    for _, found in walk(fields_):
        counted[found.kind] = counted.get(found.kind, 0) + 1
    return counted

