"""The sandbox's public URL: the Host rule's settings for it (the rule itself is
``shared/guards.py``, which the checkout server uses too), and the path prefix a proxy in front
of a hub service forwards."""

from __future__ import annotations

import urllib.parse
from typing import Any


def host_rule(public_url: str | None, allowed_hosts: tuple[str, ...]) -> dict[str, Any]:
    """``HostCheck``'s settings: the public URL's host and ``--allow-host`` names; its path, when
    the public URL is only a path (jupyter-server-proxy's ``/user/<name>/proxy/<port>``)."""
    parts = urllib.parse.urlsplit(public_url or "")
    proxy_path = (public_url or "").rstrip("/") if public_url and not parts.netloc else None
    return {"names": (parts.hostname or "", *allowed_hosts), "proxy_path": proxy_path, "who": "The sandbox"}


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
