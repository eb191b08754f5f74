"""Events: GET /v1/events (type, types[], created) and GET /v1/events/{id}."""

from __future__ import annotations

from typing import Any

from ..api.context import ApiRequest
from ..api.router import api
from ..shared.errors import StripeError
from ..state.account_store import Glob
from .common import created_filter


@api.route("GET", "/v1/events/{id}", "EventRetrieveParams")
def retrieve(req: ApiRequest) -> dict[str, Any]:
    return req.store.get("event", req.args["id"])


@api.route("GET", "/v1/events", "EventListParams")
def list_events(req: ApiRequest) -> dict[str, Any]:
    p = req.params
    if p.get("type") and p.get("types"):
        raise StripeError(
            "You may only specify one of these parameters: type, types.", code="parameters_exclusive", param="types"
        )
    patterns = p.get("types") or ([p["type"]] if p.get("type") else [])
    where: dict[str, Any] = {}
    if len(patterns) == 1 and "*" not in patterns[0]:
        where["type"] = patterns[0]
    elif patterns:  # Stripe's * wildcard as SQLite GLOB, its own special characters escaped
        where["type"] = Glob(tuple(pattern.replace("[", "[[]").replace("?", "[?]") for pattern in patterns))
    return req.list_of("event", where, accept=created_filter(req))
