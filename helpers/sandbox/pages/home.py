"""The sandbox's root page: what this server is, whether it is healthy, where the tutorial is."""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Stripe sandbox</title>
<style>body {{ font-family: system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; }}
code {{ background: #f3f3f3; padding: 0 .2em; }}</style></head><body>
<h1>Stripe sandbox</h1>
<p>The offline stand-in for the part of the Stripe API that the tutorial
<b>Amazon Pay subscriptions, hands-on</b> uses. It answers like <code>api.stripe.com</code> under
<code>/v1/…</code>, for the notebooks and their <code>stripe</code> SDK; there is nothing to do on this page.</p>
<ul>
<li>Health: <a href="health">health</a> · API version <code>{version}</code> · {objects} objects stored</li>
<li>The tutorial: open JupyterLab (<code>make lab</code>) and start with
<code>notebooks/00_start_here.ipynb</code>.</li>
<li>Stripe.js stand-in: <a href="js/stripe.js">js/stripe.js</a></li>
</ul></body></html>"""


def routes(sandbox) -> list[Route]:
    def home(request: Request) -> Response:  # sync: Starlette runs it in a thread (SQLite)
        return HTMLResponse(PAGE.format(version=escape(sandbox.account_version),
                                        objects=sandbox.room.count_objects()))

    return [Route("/", home)]
