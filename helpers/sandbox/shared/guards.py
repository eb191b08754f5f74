"""What both of the tutorial's HTTP servers (the sandbox, and the merchant's checkout server in
the kernel) check before a request reaches a route: one Host rule, and a cap on the body.

Both are plain ASGI middleware (standard library only), so that the server's side and the
tutorial's side use the same code.

**The Host rule.** DNS rebinding: a web page on ``evil.example`` whose name later resolves to
127.0.0.1 talks to a local server as its own origin, but its requests still carry
``Host: evil.example``. So a request is answered only when it has exactly one ``Host`` header
(two would be checked one way and used another) naming a loopback address (``127.0.0.1``,
``localhost``, ``::1``) or a name the server was configured with (a sandbox's public URL,
``serve --allow-host``). Behind a JupyterHub's jupyter-server-proxy the browser's request keeps
the hub's ``Host``, and the proxy adds ``X-Forwarded-Context: /user/<name>/proxy/<port>``: that
exact path (one header) is accepted as well. (A page on the hub's own machine that knows the path
could send it too; on a hub no learner's browser runs there.)

**The body cap.** A body is read up to a limit before any route sees it: a larger one gets 413
as soon as that is known (from ``Content-Length``, or while it streams in), and what was read is
handed to the route, which then never reads past the limit.
"""

from __future__ import annotations

import ipaddress
import json
import urllib.parse
from collections.abc import Callable
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


async def _refuse(send: Any, status: int, message: str) -> None:
    """Answer in the error envelope both servers use: ``{"error": {"type", "message"}}``."""
    body = json.dumps({"error": {"type": "invalid_request_error", "message": message}}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]})
    await send({"type": "http.response.body", "body": body})


def _values(scope: dict, name: bytes) -> list[bytes]:
    return [value for key, value in scope["headers"] if key == name]


class HostCheck:
    """ASGI middleware: the Host rule above. ``names``: further host names to answer;
    ``proxy_path``: the jupyter-server-proxy path that may come with another Host (or a function
    of the request's scope that gives it, for a server that learns its port when it starts);
    ``who``: the server, as the refusal names it."""

    def __init__(self, app: Any, *, names: tuple[str, ...] = (),
                 proxy_path: str | Callable[[dict], str | None] | None = None, who: str = "This server") -> None:
        self.app = app
        self.names = frozenset(name.lower() for name in names if name)
        self.proxy_path = proxy_path
        self.who = who

    def allowed(self, scope: dict) -> bool:
        hosts = _values(scope, b"host")
        if len(hosts) != 1:
            return False
        name = hostname(hosts[0].decode("latin-1"))
        if is_loopback(name) or name in self.names:
            return True
        path = self.proxy_path(scope) if callable(self.proxy_path) else self.proxy_path
        contexts = _values(scope, b"x-forwarded-context")
        return bool(path) and len(contexts) == 1 and contexts[0].decode("latin-1").rstrip("/") == path.rstrip("/")

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.allowed(scope):
            await self.app(scope, receive, send)
            return
        await _refuse(send, 400, (
            f"{self.who} answers requests for 127.0.0.1, localhost or ::1 only (or the names it was configured "
            "with), in one Host header: this request names another host, or more than one. "
            "Use http://127.0.0.1:<port>."))


class BodyLimit:
    """ASGI middleware: the body cap above, ``limit`` bytes, for every path except those under
    ``skip`` (which read theirs with a limit of their own)."""

    def __init__(self, app: Any, *, limit: int, skip: tuple[str, ...] = (), who: str = "This server") -> None:
        self.app, self.limit, self.skip, self.who = app, limit, skip, who

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(self.skip):
            await self.app(scope, receive, send)
            return
        too_large = f"{self.who} reads request bodies of at most {self.limit:,} bytes; this one is larger."
        declared = _values(scope, b"content-length")
        if declared and declared[0].isdigit() and int(declared[0]) > self.limit:
            await _refuse(send, 413, too_large)
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await _refuse(send, 413, too_large)
                return
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        body, handed = b"".join(chunks), False

        async def replay() -> dict:
            nonlocal handed
            if not handed:
                handed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: a disconnect, when it comes

        await self.app(scope, replay, send)
