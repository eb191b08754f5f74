"""Small pieces every resource uses."""

from __future__ import annotations

from typing import Any

from ..context import ApiRequest
from ..errors import StripeError


def metadata(current: dict[str, str] | None, given: Any) -> dict[str, str]:
    """Stripe's metadata update: keys merge; ``""`` unsets a key; ``metadata=""`` clears all."""
    if given is None:
        return {}
    out = dict(current or {})
    for key, value in given.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = str(value)
    return out


def apply_updates(obj: dict[str, Any], params: dict[str, Any], fields: tuple[str, ...]) -> None:
    for name in fields:
        if name in params:
            obj[name] = params[name]
    if "metadata" in params:
        obj["metadata"] = metadata(obj.get("metadata"), params["metadata"])


def created_filter(req: ApiRequest):
    """``created[gt|gte|lt|lte]`` or ``created=<ts>`` as a Python predicate (or None)."""
    created = req.params.get("created")
    if created is None:
        return None
    if isinstance(created, int):
        return lambda obj: obj["created"] == created
    checks = {
        "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b,
    }
    return lambda obj: all(checks[op](obj["created"], value) for op, value in created.items())


def deleted(object_type: str, object_id: str) -> dict[str, Any]:
    return {"id": object_id, "object": object_type, "deleted": True}


def unexpected_state(message: str, code: str, **extra: Any) -> StripeError:
    return StripeError(message, code=code, **extra)
