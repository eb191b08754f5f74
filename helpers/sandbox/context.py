"""One API request as handlers see it, and how objects go back out (expand, lists, versions)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from . import schema, versions
from .errors import StripeError
from .store import Store

MAX_EXPAND_DEPTH = 4

# (object type, field) -> function(request, object) that loads an expandable or includable field.
INCLUDERS: dict[tuple[str, str], Any] = {}


def includer(object_type: str, field_name: str):
    def register(fn):
        INCLUDERS[(object_type, field_name)] = fn
        return fn

    return register


# Fields a publishable key may read on an intent retrieved with its client_secret (Stripe.js).
CLIENT_VISIBLE = {
    "setup_intent": {
        "id", "object", "cancellation_reason", "client_secret", "created", "description",
        "last_setup_error", "livemode", "next_action", "payment_method", "payment_method_types",
        "status", "usage",
    },
    "payment_intent": {
        "id", "object", "amount", "canceled_at", "cancellation_reason", "capture_method",
        "client_secret", "confirmation_method", "created", "currency", "description",
        "last_payment_error", "livemode", "next_action", "payment_method", "payment_method_types",
        "receipt_email", "setup_future_usage", "shipping", "status",
    },
}


@dataclass
class ApiRequest:
    store: Store
    method: str
    path: str
    route: str  # "POST /v1/customers/{id}"
    args: dict[str, str]
    params: dict[str, Any]
    raw: dict[str, Any]  # decoded, before validation (private "_" keys from version changes)
    key_kind: str  # "secret" | "publishable"
    api_version: str
    account_version: str
    request_id: str
    idempotency_key: str | None
    base_url: str
    client_ip: str = "127.0.0.1"
    user_agent: str = ""

    @property
    def publishable(self) -> bool:
        return self.key_kind == "publishable"

    def now(self) -> int:
        return int(time.time())

    # ------------------------------------------------------------------ output

    def render(self, obj: dict[str, Any], expand: list[str] | None = None) -> dict[str, Any]:
        """The response body: expanded, includable fields added, in the request's version."""
        paths = self.params.get("expand", []) if expand is None else expand
        out = self._expand(obj, [p.split(".") for p in paths], 0)
        if self.publishable and out.get("object") in CLIENT_VISIBLE:
            visible = CLIENT_VISIBLE[out["object"]]
            out = {k: v for k, v in out.items() if k in visible}
        return versions.downgrade_response(self.api_version, out)

    def _expand(self, obj: Any, paths: list[list[str]], depth: int) -> Any:
        if isinstance(obj, list):
            return [self._expand(o, paths, depth) for o in obj]
        if not isinstance(obj, dict):
            return obj
        out = {k: v for k, v in obj.items() if not k.startswith("_")}
        if out.get("object") in ("list", "search_result"):
            inner = [p[1:] for p in paths if p and p[0] == "data" and len(p) > 1]
            out["data"] = [self._expand(o, inner, depth) for o in out.get("data", [])]
            return out
        heads: dict[str, list[list[str]]] = {}
        for path in paths:
            if path:
                heads.setdefault(path[0], []).append(path[1:])
        for name, rest in heads.items():
            if depth >= MAX_EXPAND_DEPTH:
                raise StripeError(
                    "You cannot expand more than 4 levels of a property.", param="expand"
                )
            object_type = out.get("object")
            loader = INCLUDERS.get((object_type, name))
            value = out.get(name)
            if loader is not None:
                value = loader(self, obj)
            elif isinstance(value, str):
                found = self.store.find(value)
                if found is None:
                    raise StripeError(f"This property cannot be expanded ({name}).", param="expand")
                value = found
            elif name not in out or value is None and name not in out:
                raise StripeError(f"This property cannot be expanded ({name}).", param="expand")
            out[name] = self._expand(value, [r for r in rest if r], depth + 1)
        return out

    # ------------------------------------------------------------------ lists

    def list_of(
        self,
        object_type: str,
        where: dict[str, Any] | None = None,
        *,
        url: str | None = None,
        accept=None,
    ) -> dict[str, Any]:
        """A Stripe list: newest first, ``limit`` 1-100, ``starting_after``/``ending_before``."""
        limit = self.params.get("limit", 10)
        if not 1 <= limit <= 100:
            raise StripeError(
                "Invalid limit: must be between 1 and 100", code="parameter_invalid_integer", param="limit"
            )
        after, before = self.params.get("starting_after"), self.params.get("ending_before")
        if after and before:
            raise StripeError(
                "You may only specify one of these parameters: ending_before, starting_after.",
                code="parameters_exclusive",
                param="ending_before",
            )
        cursor_id = after or before
        cursor = self.store.seq_of(cursor_id) if cursor_id else None
        if cursor_id and cursor is None:
            raise StripeError(
                f"No such {object_type}: '{cursor_id}'",
                status=404,
                code="resource_missing",
                param="starting_after" if after else "ending_before",
            )
        want = limit + 1
        if accept is None:
            rows = self.store.query(
                object_type, where,
                before_seq=cursor if after else None,
                after_seq=cursor if before else None,
                limit=want, newest_first=not before,
            )
        else:  # a filter SQL cannot express: scan in order
            rows = [
                r for r in self.store.query(
                    object_type, where,
                    before_seq=cursor if after else None,
                    after_seq=cursor if before else None,
                    newest_first=not before,
                ) if accept(r)
            ][:want]
        has_more = len(rows) > limit
        rows = rows[:limit]
        if before:
            rows.reverse()
        return {"object": "list", "data": rows, "has_more": has_more, "url": url or self.path}

    def shape(self, object_type: str, data: dict[str, Any]) -> dict[str, Any]:
        return schema.shape(object_type, data)


@dataclass
class Actor:
    """Who changes state outside an API request (a hosted page, a test clock): no request id."""

    store: Store
    account_version: str
    request_id: str | None = None
    idempotency_key: str | None = None
    clock: int | None = None

    def now(self) -> int:
        return self.clock if self.clock is not None else int(time.time())
