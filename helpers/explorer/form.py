"""ipywidgets for any operation, generated from its params type (``params.Field``): required
fields marked ``*``, enums as dropdowns, objects in collapsed sections, lists with *+ add*,
booleans as checkboxes, IDs of this learner's objects offered, ``expand[]`` from the fields the
answer can expand, and the SDK's docstring as each field's tooltip.

Every input checks itself before anything is sent (:class:`helpers.forms.FormError`, one
sentence naming the field with Stripe's bracket path): required fields, integers, numbers,
enums. A field left empty is not sent.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

import ipywidgets as widgets

from helpers.forms import FormError

from .params import Field

NOT_SENT = object()  # what an input answers when the learner left it empty
_STYLE = {"description_width": "200px"}
_WIDE = widgets.Layout(width="640px")
_INTEGER = re.compile(r"-?[0-9]+")

# The object an ID field names, by the field's name (stripe-python types every ID as ``str``).
ID_FIELDS = {
    "customer": "customer", "price": "price", "product": "product", "payment_method": "payment_method",
    "default_payment_method": "payment_method", "mandate": "mandate", "setup_intent": "setup_intent",
    "subscription": "subscription", "subscription_exposed_id": "subscription", "test_clock": "test_clock",
    "invoice": "invoice", "payment_intent": "payment_intent", "charge": "charge", "event": "event",
    "webhook_endpoint": "webhook_endpoint", "item": "subscription_item", "subscription_item": "subscription_item",
    "configuration": "payment_method_configuration", "invoice_payment": "invoice_payment",
}
# An object's ID prefix (the sandbox's and Stripe's).
PREFIXES = {
    "customer": "cus_", "price": "price_", "product": "prod_", "payment_method": "pm_", "mandate": "mandate_",
    "setup_intent": "seti_", "subscription": "sub_", "test_clock": "clock_", "invoice": "in_",
    "payment_intent": "pi_", "charge": "ch_", "event": "evt_", "webhook_endpoint": "we_",
    "subscription_item": "si_", "payment_method_configuration": "pmc_", "invoice_payment": "inpay_",
}


def label(found: Field) -> str:
    return f"{found.name} *" if found.required else found.name


class Input:
    """One field's widget; ``collect()`` gives its value, :data:`NOT_SENT`, or FormError."""

    widget: widgets.Widget

    def __init__(self, found: Field, path: str) -> None:
        self.field, self.path = found, path

    def collect(self) -> Any:
        raise NotImplementedError

    def fill(self, value: Any) -> None:
        """Set the input as a learner would (tests, and values from the guide)."""
        raise NotImplementedError

    def missing(self) -> FormError:
        return FormError(f"{self.path} is required.")

    def is_blank(self) -> bool:
        """Nothing typed, chosen or clicked: an optional object around it is not sent."""
        raise NotImplementedError


class Text(Input):
    """A string, integer, number (or anything else) typed as text; IDs offered where one fits."""

    def __init__(self, found: Field, path: str, ids: Iterable[str] = ()) -> None:
        super().__init__(found, path)
        ids = list(ids)
        hint = {"integer": "an integer", "number": "a number"}.get(found.kind, "")
        if ids:
            self.text = widgets.Combobox(options=ids, ensure_option=False, placeholder=f"e.g. {ids[0]}")
        else:
            self.text = widgets.Text(placeholder=hint)
        self.text.description, self.text.style, self.text.layout = label(found), _STYLE, _WIDE
        self.text.tooltip = found.doc
        self.unset = widgets.Checkbox(description='send "" (unset)', indent=False,
                                      layout=widgets.Layout(width="140px"))
        self.widget = widgets.HBox([self.text, self.unset]) if found.unsettable else self.text

    def collect(self) -> Any:
        if self.field.unsettable and self.unset.value:
            return ""
        text = self.text.value.strip()
        if not text:
            if self.field.required:
                raise self.missing()
            return NOT_SENT
        if self.field.kind == "integer":
            if not _INTEGER.fullmatch(text):
                raise FormError(f"{self.path} must be an integer (digits only), not {text!r}.")
            return int(text)
        if self.field.kind == "number":
            try:
                number = Decimal(text)
            except InvalidOperation:
                number = None
            if number is None or not number.is_finite():
                raise FormError(f"{self.path} must be a number (use a dot for decimals), not {text!r}.")
            return text
        return text

    def is_blank(self) -> bool:
        return not self.text.value.strip() and not self.unset.value

    def fill(self, value: Any) -> None:
        if value == "" and self.field.unsettable:
            self.unset.value = True
        else:
            self.text.value = str(value)


class Boolean(Input):
    """A checkbox. An optional one is not sent until it is clicked; × forgets it again."""

    def __init__(self, found: Field, path: str) -> None:
        super().__init__(found, path)
        self.box = widgets.Checkbox(description=label(found), style=_STYLE, indent=False)
        self.box.tooltip = found.doc
        self.sent = found.required
        self.touched = False
        self.note = widgets.HTML()
        self.clear = widgets.Button(description="×", tooltip="not sent", layout=widgets.Layout(width="32px"))
        self.clear.on_click(lambda _: self._set_sent(False))
        self.box.observe(lambda _: self._set_sent(True, touched=True), names="value")
        self._set_sent(self.sent)
        self.widget = self.box if found.required else widgets.HBox([self.box, self.note, self.clear])

    def _set_sent(self, sent: bool, touched: bool = False) -> None:
        self.touched = sent and (touched or self.touched)
        self.sent = sent or self.field.required
        if not sent and self.box.value:
            self.box.value = False  # (its observer marks it sent again: undone below)
            self.touched, self.sent = False, self.field.required
        self.note.value = f"<small>sends {str(self.box.value).lower()}</small>" if self.sent else "<small>not sent</small>"

    def collect(self) -> Any:
        return self.box.value if self.sent else NOT_SENT

    def is_blank(self) -> bool:
        return not self.touched

    def fill(self, value: Any) -> None:
        self.box.value = bool(value)
        self._set_sent(True, touched=True)


class Enum(Input):
    def __init__(self, found: Field, path: str) -> None:
        super().__init__(found, path)
        blank = "— choose —" if found.required else "— not sent —"
        extra = [('"" (unset)', "")] if found.unsettable else []
        self.choice = widgets.Dropdown(options=[(blank, None), *extra, *[(o, o) for o in found.options]],
                                       value=None, description=label(found), style=_STYLE, layout=_WIDE)
        self.choice.tooltip = found.doc
        self.widget = self.choice

    def collect(self) -> Any:
        if self.choice.value is None:
            if self.field.required:
                raise FormError(f"{self.path} is required: choose one of {', '.join(self.field.options)}.")
            return NOT_SENT
        return self.choice.value

    def is_blank(self) -> bool:
        return self.choice.value is None

    def fill(self, value: Any) -> None:
        if value not in self.field.options and not (value == "" and self.field.unsettable):
            raise FormError(f"{self.path} must be one of {', '.join(self.field.options)}, not {value!r}.")
        self.choice.value = value


class Section(Input):
    """A collapsible section (an Accordion, closed) around a composite input."""

    def _section(self, inner: widgets.Widget, title: str) -> widgets.Widget:
        parts = [widgets.HTML(f"<small>{_escape(self.field.doc)}</small>")] if self.field.doc else []
        self.unset = widgets.Checkbox(description=f'send {self.path}="" (unset)', indent=False)
        if self.field.unsettable:
            parts.append(self.unset)
        accordion = widgets.Accordion(children=[widgets.VBox([*parts, inner])], selected_index=None)
        accordion.set_title(0, title)
        return accordion

    def unset_chosen(self) -> bool:
        return self.field.unsettable and self.unset.value


class Object(Section):
    """An object's fields, made when its section is first opened (or filled): a form of a few
    hundred fields draws at once."""

    def __init__(self, found: Field, path: str, make: Callable[[Field, str], Input]) -> None:
        super().__init__(found, path)
        self._make, self._inputs = make, None
        self.inner = widgets.VBox()
        self.widget = self._section(self.inner, f"{label(found)} (object, {len(found.children)} fields)")
        self.widget.observe(lambda change: change["new"] is not None and self.inputs, names="selected_index")

    @property
    def inputs(self) -> dict[str, Input]:
        if self._inputs is None:
            self._inputs = {c.name: self._make(c, f"{self.path}[{c.name}]") for c in self.field.children}
            self.inner.children = [i.widget for i in self._inputs.values()]
        return self._inputs

    def is_blank(self) -> bool:
        return not self.unset_chosen() and (
            self._inputs is None or all(i.is_blank() for i in self._inputs.values()))

    def collect(self) -> Any:
        if self.unset_chosen():
            return ""
        if self.is_blank() and not self.field.required:
            return NOT_SENT
        values = {}
        for name, found in self.inputs.items():
            value = found.collect()
            if value is not NOT_SENT:
                values[name] = value
        if not values:
            if self.field.required:
                raise self.missing()
            return NOT_SENT
        return values

    def fill(self, value: Any) -> None:
        for name, inner in value.items():
            if name not in self.inputs:
                raise FormError(f"{self.path}[{name}] is not a parameter of stripe-python's types.")
            self.inputs[name].fill(inner)


class Items(Section):
    """A list (``items[0][price]``) or a map (``metadata[key]``): rows added with *+ add*."""

    def __init__(self, found: Field, path: str, make: Callable[[Field, str], Input], keyed: bool) -> None:
        super().__init__(found, path)
        self.make, self.keyed = make, keyed
        self.rows: list[tuple[widgets.Text | None, Input]] = []
        self.list = widgets.VBox()
        add = widgets.Button(description="+ add", layout=widgets.Layout(width="90px"))
        remove = widgets.Button(description="− remove last", layout=widgets.Layout(width="120px"))
        add.on_click(lambda _: self.add())
        remove.on_click(lambda _: self.remove())
        kind = "key-value pairs" if keyed else "list"
        self.widget = self._section(widgets.VBox([self.list, widgets.HBox([add, remove])]), f"{label(found)} ({kind})")

    def add(self) -> Input:
        index = len(self.rows)
        key = widgets.Text(placeholder="key", layout=widgets.Layout(width="200px")) if self.keyed else None
        item = self.make(self.field.item, f"{self.path}[{'…' if self.keyed else index}]")
        self.rows.append((key, item))
        self.list.children = [widgets.HBox([k, i.widget]) if k else i.widget for k, i in self.rows]
        return item

    def remove(self) -> None:
        self.rows = self.rows[:-1]
        self.list.children = self.list.children[:-1]

    def collect(self) -> Any:
        if self.unset_chosen():
            return ""
        values: list[Any] = []
        pairs: dict[str, Any] = {}
        for key, item in self.rows:
            value = item.collect()
            if value is NOT_SENT:
                continue
            if key is None:
                values.append(value)
            elif not key.value.strip():
                raise FormError(f"{self.path} has a value without a key: type its key, or remove the row.")
            else:
                pairs[key.value.strip()] = value
        found = pairs if self.keyed else values
        if not found:
            if self.field.required:
                raise self.missing()
            return NOT_SENT
        return found

    def is_blank(self) -> bool:
        return not self.unset_chosen() and all(item.is_blank() for _, item in self.rows)

    def fill(self, value: Any) -> None:
        for entry in (value.items() if self.keyed else enumerate(value)):
            key, inner = entry
            item = self.add()
            if self.keyed:
                self.rows[-1][0].value = key
            item.fill(inner)


class Choice(Input):
    """A union of kinds (``int | Literal['now']``, an ID or an object …): pick one, fill it."""

    def __init__(self, found: Field, path: str, make: Callable[[Field, str], Input]) -> None:
        super().__init__(found, path)
        self._make, self._made = make, {}
        names = [_kind_name(a) for a in found.alternatives]
        blank = "— choose —" if found.required else "— not sent —"
        options = [(blank, None), *([('"" (unset)', "unset")] if found.unsettable else []),
                   *[(n, i) for i, n in enumerate(names)]]
        self.kind = widgets.Dropdown(options=options, value=None, description=label(found), style=_STYLE,
                                     layout=_WIDE)
        self.kind.tooltip = found.doc
        self.shown = widgets.VBox()
        self.kind.observe(lambda _: self._show(), names="value")
        self.widget = widgets.VBox([self.kind, self.shown])

    def input(self, index: int) -> Input:
        if index not in self._made:
            self._made[index] = self._make(self.field.alternatives[index], self.path)
        return self._made[index]

    def _show(self) -> None:
        chosen = self.kind.value
        self.shown.children = [self.input(chosen).widget] if isinstance(chosen, int) else []

    def is_blank(self) -> bool:
        return self.kind.value is None

    def collect(self) -> Any:
        chosen = self.kind.value
        if chosen == "unset":
            return ""
        if chosen is None:
            if self.field.required:
                raise self.missing()
            return NOT_SENT
        return self.input(chosen).collect()

    def fill(self, value: Any) -> None:
        for index in range(len(self.field.alternatives)):
            inner = self.input(index)
            try:
                inner.fill(value)
                self.kind.value = index
                if inner.collect() is not NOT_SENT:
                    return
            except (FormError, TypeError, AttributeError, ValueError):
                continue
        raise FormError(f"{self.path}: {value!r} fits none of {', '.join(_kind_name(a) for a in self.field.alternatives)}.")


def _kind_name(found: Field) -> str:
    if found.kind == "enum":
        return "one of: " + ", ".join(found.options)
    return found.kind


def _escape(text: str) -> str:
    import html

    return html.escape(text)


def make_input(found: Field, path: str, ids: Callable[[str], list[str]] = lambda name: []) -> Input:
    """The input for ``found`` (and, recursively, for what it holds)."""
    def make(inner: Field, inner_path: str) -> Input:
        return make_input(inner, inner_path, ids)

    if found.kind == "boolean":
        return Boolean(found, path)
    if found.kind == "enum":
        return Enum(found, path)
    if found.kind == "object":
        return Object(found, path, make)
    if found.kind in ("list", "map"):
        return Items(found, path, make, keyed=found.kind == "map")
    if found.kind == "choice":
        return Choice(found, path, make)
    return Text(found, path, ids(found.name) if found.kind == "string" else ())


def parse_extra(text: str) -> dict[str, Any]:
    """Parameters typed as form lines (``payment_method_types[]=amazon_pay``), as nested params:
    for what stripe-python's types do not have (another API version's parameters)."""
    params: dict[str, Any] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = line.partition("=")
        if not equals or not name.strip():
            raise FormError(f"Extra parameters, line {number}: write name=value (e.g. payment_method_types[]=amazon_pay).")
        _place(params, _name_parts(name.strip(), number), urllib.parse.unquote_plus(value.strip()))
    return params


def _name_parts(name: str, number: int) -> list[str]:
    found = re.fullmatch(r"([^\[\]]+)((?:\[[^\[\]]*\])*)", name)
    if not found:
        raise FormError(f"Extra parameters, line {number}: {name!r} is not a parameter name (a[b][0][c] or a[]).")
    return [found.group(1), *re.findall(r"\[([^\[\]]*)\]", found.group(2))]


def _place(params: dict[str, Any], parts: list[str], value: str) -> None:
    target: Any = params
    for part, following in zip(parts, parts[1:], strict=False):
        empty: Any = [] if following == "" or following.isdigit() else {}
        if isinstance(target, list):
            index = len(target) if part == "" else int(part)
            while len(target) <= index:
                target.append(type(empty)())
            target = target[index]
        else:
            target = target.setdefault(part, empty)
    last = parts[-1]
    if isinstance(target, list):
        if last == "":
            target.append(value)
        else:
            index = int(last)
            while len(target) <= index:
                target.append(None)
            target[index] = value
    else:
        target[last] = value
