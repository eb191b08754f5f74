"""Webhook endpoints: where events are sent. The signing secret is shown on create only."""

from __future__ import annotations

import urllib.parse
from typing import Any

from .. import versions, webhooks
from ..context import ApiRequest
from ..errors import StripeError
from ..router import api
from ..store import new_id, random_token
from .common import deleted, metadata


def _checked_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise StripeError(f"Invalid URL: {url}. A webhook endpoint needs an http(s) URL.", code="url_invalid", param="url")
    return url


@api.route("POST", "/v1/webhook_endpoints", "WebhookEndpointCreateParams")
def create(req: ApiRequest) -> dict[str, Any]:
    p = req.params
    if p.get("connect"):
        raise StripeError("The offline sandbox has no connected accounts; leave connect out.", param="connect")
    api_version = versions.check(p["api_version"]) if p.get("api_version") else None
    secret = "whsec_" + random_token(32)
    endpoint = req.shape("webhook_endpoint", {
        "id": new_id("we", 24),
        "object": "webhook_endpoint",
        "api_version": api_version,
        "application": None,
        "created": req.now(),
        "description": p.get("description"),
        "enabled_events": list(p["enabled_events"]),
        "livemode": False,
        "metadata": metadata({}, p.get("metadata") or {}),
        "secret": None,
        "status": "enabled",
        "url": _checked_url(p["url"]),
        "_secret": secret,
    })
    req.store.insert(endpoint)
    return {**endpoint, "secret": secret}


@api.route("GET", "/v1/webhook_endpoints/{id}", "WebhookEndpointRetrieveParams")
def retrieve(req: ApiRequest) -> dict[str, Any]:
    return req.store.get("webhook_endpoint", req.args["id"])


@api.route("POST", "/v1/webhook_endpoints/{id}", "WebhookEndpointUpdateParams")
def update(req: ApiRequest) -> dict[str, Any]:
    endpoint = req.store.get("webhook_endpoint", req.args["id"])
    p = req.params
    if "url" in p:
        endpoint["url"] = _checked_url(p["url"])
    if "enabled_events" in p:
        endpoint["enabled_events"] = list(p["enabled_events"])
    if "description" in p:
        endpoint["description"] = p["description"]
    if "metadata" in p:
        endpoint["metadata"] = metadata(endpoint["metadata"], p["metadata"])
    if "disabled" in p:
        endpoint["status"] = "disabled" if p["disabled"] else "enabled"
    req.store.save(endpoint)
    return endpoint


@api.route("DELETE", "/v1/webhook_endpoints/{id}", "WebhookEndpointDeleteParams")
def delete(req: ApiRequest) -> dict[str, Any]:
    endpoint = req.store.get("webhook_endpoint", req.args["id"])
    req.store.delete(endpoint["id"])
    webhooks.cancel_for_endpoint(req.store, endpoint["id"])
    return deleted("webhook_endpoint", endpoint["id"])


@api.route("GET", "/v1/webhook_endpoints", "WebhookEndpointListParams")
def list_endpoints(req: ApiRequest) -> dict[str, Any]:
    return req.list_of("webhook_endpoint")
