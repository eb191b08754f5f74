"""Every operation of Stripe's v1 API that stripe-python offers, read from the SDK's own service
classes (``stripe/_customer_service.py`` …): the call (``client.v1.customers.create``), its HTTP
method and path, its params TypedDict, what it returns and its docstring. Read with ``ast`` from
the installed SDK, so the explorer offers exactly the calls of the version installed.

Left out: async twins (``create_async``), calls to another base address than the API's (file
uploads, OAuth) and streamed answers (PDFs): the explorer shows JSON answers only.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import re
from dataclasses import dataclass

from stripe._object_classes import OBJECT_CLASSES

ROOT_SERVICE = ("stripe._v1_services", "V1Services")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Operation:
    """One call of the API, as stripe-python makes it."""

    sdk: tuple[str, ...]  # the attributes after ``client.v1``: ("customers", "payment_methods", "list")
    method: str  # GET, POST, DELETE
    path: str  # "/v1/customers/{customer}/payment_methods"
    params_module: str | None  # where the params TypedDict lives ("stripe.params._customer_create_params")
    params_name: str | None  # "CustomerCreateParams"
    returns: str  # the annotation: "Customer", "ListObject[PaymentMethod]"
    doc: str

    @property
    def resource(self) -> str:
        """``customers``, ``customers.payment_methods``, ``test_helpers.test_clocks``."""
        return ".".join(self.sdk[:-1])

    @property
    def name(self) -> str:
        """The SDK method: ``create``, ``list``, ``advance``."""
        return self.sdk[-1]

    @property
    def call(self) -> str:
        """``client.v1.customers.create``."""
        return "client.v1." + ".".join(self.sdk)

    @property
    def path_params(self) -> tuple[str, ...]:
        """The IDs the path takes, in order (the SDK method's positional arguments)."""
        return tuple(_PLACEHOLDER.findall(self.path))

    @property
    def route(self) -> str:
        """Method and path with placeholders blanked (``GET /v1/customers/{}``): how a sandbox
        route and an SDK call are matched, whatever each names its placeholders."""
        return f"{self.method} {_PLACEHOLDER.sub('{}', self.path)}"

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def returns_object(self) -> str | None:
        """The ``object`` name of what it returns, or of a list's items (``customer``)."""
        inner = re.sub(r"^\w+\[(.+)\]$", r"\1", self.returns)
        return OBJECT_NAMES.get(inner)

    @property
    def returns_list(self) -> bool:
        return self.returns.startswith(("ListObject[", "SearchResultObject["))

    def params_class(self) -> type | None:
        if not self.params_module or not self.params_name:
            return None
        return getattr(importlib.import_module(self.params_module), self.params_name)


def route_of(method: str, path: str) -> str:
    """``GET /v1/customers/{id}`` -> ``GET /v1/customers/{}`` (see :attr:`Operation.route`)."""
    return f"{method.upper()} {_PLACEHOLDER.sub('{}', path)}"


OBJECT_NAMES = {class_name: object_name for object_name, (_, class_name) in OBJECT_CLASSES.items()}


def _source_tree(module_name: str) -> ast.Module:
    return ast.parse(inspect.getsource(importlib.import_module(module_name)))


def _subservices(tree: ast.Module) -> dict[str, tuple[str, str]]:
    """The module's ``_subservices = {"name": ["module", "Class"], …}``."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "_subservices" for t in node.targets
        ):
            table = ast.literal_eval(node.value)
            return {name: (module, cls) for name, (module, cls) in table.items()}
    return {}


def _params_imports(tree: ast.Module) -> dict[str, str]:
    """Params class name -> its module, from the module's ``TYPE_CHECKING`` imports."""
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("stripe.params"):
            for alias in node.names:
                found[alias.asname or alias.name] = node.module or ""
    return found


def _request_of(function: ast.FunctionDef) -> tuple[str, str] | None:
    """(method, path) of the ``self._request("post", "/v1/…".format(…), base_address="api")``
    call in a service method; None for other base addresses and streamed answers."""
    for node in ast.walk(function):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "_request" and len(node.args) >= 2):
            continue
        base = next((k.value for k in node.keywords if k.arg == "base_address"), None)
        if not (isinstance(base, ast.Constant) and base.value == "api"):
            return None
        method, path = node.args[0], node.args[1]
        if isinstance(path, ast.Call) and isinstance(path.func, ast.Attribute):
            path = path.func.value  # "/v1/customers/{customer}".format(...)
        if isinstance(method, ast.Constant) and isinstance(path, ast.Constant):
            return str(method.value).upper(), str(path.value)
    return None


def _annotation_name(node: ast.expr | None) -> str:
    """``Optional["CustomerCreateParams"]`` -> ``CustomerCreateParams``; ``"Customer"`` -> ``Customer``."""
    if node is None:
        return ""
    text = ast.unparse(node)
    text = re.sub(r"^Optional\[(.*)\]$", r"\1", text).strip("'\"")
    return text


def _service_operations(module_name: str, class_name: str, prefix: tuple[str, ...]) -> list[Operation]:
    tree = _source_tree(module_name)
    imports = _params_imports(tree)
    found: list[Operation] = []
    service = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name), None)
    for node in service.body if service else ():
        if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
            continue
        request = _request_of(node)
        if request is None:
            continue
        params = next((a for a in node.args.args if a.arg == "params"), None)
        params_name = _annotation_name(params.annotation) if params else None
        found.append(Operation(
            sdk=(*prefix, node.name), method=request[0], path=request[1],
            params_module=imports.get(params_name) if params_name else None,
            params_name=params_name or None, returns=_annotation_name(node.returns),
            doc=" ".join((ast.get_docstring(node) or "").split()),
        ))
    for name, (sub_module, sub_class) in _subservices(tree).items():
        found += _service_operations(sub_module, sub_class, (*prefix, name))
    return found


@functools.cache
def operations() -> tuple[Operation, ...]:
    """Every v1 operation of the installed stripe-python, by resource then method name."""
    found = _service_operations(*ROOT_SERVICE, ())
    return tuple(sorted(found, key=lambda op: (op.resource, op.name)))


def find(sdk: str) -> Operation:
    """The operation of ``"customers.create"`` (or ``"client.v1.customers.create"``)."""
    wanted = tuple(sdk.removeprefix("client.v1.").split("."))
    for operation in operations():
        if operation.sdk == wanted:
            return operation
    raise LookupError(f"stripe-python has no call client.v1.{'.'.join(wanted)}")


def resources() -> list[str]:
    """The resources (``customers``, ``test_helpers.test_clocks`` …), in order."""
    return list(dict.fromkeys(op.resource for op in operations()))
