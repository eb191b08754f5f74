"""What the sandbox's own pages share: the Jinja2 templates (``templates/``, autoescaped), the
login page, and the headers every such page carries.

Every link in a page is relative (``cus_…``, ``../i/…``), so the pages work the same on
``127.0.0.1:<port>`` and behind jupyter-server-proxy's ``/user/<name>/proxy/<port>/``.
Scripts and styles come from ``static/`` only: the Content-Security-Policy allows nothing
inline, so even a string that escaped its escaping could not run.
"""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

import jinja2
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

TEMPLATES = Jinja2Templates(env=jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
    undefined=jinja2.StrictUndefined,
))
STATIC = StaticFiles(directory=Path(__file__).parent / "static")
STATIC_PATH = "/_sandbox/static"

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # no-referrer would make a form post's Origin "null"
    "Cache-Control": "no-store",  # an account's objects: never kept in a shared cache
}

# What the login form may be sent back to: a page of the same section, never another site.
_NEXT = re.compile(r"[A-Za-z0-9_.-]{0,255}")


def render(request: Request, name: str, context: dict, status: int = 200) -> Response:
    response = TEMPLATES.TemplateResponse(request, name, context, status_code=status)
    response.headers.update(HEADERS)
    return response


def login_page(request: Request, *, title: str, intro: str, secret_field: bool, message: str = "",
               status: int = 200) -> Response:
    """The sign-in page of a section: a form for the trainer's token (``secret_field``), or a
    hidden one that the link's fragment fills (the Dashboard), posted by ``static/login.js``."""
    return render(request, "login.html", {
        "title": title, "intro": intro, "secret_field": secret_field, "message": message,
        "static": "../_sandbox/static",
    }, status)


def safe_next(value: str | None) -> str:
    """A page of the same section to go to after signing in ('' for its home)."""
    value = value or ""
    return urllib.parse.quote(value, safe="") if _NEXT.fullmatch(value) and value not in (".", "..") else ""


def redirect_to(target: str):
    """An endpoint that sends ``/section`` on to ``section/`` (relative: proxies keep their prefix)."""
    async def redirect(request: Request) -> Response:
        return RedirectResponse(target, status_code=307)

    return redirect


async def no_favicon(request: Request) -> Response:
    """``/favicon.ico``: nothing (204). The pages name their icon (``static/sandbox-icon.svg``)."""
    return Response(status_code=204, headers={"Cache-Control": "max-age=86400"})
