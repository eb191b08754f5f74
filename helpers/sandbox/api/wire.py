"""Stripe's form encoding: ``a[b][0][c]=x`` and ``a[]=x`` into nested dicts and lists."""

from __future__ import annotations

import re
from typing import Any

from ..shared.errors import StripeError, shorten

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_APPEND = object()
# Stripe's deepest parameters nest five levels (items[0][price_data][recurring][interval]).
MAX_DEPTH = 10
MAX_INDEX_DIGITS = 19  # an array index past a 64-bit integer is no index


def _invalid(key: str, why: str = "") -> StripeError:
    return StripeError(
        f"Invalid parameter name: {shorten(key, 100)}{why}", code="parameter_unknown", param=shorten(key, 100)
    )


def _split(key: str) -> list[Any]:
    match = _KEY.match(key)
    if not match:
        raise _invalid(key)
    parts: list[Any] = [match.group(1)]
    for part in re.findall(r"\[([^\[\]]*)\]", match.group(2)):
        parts.append(_APPEND if part == "" else part)
    if len(parts) > MAX_DEPTH:
        raise _invalid(key, f" (parameters nest at most {MAX_DEPTH} levels deep)")
    return parts


def decode(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Nest form pairs. Indexed (``a[0]``) and appended (``a[]``) arrays both become lists, but
    one array is written in one style; a name is a value or a hash, never both."""
    root: dict[str, Any] = {}
    appended: set[int] = set()  # the nodes that ``a[]`` wrote to, and those ``a[0]`` wrote to
    indexed: set[int] = set()
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
                appended.add(id(node))
            elif i and part.isdigit():
                if len(part) > MAX_INDEX_DIGITS:  # Python cannot even read past 4,300 digits
                    raise StripeError(f"Invalid integer: {shorten(part, 30)} is not an array index.",
                                      code="parameter_invalid_integer", param=shorten(key.partition("]")[0] + "]", 100))
                indexed.add(id(node))
            if id(node) in appended and id(node) in indexed:
                raise _invalid(key, ": an array is sent either as a[]=x or as a[0]=x, not both")
            if last:
                if isinstance(node.get(part), dict):
                    raise _invalid(key, ": it is sent both as a value and as a hash")
                node[part] = value
            else:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise _invalid(key, ": it is sent both as a value and as a hash")
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
