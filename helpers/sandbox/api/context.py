"""One API request as handlers see it, and how objects go back out (expand, lists, versions)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..shared.errors import StripeError, missing, shorten
from ..state.account_store import NAMES, AccountStore
from . import schema, versions

MAX_EXPAND_DEPTH = 4


@dataclass
class Site:
    """Where browsers reach this sandbox: the base of the hosted pages' URLs that objects carry
    (``hosted_invoice_url``), also for objects a test clock makes outside any request.
    ``create_app`` sets it from its public URL."""

    base_url: str = "http://127.0.0.1"


SITE = Site()

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
    # An intent's PaymentMethod (expand[]=payment_method), plus its own per-type hash (amazon_pay).
    "payment_method": {
        "id", "object", "allow_redisplay", "billing_details", "created", "customer", "livemode", "type",
    },
}


# What a publishable key may expand (Stripe.js reads the intent's PaymentMethod, nothing else).
CLIENT_EXPANDABLE = {"payment_method"}


def not_expandable(path: list[str]) -> StripeError:
    return StripeError(f"This property cannot be expanded ({'.'.join(path)}).", param="expand")


def check_client_expand(paths: list[str]) -> None:
    """A publishable key may expand only what Stripe.js needs."""
    for path in paths:
        if path not in CLIENT_EXPANDABLE:
            raise StripeError(
                f"This property cannot be expanded ({path}) with a publishable key. Expand it in a request "
                "made with your secret key.",
                param="expand",
            )


def client_view(value: Any) -> Any:
    """What a publishable key may see, nested objects included: the client-visible fields of
    the objects in CLIENT_VISIBLE, only the ID of any other object."""
    if isinstance(value, list):
        return [client_view(v) for v in value]
    if not isinstance(value, dict):
        return value
    kind = value.get("object")
    if isinstance(kind, str) and "id" in value:
        visible = CLIENT_VISIBLE.get(kind)
        if visible is None:
            return value["id"]
        own = {value.get("type")} if kind in schema.PER_TYPE_OBJECTS else set()
        return {k: client_view(v) for k, v in value.items() if k in visible or k in own}
    return {k: client_view(v) for k, v in value.items()}


def search_page(params: dict[str, Any]) -> int:
    """Where a search page starts: ``page`` is the ``next_page`` token of the previous result."""
    page = params.get("page") or "0"
    if not re.fullmatch(r"[0-9]{1,9}", page):
        raise StripeError(
            f"Invalid page: {shorten(page, 50)}. Pass the next_page value of the previous search result.",
            param="page",
        )
    return int(page)


def page_limit(params: dict[str, Any]) -> int:
    """``limit`` of a list or search: 1-100, 10 by default."""
    limit = params.get("limit", 10)
    if not 1 <= limit <= 100:
        raise StripeError(
            "Invalid limit: must be between 1 and 100", code="parameter_invalid_integer", param="limit"
        )
    return limit


@dataclass
class ApiRequest:
    store: AccountStore
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
    browser_base: Callable[[], str]  # where a browser reaches the sandbox: asked only when an answer has a URL
    client_ip: str = "127.0.0.1"
    user_agent: str = ""
    webhook_hosts: frozenset[str] = frozenset()  # hosts beyond this machine (``serve --webhook-host``)

    @property
    def publishable(self) -> bool:
        return self.key_kind == "publishable"

    @cached_property
    def base_url(self) -> str:
        return self.browser_base()

    def now(self) -> int:
        return int(time.time())

    # ------------------------------------------------------------------ output

    def render(self, obj: dict[str, Any], expand: list[str] | None = None) -> dict[str, Any]:
        """The response body: expanded, includable fields added, in the request's version."""
        paths = self.params.get("expand", []) if expand is None else expand
        out = self._expand(obj, [p.split(".") for p in paths], 0, None, [])
        if self.publishable:
            out = client_view(out)
        return versions.downgrade_response(self.api_version, out)

    def _expand(self, obj: Any, paths: list[list[str]], depth: int, cls: type | None, at: list[str]) -> Any:
        """``obj`` with ``paths`` expanded. ``cls``: stripe-python's class of a nested hash
        (objects name theirs in ``object``); ``at``: the path so far, for error messages."""
        if isinstance(obj, list):
            return [self._expand(o, paths, depth, cls, at) for o in obj]
        if not isinstance(obj, dict):
            return obj
        out = {k: v for k, v in obj.items() if not k.startswith("_")}
        # An object names its type in ``object``; an event's ``data.object`` is the object itself.
        object_type = out.get("object") if isinstance(out.get("object"), str) else None
        if object_type in ("list", "search_result"):
            for path in paths:
                if len(path) < 2 or path[0] != "data":
                    raise not_expandable([*at, *path])
            inner = [p[1:] for p in paths]
            out["data"] = [self._expand(o, inner, depth, None, [*at, "data"]) for o in out.get("data", [])]
            return out
        cls = schema.class_of(object_type) or cls
        heads: dict[str, list[list[str]]] = {}
        for path in paths:
            heads.setdefault(path[0], []).append(path[1:])
        for name, rest in heads.items():
            if depth >= MAX_EXPAND_DEPTH:
                raise StripeError(
                    "You cannot expand more than 4 levels of a property.", param="expand"
                )
            value, inner_cls = out.get(name), None
            loader = INCLUDERS.get((object_type, name))
            if loader is not None:
                value = loader(self, obj)
            elif cls is not None and name in schema.expandable_fields(cls):
                value = self._load(value)
            elif rest and all(rest) and (
                isinstance(value, dict) and "object" in value  # an object or a list inside this one
                or cls is not None and isinstance(value, dict | list) and (inner_cls := schema.nested_class(cls, name))
            ):
                pass  # on the way to an expandable field (items.data.price.product, invoice_settings.…)
            else:
                raise not_expandable([*at, name])
            out[name] = self._expand(value, [r for r in rest if r], depth + 1, inner_cls, [*at, name])
        return out

    def _load(self, value: Any) -> Any:
        """An expandable field's object(s) for its ID(s); a dangling ID stays an ID."""
        if isinstance(value, list):
            return [self._load(v) for v in value]
        if isinstance(value, str):
            return self.store.find(value) or value
        return value

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
        limit = page_limit(self.params)
        after, before = self.params.get("starting_after"), self.params.get("ending_before")
        if after and before:
            raise StripeError(
                "You may only specify one of these parameters: ending_before, starting_after.",
                code="parameters_exclusive",
                param="ending_before",
            )
        cursor_id = after or before
        cursor = self._cursor(object_type, cursor_id, "starting_after" if after else "ending_before")
        want = limit + 1
        created = None
        if getattr(accept, "bounds", None) is not None:  # a CreatedRange: SQL applies it
            created, accept = accept.bounds, None
        window = {
            "before_seq": cursor if after else None, "after_seq": cursor if before else None,
            "created": created, "newest_first": not before,
        }
        if accept is None:
            rows = self.store.query(object_type, where, limit=want, **window)
        else:  # a filter SQL cannot express: scan in order
            rows = [r for r in self.store.query(object_type, where, **window) if accept(r)][:want]
        has_more = len(rows) > limit
        rows = rows[:limit]
        if before:
            rows.reverse()
        return {"object": "list", "data": rows, "has_more": has_more, "url": url or self.path}

    def _cursor(self, object_type: str, cursor_id: str | None, param: str) -> int | None:
        """The list position of ``starting_after``/``ending_before``: an object of the listed type."""
        if not cursor_id:
            return None
        found = self.store.find(cursor_id)
        if found is None or found.get("object") != object_type:
            raise missing(NAMES.get(object_type, object_type), cursor_id, param)
        return self.store.seq_of(cursor_id)

    def shape(self, object_type: str, data: dict[str, Any]) -> dict[str, Any]:
        return schema.shape(object_type, data)


@dataclass
class Actor:
    """Who changes state outside an API request (a hosted page, a test clock): no request id."""

    store: AccountStore
    account_version: str
    request_id: str | None = None
    idempotency_key: str | None = None
    clock: int | None = None

    def now(self) -> int:
        return self.clock if self.clock is not None else int(time.time())

    def shape(self, object_type: str, data: dict[str, Any]) -> dict[str, Any]:
        return schema.shape(object_type, data)
