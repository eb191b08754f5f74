"""Webhook endpoints: where events are sent. The signing secret is shown on create only."""

from __future__ import annotations

import urllib.parse
from typing import Any

from ..api import versions
from ..api.context import ApiRequest
from ..api.router import api
from ..shared.errors import StripeError, shorten
from ..shared.guards import is_loopback
from ..shared.ids import new_id, random_token
from .common import deleted, metadata


def _invalid(message: str) -> StripeError:
    return StripeError(message, code="url_invalid", param="url")


def _checked_url(req: ApiRequest, url: str) -> str:
    """An http(s) URL on this machine (the learner's own receiver, ``stripe listen``'s role
    offline), or on a host that ``serve --webhook-host`` allows. No user:password part: the
    sandbox would send it as Basic auth to wherever the URL points."""
    try:
        parts = urllib.parse.urlsplit(url)
        host, _ = parts.hostname, parts.port
    except ValueError:
        host, parts = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise _invalid(f"Invalid URL: {shorten(url)}. A webhook endpoint needs an http(s) URL.")
    if parts.username is not None or parts.password is not None:
        raise _invalid("Invalid URL: a webhook endpoint's URL may not contain a user name or password.")
    if not is_loopback(host) and host not in req.webhook_hosts:
        raise _invalid(
            f"The offline sandbox delivers webhooks to this machine only (localhost, 127.0.0.1, ::1), so it "
            f"does not send events to {shorten(host, 100)}. Point the endpoint at your local receiver, or start "
            f"the sandbox with `python -m helpers.sandbox serve --webhook-host {shorten(host, 100)}`."
        )
    return url


def _checked_version(version: str) -> str:
    """The version the endpoint's events are rendered at; any refusal names ``api_version``, as
    the schema's own refusal of an unlisted version does."""
    try:
        return versions.check(version)
    except StripeError as refused:
        refused.param = "api_version"
        raise


@api.route("POST", "/v1/webhook_endpoints", "WebhookEndpointCreateParams")
def create(req: ApiRequest) -> dict[str, Any]:
    p = req.params
    if p.get("connect"):
        raise StripeError("The offline sandbox has no connected accounts; leave connect out.", param="connect")
    api_version = _checked_version(p["api_version"]) if p.get("api_version") else None
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
        "url": _checked_url(req, p["url"]),
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
        endpoint["url"] = _checked_url(req, p["url"])
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
    req.store.deliveries.cancel(endpoint["id"])
    return deleted("webhook_endpoint", endpoint["id"])


@api.route("GET", "/v1/webhook_endpoints", "WebhookEndpointListParams")
def list_endpoints(req: ApiRequest) -> dict[str, Any]:
    return req.list_of("webhook_endpoint")
