"""Response views: a summary, a collapsible JSON tree, a flat table, diffs and lists; and the
request as the Python dict the SDK gets.

Everything is deterministic for nbval: ``id`` and ``object`` first then keys sorted, times in UTC,
no memory addresses. ``show``, ``request`` and ``curl`` display and return None; ``diff``,
``table``, ``flatten`` and ``log`` return DataFrames (the notebook shows them as the cell's value).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
from IPython.display import HTML, display

# Fields worth seeing first, per object type (dotted paths).
SUMMARY: dict[str, tuple[str, ...]] = {
    "setup_intent": ("id", "status", "customer", "payment_method", "next_action.type",
                     "next_action.redirect_to_url.url", "mandate", "usage", "payment_method_types"),
    "subscription": ("id", "status", "customer", "items.data.0.price.id", "items.data.0.quantity",
                     "items.data.0.current_period_start", "items.data.0.current_period_end",
                     "latest_invoice", "default_payment_method", "test_clock"),
    "invoice": ("id", "number", "status", "amount_due", "amount_paid", "currency", "billing_reason",
                "parent.subscription_details.subscription", "lines.data.0.period.start",
                "lines.data.0.period.end", "payments.data.0.payment.payment_intent"),
    "customer": ("id", "email", "name", "description", "invoice_settings.default_payment_method",
                 "test_clock", "created"),
    "price": ("id", "product", "unit_amount", "currency", "recurring.interval",
              "recurring.interval_count", "type", "active"),
    "product": ("id", "name", "active", "default_price", "created"),
    "payment_method": ("id", "type", "customer", "created"),
    "mandate": ("id", "status", "type", "payment_method", "payment_method_details.type",
                "customer_acceptance.type", "customer_acceptance.accepted_at",
                "customer_acceptance.online.ip_address", "customer_acceptance.online.user_agent"),
    "payment_intent": ("id", "status", "amount", "currency", "customer", "payment_method",
                       "latest_charge", "last_payment_error.code", "next_action.type"),
    "charge": ("id", "status", "amount", "currency", "paid", "captured", "payment_method",
               "payment_method_details.type", "failure_code", "failure_message", "outcome.type"),
    "event": ("id", "type", "created", "api_version", "data.object.id", "data.object.status",
              "request.id"),
    "test_helpers.test_clock": ("id", "name", "status", "frozen_time", "created"),
    "webhook_endpoint": ("id", "url", "status", "enabled_events", "api_version"),
    "list": ("url", "has_more"),
}

# Columns for table(), per object type of the rows.
COLUMNS: dict[str, tuple[str, ...]] = {
    "invoice": ("id", "number", "status", "amount_due", "amount_paid", "currency",
                "billing_reason", "period_start", "period_end", "created"),
    "event": ("id", "type", "created", "data.object.id", "data.object.status"),
    "payment_method": ("id", "type", "customer", "created"),
    "subscription": ("id", "status", "customer", "latest_invoice", "created"),
    "customer": ("id", "email", "name", "created"),
}

TIMESTAMP_KEYS = {"created", "frozen_time", "start_date", "billing_cycle_anchor", "due_date",
                  "next_payment_attempt", "current_period_start", "current_period_end",
                  "period_start", "period_end", "trial_start", "trial_end", "start", "end",
                  "canceled_at", "cancel_at", "ended_at", "expires_at", "accepted_at",
                  "webhooks_delivered_at", "finalized_at", "paid_at", "voided_at"}


def to_plain(obj: Any) -> Any:
    """A StripeObject / ListObject / dict / list as plain JSON-able data."""
    if hasattr(obj, "to_dict"):  # stripe-python 16: StripeObject is not a dict
        obj = obj.to_dict()
    if isinstance(obj, Mapping):
        return {str(k): to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_plain(v) for v in obj]
    if isinstance(obj, Decimal):  # e.g. unit_amount_decimal
        return str(obj)
    return obj


def _ordered(keys: Iterable[str]) -> list[str]:
    keys = list(keys)
    first = [k for k in ("id", "object") if k in keys]
    return first + sorted(k for k in keys if k not in first)


def is_timestamp(path: str, value: Any) -> bool:
    key = path.rsplit(".", 1)[-1]
    return (isinstance(value, int) and not isinstance(value, bool) and value >= 100_000_000
            and (key in TIMESTAMP_KEYS or key.endswith("_at")))


def utc(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _with_time(path: str, value: Any) -> Any:
    return f"{value} ({utc(value)})" if is_timestamp(path, value) else value


def as_json(value: Any) -> Any:
    """A value in JSON notation, as every view shows it: ``null``, ``true``, ``false`` (never
    Python's None/True/False), objects and arrays as one line of JSON (``{"limit": "1"}``);
    strings and numbers as they are."""
    if value is None or isinstance(value, (bool, dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _shown(path: str, value: Any) -> Any:
    """A leaf value as a table shows it: JSON words, timestamps with their UTC time."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return as_json(_with_time(path, value))


class Table(pd.DataFrame):
    """A DataFrame whose HTML view is left-aligned (field names and values read left to right).
    With no rows and a ``when_empty`` sentence, it shows that sentence (HTML and text) instead of
    a header row alone; filtering and slicing do not pass the sentence on."""

    when_empty: str | None = None

    @property
    def _constructor(self):  # filtering and slicing keep the left-aligned view
        return Table

    def __repr__(self) -> str:
        return self.when_empty if self.empty and self.when_empty else super().__repr__()

    def _repr_html_(self) -> str:
        if self.empty and self.when_empty:
            return f"<p>{html.escape(self.when_empty)}</p>"
        page = self.to_html(index=False, escape=True, na_rep="")
        # A long value (an ID, a URL) may wrap anywhere: the table fits its output area instead of
        # hiding its last column behind a scroll bar (JupyterLab at a 1280 px window).
        page = page.replace("<th>", '<th style="text-align:left">')
        page = page.replace("<td>", '<td style="text-align:left;overflow-wrap:anywhere">')
        return page.replace('<tr style="text-align: right;">', "<tr>")


def flat(obj: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted paths to leaf values (``items.data.0.price.id``); empty containers kept as leaves."""
    data = to_plain(obj)
    out: dict[str, Any] = {}
    if isinstance(data, dict) and data:
        for key in _ordered(data):
            out.update(flat(data[key], f"{prefix}{key}."))
    elif isinstance(data, list) and data:
        for i, item in enumerate(data):
            out.update(flat(item, f"{prefix}{i}."))
    else:
        out[prefix.rstrip(".")] = data
    return out


def flatten(obj: Any) -> pd.DataFrame:
    """The object as a two-column table (field, value), timestamps with their UTC time."""
    rows = [(k, _shown(k, v)) for k, v in flat(obj).items()]
    return Table(rows, columns=["field", "value"])


def _summary_html(data: dict[str, Any]) -> str:
    fields = flat(data)
    wanted = SUMMARY.get(str(data.get("object")), ("id",))
    rows = []
    for path in wanted:
        value = fields.get(path, _dig(data, path))
        rows.append(f"<tr><th style='text-align:left'>{html.escape(path)}</th>"
                    f"<td style='text-align:left'><code>{html.escape(str(_shown(path, value)))}"
                    "</code></td></tr>")
    return f"<table>{''.join(rows)}</table>"


def _dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def json_tree(obj: Any, label: str = "JSON") -> str:
    """Collapsible HTML tree (<details>) of the object; the top level is open."""
    def node(key: str, value: Any, path: str, open_: bool = False) -> str:
        name = html.escape(key)
        if isinstance(value, dict) and value:
            inner = "".join(node(k, value[k], f"{path}{k}.") for k in _ordered(value))
            return (f"<details{' open' if open_ else ''}><summary>{name} {{{len(value)}}}</summary>"
                    f"<div style='margin-left:1.2em'>{inner}</div></details>")
        if isinstance(value, list) and value:
            inner = "".join(node(str(i), v, f"{path}{i}.") for i, v in enumerate(value))
            return (f"<details><summary>{name} [{len(value)}]</summary>"
                    f"<div style='margin-left:1.2em'>{inner}</div></details>")
        shown = json.dumps(value)
        note = f" <i>{utc(value)}</i>" if is_timestamp(path.rstrip("."), value) else ""
        return f"<div>{name}: <code>{html.escape(shown)}</code>{note}</div>"

    return node(label, to_plain(obj), "", open_=False)  # closed: the summary comes first


def show(obj: Any, *, table: bool = False) -> None:
    """Display the summary and the JSON tree of a Stripe response; ``table=True`` adds the flat
    table of every field (also ``flatten(obj)``)."""
    data = to_plain(obj)
    if isinstance(data, list):
        data = {"object": "list", "data": data}
    kind = html.escape(str(data.get("object", "object")))
    title = f"<b>{kind}</b> <code>{html.escape(str(data.get('id', '')))}</code>"
    flat_table = ""
    if table:
        flat_table = (f"<details><summary>Table ({len(flat(data))} fields)</summary>"
                      f"{flatten(data)._repr_html_()}</details>")
    display(HTML(f"<div>{title}{_summary_html(data)}{json_tree(data)}{flat_table}</div>"))


def python_literal(value: Any, indent: int = 0, column: int = 0, width: int = 96) -> str:
    """``value`` as Python source starting at ``column``; a dict or list that does not fit on the
    line gets one item per line, indented by four more than ``indent``."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if not isinstance(value, (dict, list)):
        return repr(value)
    pairs = value.items() if isinstance(value, dict) else ((None, v) for v in value)
    items = [(f"{python_literal(k)}: " if k is not None else "", v) for k, v in pairs]
    opening, closing = "{}" if isinstance(value, dict) else "[]"
    inline = opening + ", ".join(key + python_literal(v) for key, v in items) + closing
    if column + len(inline) <= width or not items:
        return inline
    inner = indent + 4
    lines = [" " * inner + key + python_literal(v, inner, inner + len(key), width) + ","
             for key, v in items]
    return opening + "\n" + "\n".join(lines) + "\n" + " " * indent + closing


def request(params: Any, name: str = "params") -> None:
    """Print the params of a call as the Python dict the SDK gets (``params = {...}``), in the
    order they were given: what the form filled in, before it is sent. The call that sends them
    next is logged as the tutorial's own, not an exercise attempt (``client.mark_next_call``)."""
    if isinstance(params, Mapping):
        from helpers.client import mark_next_call

        mark_next_call(params)
    print(f"{name} = {python_literal(to_plain(params), 0, len(name) + 3)}")


def diff(before: Any, after: Any) -> Table:
    """Fields that changed between two versions of an object: path, before, after (or one
    sentence when none did)."""
    old, new = flat(before), flat(after)
    paths = [p for p in _ordered_paths(old, new) if (p in old, old.get(p)) != (p in new, new.get(p))]

    def shown(values: dict[str, Any], path: str) -> str:  # JSON's words: null, an object, or absent
        if path in values:
            return str(_shown(path, values[path]))
        return "{…}" if any(p.startswith(path + ".") for p in values) else "(absent)"

    changes = Table([(p, shown(old, p), shown(new, p)) for p in paths], columns=["field", "before", "after"])
    already = f" (its status was already {_shown('status', new['status'])})" if "status" in new else ""
    changes.when_empty = f"No change: both versions are the same{already}."  # e.g. authorized before "before"
    return changes


def _ordered_paths(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    seen = dict.fromkeys([*old, *new])  # keeps flat()'s order, new paths after
    return list(seen)


def _rows(items: Any) -> list[dict[str, Any]]:
    data = to_plain(items)
    if isinstance(data, dict):
        data = data.get("data", [data])
    return [row for row in data if isinstance(row, dict)]


def table(items: Any, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """A list (ListObject, search result, list of objects) as a DataFrame, one row per object."""
    rows = _rows(items)
    if columns is None:
        kinds = {row.get("object") for row in rows}
        kind = kinds.pop() if len(kinds) == 1 else None
        columns = COLUMNS.get(str(kind))
    flats = [flat(row) for row in rows]
    if columns is None:  # every scalar field present in a row, in first-seen order
        columns = list(dict.fromkeys(k for f in flats for k in f if "." not in k))
    columns = list(columns)
    records = [[_shown(c, f.get(c, _dig(r, c))) for c in columns] for f, r in zip(flats, rows, strict=True)]
    return Table(records, columns=columns)


def log(last: int | None = None) -> pd.DataFrame:
    """The request log of this kernel (see helpers.client), optionally only the last N."""
    from helpers.client import request_log

    frame = Table(request_log().drop(columns=["error_message"])).astype(object)
    frame["params"] = [as_json(params) for params in frame["params"]]  # JSON, in the order sent
    frame["duration"] = [f"{ms:8.1f} ms" for ms in frame.pop("duration_ms")]  # fixed width
    frame = frame.where(frame.notna(), "")  # no request id after a connection error: blank, not NaN
    return frame.tail(last) if last else frame


def curl(entry: Any = None) -> None:
    """Display the last (or given) request as a curl command."""
    from helpers.client import as_curl

    display(HTML(f"<pre>{html.escape(as_curl(entry))}</pre>"))
