"""The form of one operation: its path's IDs, its parameters (from stripe-python's params type),
``expand[]`` from the fields its answer can expand, and extra parameters the installed SDK's
types do not have (another API version's). ``values()`` checks it all before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import ipywidgets as widgets

from helpers.forms import FormError
from helpers.sandbox.shared.stripe_types import expandable_fields, resource_class

from . import params as params_mod
from .catalog import Operation
from .form import _STYLE, _WIDE, ID_FIELDS, NOT_SENT, PREFIXES, Input, Text, make_input, parse_extra
from .params import Field


def expandable(operation: Operation) -> list[str]:
    """What ``expand[]`` may name in this operation's answer (``data.…`` in a list)."""
    kind = operation.returns_object
    if kind is None:
        return []
    fields = sorted(expandable_fields(resource_class(kind)))
    return [f"data.{name}" for name in fields] if operation.returns_list else fields


def id_kind(name: str, operation: Operation, last_in_path: bool = False) -> str | None:
    """The object an ID field names: by its name, else (the path's last ID) the operation's own."""
    return ID_FIELDS.get(name) or (operation.returns_object if last_in_path else None)


class RequestForm:
    """``.widget`` to draw; ``values()`` -> (path IDs, params), or FormError naming the field."""

    def __init__(self, operation: Operation, known_ids: Callable[[], Iterable[str]] = tuple) -> None:
        self.operation = operation
        self._known = known_ids
        path_names = operation.path_params
        self.path_inputs = {
            name: Text(Field(name, "string", True, f"The ID in the path {operation.path}."), name,
                       self.ids_for(id_kind(name, operation, i == len(path_names) - 1)))
            for i, name in enumerate(path_names)
        }
        cls = operation.params_class()
        self.fields = params_mod.read(cls) if cls is not None else ()
        self.inputs: dict[str, Input] = {}
        for found in self.fields:
            if found.name == "expand":
                continue
            self.inputs[found.name] = make_input(found, found.name, lambda name: self.ids_for(ID_FIELDS.get(name)))
        self.expand_options = expandable(operation) if any(f.name == "expand" for f in self.fields) else []
        self.expand = widgets.SelectMultiple(options=self.expand_options, description="expand[]",
                                             style=_STYLE, layout=_WIDE, rows=min(6, max(2, len(self.expand_options))))
        self.expand.tooltip = "Fields of the answer to expand from an ID to the object (stripe-python's ExpandableField)."
        self.extra = widgets.Textarea(description="extra parameters", style=_STYLE, layout=_WIDE,
                                      placeholder="name=value per line, for parameters stripe-python's types do "
                                                  "not have (e.g. payment_method_types[]=amazon_pay)")
        parts: list[widgets.Widget] = [i.widget for i in self.path_inputs.values()]
        parts += [i.widget for i in self.inputs.values()]
        if self.expand_options:
            parts.append(self.expand)
        parts.append(self.extra)
        self.widget = widgets.VBox(parts)

    def ids_for(self, kind: str | None) -> list[str]:
        """IDs this learner has (progress, and answers seen in the explorer) of object ``kind``."""
        prefix = PREFIXES.get(kind or "")
        if prefix is None:
            return []
        return sorted({i for i in self._known() if isinstance(i, str) and i.startswith(prefix)})

    @property
    def required(self) -> list[str]:
        """The names of the required fields (the path's IDs first)."""
        return [*self.path_inputs, *(f.name for f in self.fields if f.required)]

    def fill(self, path: Iterable[str] = (), **values: Any) -> RequestForm:
        """Fill the form as a learner would: the path's IDs in order, then parameters by name."""
        for found, value in zip(self.path_inputs.values(), path, strict=False):
            found.fill(value)
        for name, value in values.items():
            if name == "expand":
                self.expand.value = tuple(value)
            elif name in self.inputs:
                self.inputs[name].fill(value)
            else:
                raise FormError(f"{name} is not a parameter of {self.operation.call} in stripe-python "
                                f"{_sdk_version()} (put it under extra parameters).")
        return self

    def values(self) -> tuple[tuple[str, ...], dict[str, Any]]:
        """(the path's IDs, the params), checked; FormError for the first field that is wrong."""
        path = []
        for found in self.path_inputs.values():
            value = found.collect()
            if "/" in value or value in (".", ".."):
                raise FormError(f"{found.path} must be an ID (like {found.text.placeholder[5:] or 'cus_…'}), not a path.")
            path.append(value)
        params: dict[str, Any] = {}
        for name, found in self.inputs.items():
            value = found.collect()
            if value is not NOT_SENT:
                params[name] = value
        if self.expand.value:
            params["expand"] = list(self.expand.value)
        for name, value in parse_extra(self.extra.value).items():
            if name in params:
                raise FormError(f"{name} is both in the form and under extra parameters: keep one.")
            params[name] = value
        return tuple(path), params


def _sdk_version() -> str:
    import stripe

    return stripe.VERSION
