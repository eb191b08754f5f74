"""What stripe-python says about the API, read from the installed SDK: the params TypedDicts
(which parameters a call takes, which are required, their types) and the resource classes
(which fields are expandable). The sandbox validates requests with it (``api/schema.py``); the
tutorial's API explorer builds its forms from it (``helpers/explorer``). stripe-python only.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import re
import sys
import threading
import typing
from typing import Any, NotRequired, Union
from typing import NotRequired as NotRequiredExt

from stripe._object_classes import OBJECT_CLASSES
from stripe._request_options import RequestOptions


@functools.cache
def params_class(name: str) -> type:
    """``"SetupIntentCreateParams"`` -> the TypedDict, from ``stripe.params`` (or test_helpers)."""
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    for package in ("stripe.params", "stripe.params.test_helpers"):
        try:
            module = importlib.import_module(f"{package}._{snake}")
        except ModuleNotFoundError:
            continue
        return getattr(module, name)
    raise LookupError(f"stripe-python has no params class {name}")


@functools.cache
def fields(cls: type) -> dict[str, tuple[Any, bool]]:
    """name -> (type, required) for a params TypedDict, RequestOptions' keys left out."""
    module = sys.modules[cls.__module__]
    namespace = {**vars(typing), **vars(module), "NotRequired": NotRequired}
    out: dict[str, tuple[Any, bool]] = {}
    required_keys = getattr(cls, "__required_keys__", frozenset())
    for key, ann in cls.__annotations__.items():
        if key not in RequestOptions.__annotations__:
            out[key] = (resolve(ann, namespace), key in required_keys)
    return out


def resolve(ann: Any, namespace: dict[str, Any]) -> Any:
    if isinstance(ann, str):
        ann = eval(ann, namespace)  # noqa: S307 - annotations of the installed SDK
    if isinstance(ann, typing.ForwardRef):
        ann = eval(ann.__forward_arg__, namespace)  # noqa: S307
    origin = typing.get_origin(ann)
    if origin in (NotRequired, NotRequiredExt):
        return resolve(typing.get_args(ann)[0], namespace)
    if origin in (Union, __import__("types").UnionType):
        return Union[tuple(resolve(a, namespace) for a in typing.get_args(ann))]  # noqa: UP007
    if origin in (list, typing.List):  # noqa: UP006
        return list[resolve(typing.get_args(ann)[0], namespace)]
    if origin in (dict, typing.Dict) or getattr(origin, "__name__", "") == "UntypedStripeObject":  # noqa: UP006
        args = typing.get_args(ann)
        return dict[str, resolve(args[-1], namespace) if args else Any]
    if getattr(ann, "__name__", "") == "UntypedStripeObject":
        return dict[str, Any]
    return ann


def is_typeddict(tp: Any) -> bool:
    return isinstance(tp, type) and hasattr(tp, "__required_keys__")


@functools.cache
def resource_class(object_name: str) -> type:
    module_name, class_name = OBJECT_CLASSES[object_name]
    return getattr(importlib.import_module(module_name), class_name)


# CPython 3.11's ast.parse is not safe in two threads at once ("AST constructor recursion depth
# mismatch", python/cpython#106905): the start-up warm-up and a request's expand both parse.
PARSING = threading.Lock()


@functools.cache
def class_nodes(module_name: str) -> dict[str, ast.ClassDef]:
    """Every class statement of a stripe-python module, by qualified name (``Customer.InvoiceSettings``)."""
    found: dict[str, ast.ClassDef] = {}

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                found[prefix + node.name] = node
                visit(node.body, f"{prefix}{node.name}.")

    with PARSING:
        tree = ast.parse(inspect.getsource(sys.modules[module_name]))
    visit(tree.body, "")
    return found


@functools.cache
def expandable_fields(cls: type) -> frozenset[str]:
    """The fields ``cls`` annotates as ``ExpandableField[...]`` in its source: an ID that
    ``expand[]`` may replace by the object. (At runtime the annotation is a plain ``Union``.)"""
    node = class_nodes(cls.__module__).get(cls.__qualname__)
    if node is None:
        return frozenset()
    return frozenset(
        stmt.target.id
        for stmt in node.body
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
        and "ExpandableField[" in ast.unparse(stmt.annotation)
    )
