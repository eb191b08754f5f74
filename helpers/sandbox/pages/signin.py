"""Signing in to the sandbox's own pages (the learner's Dashboard, the trainer's view).

A browser never sees an API key. It signs in once with a short-lived token and then carries a
session cookie:

* **Tokens** are signed by this process (HMAC-SHA256 with a key made at start, kept in memory):
  ``<payload>.<mac>``, the payload naming a purpose (``dashboard-link``, ``dashboard``,
  ``trainer``), a subject (the account) and an expiry. A restarted sandbox forgets its key, so
  old tokens and cookies stop working and the learner asks for a new link.
* **Links** put the token in the URL's fragment (``…/dashboard/login#token=…``), which browsers
  never send to a server, so no access log or proxy keeps it; the login page's script moves it
  into a form POST and removes it from the address bar and history.
* **Cookies** are ``HttpOnly`` and ``SameSite=Strict``, without a ``Path``: the browser scopes
  them to the login URL's directory (``/dashboard`` or ``/trainer``, also behind a proxy's path
  prefix). Their name carries the sandbox's port, since cookies are shared between the ports
  of one host.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time

from starlette.requests import Request
from starlette.responses import Response

LINK_SECONDS = 15 * 60  # a link the learner's helpers print
SESSION_SECONDS = 12 * 3600  # the cookie a link or the trainer's token leads to


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Issues and checks this process's tokens."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def issue(self, purpose: str, subject: str, seconds: int) -> tuple[str, int]:
        """(token, expiry as a Unix time)."""
        expires = int(time.time()) + seconds
        payload = _b64(json.dumps([purpose, subject, expires]).encode())
        return f"{payload}.{self._mac(payload)}", expires

    def subject(self, purpose: str, token: str | None) -> str | None:
        """The subject of a valid, unexpired token for ``purpose``; None for anything else."""
        payload, _, mac = (token or "").partition(".")
        if not payload or not hmac.compare_digest(mac, self._mac(payload)):
            return None
        try:
            kind, subject, expires = json.loads(_unb64(payload))
        except (ValueError, TypeError):
            return None
        if kind != purpose or not isinstance(subject, str) or not isinstance(expires, int) or expires < time.time():
            return None
        return subject


def cookie_name(request: Request, purpose: str) -> str:
    """``sandbox_<purpose>_<port>``: one cookie per sandbox, also when two share a host."""
    server = request.scope.get("server") or ("", 0)
    return f"sandbox_{purpose}_{server[1] or 0}"


def session(request: Request, signer: Signer, purpose: str) -> str | None:
    """The subject of the request's session cookie for ``purpose``, if it is valid."""
    return signer.subject(purpose, request.cookies.get(cookie_name(request, purpose)))


def start_session(response: Response, request: Request, signer: Signer, purpose: str, subject: str) -> None:
    token, _ = signer.issue(purpose, subject, SESSION_SECONDS)
    response.set_cookie(
        cookie_name(request, purpose), token, max_age=SESSION_SECONDS, path=None, httponly=True,
        samesite="strict", secure=request.url.scheme == "https",
    )
