"""Stripe's form encoding: ``a[b][0][c]=x`` and ``a[]=x`` into nested dicts and lists."""

from __future__ import annotations

import re
from typing import Any

from .errors import StripeError

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_APPEND = object()


def _split(key: str) -> list[Any]:
    match = _KEY.match(key)
    if not match:
        raise StripeError(f"Invalid parameter name: {key}", code="parameter_unknown", param=key)
    parts: list[Any] = [match.group(1)]
    for part in re.findall(r"\[([^\[\]]*)\]", match.group(2)):
        parts.append(_APPEND if part == "" else part)
    return parts


def decode(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Nest form pairs. Indexed (``a[0]``) and appended (``a[]``) arrays both become lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = _split(key)
        node: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part is _APPEND:
                # ``a[]=x`` appends; ``a[][b]=x`` starts a new element unless the last lacks ``b``.
                index = len(node)
                if not last and node and isinstance(node[str(index - 1)], dict):
                    nxt = parts[i + 1]
                    if nxt is not _APPEND and nxt not in node[str(index - 1)]:
                        index -= 1
                part = str(index)
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise StripeError(
                        f"Invalid parameter name: {key}", code="parameter_unknown", param=key
                    )
    return _listify(root)


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {k: _listify(v) for k, v in node.items()}
    if converted and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


def bracket_path(path: list[str | int]) -> str:
    """``["items", 0, "price"]`` -> ``items[0][price]``, as Stripe names params in errors."""
    head, *rest = path
    return str(head) + "".join(f"[{p}]" for p in rest)
