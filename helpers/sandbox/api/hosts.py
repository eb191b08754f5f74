"""Which ``Host`` the sandbox answers to, and which hosts its webhooks may reach.

DNS rebinding: a web page on ``evil.example`` whose name later resolves to 127.0.0.1 talks to
the sandbox as its own origin. Its requests still carry ``Host: evil.example``, so the sandbox
answers loopback names only, plus the host of its configured public URL. Behind a JupyterHub's
jupyter-server-proxy (a public URL that is a path, ``/user/<name>/proxy/<port>``), the proxy
keeps the hub's ``Host`` and names the path in ``X-Forwarded-Context``: that path must match.
"""

from __future__ import annotations

import ipaddress
import json
import urllib.parse
from typing import Any

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def hostname(netloc: str) -> str:
    """``"LocalHost:12111"`` -> ``"localhost"``, ``"[::1]:80"`` -> ``"::1"`` ("" if unparsable)."""
    try:
        return urllib.parse.urlsplit("//" + netloc).hostname or ""
    except ValueError:
        return ""


def is_loopback(name: str) -> bool:
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class HostCheck:
    """ASGI middleware: a request for any other Host gets 400 in Stripe's error envelope.
    ``allowed_hosts``: further names (a classroom sandbox that other machines reach by name,
    ``serve --allow-host``)."""

    def __init__(self, app: Any, public_url: str | None = None, allowed_hosts: tuple[str, ...] = ()) -> None:
        self.app = app
        parts = urllib.parse.urlsplit(public_url or "")
        self.public_host = parts.hostname or ""
        self.proxy_path = (public_url or "").rstrip("/") if not parts.netloc and public_url else ""
        self.allowed_hosts = frozenset(name.lower() for name in allowed_hosts)

    def allowed(self, headers: dict[bytes, bytes]) -> bool:
        name = hostname(headers.get(b"host", b"").decode("latin-1"))
        if is_loopback(name) or (self.public_host and name == self.public_host) or name in self.allowed_hosts:
            return True
        forwarded = headers.get(b"x-forwarded-context", b"").decode("latin-1").rstrip("/")
        return bool(self.proxy_path) and forwarded == self.proxy_path

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.allowed(dict(scope["headers"])):
            await self.app(scope, receive, send)
            return
        body = json.dumps({"error": {
            "type": "invalid_request_error",
            "message": "The sandbox answers requests for 127.0.0.1, localhost or ::1 only (or its configured "
            "public URL): this request's Host header names another host. Use http://127.0.0.1:<port>.",
        }}).encode()
        await send({"type": "http.response.start", "status": 400, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        ]})
        await send({"type": "http.response.body", "body": body})


VIA_PUBLIC_URL = "sandbox.via_public_url"  # in the scope of a request that came that way


class StripPublicPrefix:
    """ASGI middleware: a proxy that forwards the whole path (JupyterHub's proxy in front of a
    hub service: ``/services/<name>/v1/customers``) reaches the same routes as a direct request
    (``/v1/customers``). Without a path in the public URL, it does nothing."""

    def __init__(self, app: Any, public_url: str | None = None) -> None:
        self.app = app
        self.prefix = urllib.parse.urlsplit(public_url or "").path.rstrip("/")

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if self.prefix and scope["type"] == "http" and (path + "/").startswith(self.prefix + "/"):
            rest = path[len(self.prefix):] or "/"
            scope = {**scope, "path": rest, "raw_path": rest.encode(), VIA_PUBLIC_URL: True}
        await self.app(scope, receive, send)
