"""Two answers to the same request, compared: at two API versions, or from the sandbox and from
Stripe test mode. What matters is compared, never IDs or secrets: the HTTP status, the object's
type and ``status``, the error's type, code and param, which fields are present and the JSON type
of each. A field's path names no value: list positions become ``[]``, metadata keys ``{key}``.

The backends' comparison is saved as a small **fidelity report** (JSON, no IDs, no keys) to
attach to an issue; offline, the report says that test mode could not be reached.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import stripe

from helpers.problems import NextStep
from helpers.sandbox.client import process
from helpers.show import Table, diff

from .catalog import Operation
from .send import SANDBOX, TEST_MODE, Answer, send, test_mode_client

# Values that differ on every request: left out of the value diff between two versions.
VOLATILE = {"id", "created", "client_secret", "request", "idempotency_key"}
_ID_OR_KEY = re.compile(
    r"\b(?:acct|pmc|cus|prod|price|seti|setatt|pm|mandate|sub|si|in|il|ii|pi|ch|inpay|evt|we|clock|req|txn|py)"
    r"_[A-Za-z0-9]{6,}|(?:sk|rk|pk)_(?:test|live)_[A-Za-z0-9]+|whsec_[A-Za-z0-9]+|_secret_[A-Za-z0-9]+"
)


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array" if value else "empty array"
    return "object" if value else "empty object"


def shape(body: Any, prefix: str = "") -> dict[str, str]:
    """Field path -> JSON type, for every field of an answer (``items.data[].price.id``)."""
    out: dict[str, str] = {}
    if isinstance(body, dict) and body:
        for key, value in body.items():
            name = "{key}" if prefix.endswith("metadata.") else key
            out.update(shape(value, f"{prefix}{name}."))
    elif isinstance(body, list) and body:
        for value in body:
            for path, kind in shape(value, f"{prefix.rstrip('.')}[].").items():
                out.setdefault(path, kind)
    if not out or not (isinstance(body, dict | list) and body):
        out[prefix.rstrip(".")] = json_type(body)
    return out


def essentials(answer: Answer) -> dict[str, Any]:
    """What is compared of one answer, besides its fields."""
    body = answer.body if isinstance(answer.body, dict) else {}
    error = answer.error
    return {
        "status": answer.status,
        "object": body.get("object"),
        "object_status": body.get("status") if isinstance(body.get("status"), str) else None,
        "error": {k: error.get(k) for k in ("type", "code", "param")} if error else None,
    }


def differences(first: Answer, second: Answer) -> dict[str, Any]:
    """What differs between two answers, by what matters (module docstring)."""
    a, b = essentials(first), essentials(second)
    shape_a, shape_b = shape(first.body), shape(second.body)
    return {
        **{name: [a[name], b[name]] for name in a if a[name] != b[name]},
        "fields_only_in_first": sorted(shape_a.keys() - shape_b.keys()),
        "fields_only_in_second": sorted(shape_b.keys() - shape_a.keys()),
        "types_differ": [{"field": path, "first": shape_a[path], "second": shape_b[path]}
                         for path in sorted(shape_a.keys() & shape_b.keys()) if shape_a[path] != shape_b[path]],
    }


def is_same(found: dict[str, Any]) -> bool:
    return not any(found.values())


def table(found: dict[str, Any], first: str, second: str) -> Table:
    """The differences as rows: what, the first answer's, the second's."""
    rows: list[tuple[str, str, str]] = []
    for name in ("status", "object", "object_status", "error"):
        if name in found:
            rows.append((name, *(json.dumps(v) for v in found[name])))
    only_first, only_second = found["fields_only_in_first"], found["fields_only_in_second"]
    if "error" in found and None in found["error"]:  # an object against an error: not field by field
        counts = [f"{len(only_first)} fields", f"{len(only_second)} fields"]
        rows.append(("fields", *(c if found["error"][i] is None else "the error's" for i, c in enumerate(counts))))
    else:
        rows += [(f"field {path}", "present", "absent") for path in only_first]
        rows += [(f"field {path}", "absent", "present") for path in only_second]
    rows += [(f"type of {t['field']}", t["first"], t["second"]) for t in found["types_differ"]]
    out = Table(rows, columns=["what", first, second])
    out.when_empty = f"Both answers match in status, object, error and every field's type ({first}, {second})."
    return out


# --------------------------------------------------------------------------- across API versions


@dataclass
class VersionComparison:
    first: Answer
    second: Answer

    @property
    def differences(self) -> dict[str, Any]:
        return differences(self.first, self.second)

    def table(self) -> Table:
        return table(self.differences, self.first.api_version, self.second.api_version)

    def values(self) -> pd.DataFrame:
        """Field values that differ (not IDs, timestamps or secrets, which differ on every call)."""
        def steady(body: Any) -> Any:
            return {k: v for k, v in body.items() if k not in VOLATILE} if isinstance(body, dict) else body

        return diff(steady(self.first.body), steady(self.second.body))

    def __repr__(self) -> str:
        return f"{self.first.operation.label} at {self.first.api_version} and {self.second.api_version}:\n{self.table()!r}"

    def _repr_html_(self) -> str:
        return (f"<p>{_title(self.first)} at <code>{self.first.api_version}</code> and at "
                f"<code>{self.second.api_version}</code>:</p>{self.table()._repr_html_()}")


def compare_versions(operation: Operation, path: tuple[str, ...], params: dict[str, Any],
                     versions: tuple[str, str], backend: str | None = None) -> VersionComparison:
    """The same request at two API versions (sent twice: a create makes two objects)."""
    first, second = (send(operation, path, params, api_version=v, backend=backend) for v in versions)
    return VersionComparison(first, second)


def _title(answer: Answer) -> str:
    return f"<code>{answer.operation.label}</code> ({answer.operation.call})"


# --------------------------------------------------------------------------- sandbox against test mode


@dataclass
class FidelityReport:
    """The sandbox's answer against Stripe test mode's, for one request: JSON, no IDs, no keys."""

    data: dict[str, Any]

    @property
    def reached(self) -> bool:
        return bool(self.data["test_mode"]["reached"])

    def save(self, directory: Path | None = None) -> Path:
        """Write the report (``.tutorial/fidelity/<operation>-<time>.json``); returns its path."""
        directory = directory or process.state_dir() / "fidelity"
        directory.mkdir(parents=True, exist_ok=True)
        name = "-".join(self.data["operation"].removeprefix("client.v1.").split("."))
        path = directory / f"{name}-{time.strftime('%Y%m%dT%H%M%S')}.json"
        path.write_text(self.text())
        return path

    def text(self) -> str:
        return json.dumps(self.data, indent=2, sort_keys=True)

    def _repr_html_(self) -> str:
        if not self.reached:
            verdict = self.data["test_mode"]["why"]
        elif self.data["same"]:
            verdict = "The sandbox answered as Stripe test mode did: same status, object, error and field types."
        else:
            verdict = "The sandbox's answer differs from Stripe test mode's:"
        rows = "" if not self.reached or self.data["same"] else table(
            self.data["differences"], SANDBOX, TEST_MODE)._repr_html_()
        import html

        return f"<p><b>Fidelity report</b> · {html.escape(self.data['request'])} · {html.escape(verdict)}</p>{rows}"

    def __repr__(self) -> str:
        return self.text()


def names_sent(params: Any, prefix: str = "") -> list[str]:
    """The parameters' bracket names (``items[][price]``), no values."""
    if isinstance(params, dict):
        found = [n for key, value in params.items()
                 for n in names_sent(value, f"{prefix}[{key}]" if prefix else str(key))]
        return found or [prefix]
    if isinstance(params, list):
        return sorted({n for value in params for n in names_sent(value, f"{prefix}[]")}) or [prefix]
    return [prefix]


def _answered(answer: Answer) -> dict[str, Any]:
    return {"reached": True, **essentials(answer)}


def fidelity(operation: Operation, path: tuple[str, ...] = (), params: dict[str, Any] | None = None,
             api_version: str | None = None) -> FidelityReport:
    """Send the request to the sandbox and to Stripe test mode; compare what matters."""
    version = api_version or stripe.api_version
    sandbox = send(operation, path, params, api_version=version, backend=SANDBOX)
    client = test_mode_client(version)
    test_mode: dict[str, Any]
    other = None
    if client is None:
        test_mode = {"reached": False, "why": "Stripe test mode could not be reached: no test key is configured "
                     "(STRIPE_SECRET_KEY=sk_test_… in the environment or .env)."}
    else:
        try:
            other = send(operation, path, params, api_version=version, backend=TEST_MODE, client=client)
            test_mode = _answered(other)
        except NextStep as problem:  # no connection
            test_mode = {"reached": False, "why": f"Stripe test mode could not be reached: {problem}"}
    found = differences(sandbox, other) if other is not None else None
    data = {
        "report": "sandbox fidelity", "stripe_python": stripe.VERSION, "api_version": version,
        "operation": operation.call, "request": operation.label,
        "parameters": sorted(set(names_sent(params or {}))) if params else [],
        "sandbox": _answered(sandbox), "test_mode": test_mode, "differences": found,
        "same": is_same(found) if found is not None else None,
        "ids_in_request": bool(path) or bool(_ID_OR_KEY.search(json.dumps(params or {}))),
    }
    leaked = _ID_OR_KEY.findall(json.dumps(data))
    if leaked:  # never: the report names fields and codes only
        raise AssertionError(f"a fidelity report would carry an ID or a key ({len(leaked)} found)")
    return FidelityReport(data)
