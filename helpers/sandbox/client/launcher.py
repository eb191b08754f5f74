"""JupyterLab launcher entries for the sandbox, through jupyter-server-proxy.

jupyter-server-proxy reads the ``jupyter_serverproxy_servers`` entry points (pyproject.toml)
when Jupyter starts, and shows each server process in JupyterLab's launcher (its docs:
"Specifying config from python packages", server-process.md). Clicking one opens
``<base_url><name>/`` in a new tab; on first use it starts the process with ``{port}`` filled in.

The sandbox itself cannot be that process: the notebooks start it too, on the port they
choose (12111, or a free one when that is someone else's), and one sandbox serves one state
directory. So the entry starts a small front door (``python -m helpers.sandbox launcher``): it
starts or finds the learner's sandbox exactly as a notebook would (or uses the classroom's,
``TUTORIAL_SANDBOX_URL``), then sends the browser on to it, through the hub's proxy where
there is one; to the Dashboard with this learner's sign-in link (the same state directory, so
the same key, as the notebooks). Its page sends the browser on with a link, not an HTTP redirect:
jupyter-server-proxy 4.5+ rewrites a ``Location`` that starts with ``/``.
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

ICON = str(Path(__file__).parents[1] / "pages" / "static" / "sandbox-icon.svg")  # the pages' icon, too

# Pages of the sandbox that get a launcher entry: (entry point name, title, path on the sandbox).
# The learner's Dashboard is a page of the sandbox (issue 12).
DASHBOARD_PATH = "dashboard"


def _server(title: str, path: str) -> dict:
    """A jupyter-server-proxy server process: the front door, opened at ``path``."""
    return {
        "command": [sys.executable, "-m", "helpers.sandbox", "launcher", "--port", "{port}"],
        "timeout": 30,  # the front door answers once the sandbox is up (a few seconds at most)
        "launcher_entry": {"title": title, "icon_path": ICON, "path_info": f"stripe-sandbox/{path}"},
        "new_browser_tab": True,
    }


def sandbox() -> dict:
    """Entry point ``stripe-sandbox``: the sandbox's own page (health, API version, Stripe.js)."""
    return _server("Stripe sandbox", "")


def dashboard() -> dict:
    """Entry point ``stripe-dashboard``: the learner's Dashboard. Its launcher entry opens it
    through the ``stripe-sandbox`` front door, so one process serves both entries."""
    return _server("Stripe Dashboard (sandbox)", DASHBOARD_PATH)


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
{refresh}<style>body {{ font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; }}</style>
</head><body><h1>{title}</h1><p>{text}</p></body></html>"""


def target(browser_base: str, path: str, query: str = "") -> str:
    """The sandbox page ``path`` for the browser, from the sandbox's browser address."""
    return browser_base.rstrip("/") + "/" + path.lstrip("/") + (f"?{query}" if query else "")


def app():  # -> Starlette
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    from helpers import settings
    from helpers.problems import Problem

    def where(path: str, query: str) -> str:
        base = settings.sandbox_browser_url(settings.sandbox_url())  # starts the sandbox if need be
        if path.strip("/") == DASHBOARD_PATH:  # signed in as this learner, as dashboard.open() does
            from . import control

            return target(base, control.dashboard_link()[0])
        return target(base, path, query)

    async def open_page(request: Request) -> HTMLResponse:
        try:
            url = await run_in_threadpool(where, request.path_params["path"], request.url.query)
        except (Problem, OSError, RuntimeError, ValueError) as error:
            text = f"The sandbox could not be started or asked: {error}"
            return HTMLResponse(PAGE.format(title="Stripe sandbox", refresh="", text=html.escape(text)), 503)
        url = html.escape(url)
        return HTMLResponse(PAGE.format(
            title="Opening the Stripe sandbox", refresh=f'<meta http-equiv="refresh" content="0; url={url}">',
            text=f'Your sandbox is running. If this page stays, <a id="open" href="{url}">open it here</a>.',
        ))

    return Starlette(routes=[Route("/{path:path}", open_page)])


def serve(port: int) -> int:
    import uvicorn

    uvicorn.run(app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    return 0
