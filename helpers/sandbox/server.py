"""The sandbox's ASGI app, composed: the API pipeline (``api/``), the resources that register its
routes, the pages a browser sees, the classroom's routes, and the background workers (test
clocks, webhook delivery). ``python -m helpers.sandbox serve`` runs it with uvicorn."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable

import anyio.to_thread
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route

from . import resources
from .api import schema, versions
from .api.context import SITE, Site
from .api.hosts import StripPublicPrefix, host_rule
from .api.pipeline import (
    ANSWERED_AS,
    METHODS,
    WORKER_THREADS,
    BrowserCORS,
    Sandbox,
    log_bug,
    not_found,
)
from .api.router import api
from .classroom import control, operations
from .classroom.learners import Learners
from .pages import dashboard, home, hosted, invoice_pages, signin, trainer, views
from .resources import test_clocks, webhooks
from .shared.contract import SERVICE, instance_id
from .shared.guards import BodyLimit, HostCheck
from .state.database import Database

assert resources  # importing the package registers the API's routes

# The largest body of a route outside /v1 (the sign-in forms, the hosted pages' buttons, the
# /_sandbox routes): a few hundred bytes in use; the sandbox's own limit.
MAX_FORM_BYTES = 64 * 1024


class OneLineErrors:
    """ASGI middleware: a bug in a route outside /v1 (a page, a /_sandbox route) is one line in the
    log and a plain 500, not a traceback (/v1 answers its bugs in Stripe's envelope itself)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive, send) -> None:
        started = False

        async def sending(message: dict) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as bug:  # noqa: BLE001 - answered and logged here, in one line
            if scope["type"] != "http":
                raise
            log_bug(Request(scope), bug)
            if not started:
                await PlainTextResponse("The sandbox hit a bug (its log names it).", status_code=500)(scope, receive, send)


def create_app(
    db: Database, account_version: str | None = None, public_url: str | None = None,
    webhook_hosts: Iterable[str] = (), *, classroom: bool = False, trainer_token: str | None = None,
    allowed_hosts: Iterable[str] = (), announce_public_url: bool = False, remote_clients: bool = False,
    new_accounts_per_minute: int | None = None,
) -> Starlette:
    """The app. ``public_url``: the sandbox's address for browsers (``serve`` passes its own
    address, or, behind jupyter-server-proxy on JupyterHub, ``/user/<name>/proxy/<port>``);
    without it, the request's. ``webhook_hosts``: hosts other than this machine that webhook
    endpoints may target. ``classroom``: one sandbox for a room (the demo key refused);
    ``trainer_token``: what the trainer's requests carry (made up when not given).
    ``allowed_hosts``: Host names answered besides loopback and the public URL's.
    ``announce_public_url``: ``/health`` tells clients the public URL (``serve --public-url``:
    learners' notebooks then send browsers there). ``remote_clients``: the sandbox listens
    beyond loopback (``serve --host``), so a learner's reset may come from another machine.
    ``new_accounts_per_minute``: a classroom's limit on new accounts per client address."""
    sandbox = Sandbox(db, account_version or versions.LATEST, public_url, webhook_hosts,
                      classroom=classroom, trainer_token=trainer_token, remote_clients=remote_clients,
                      new_accounts_per_minute=new_accounts_per_minute)
    learners = Learners(sandbox.room, sandbox.activity, sandbox.accounts)  # what the trainer's view shows
    dashboard_signer = signin.Signer()  # the learners' Dashboard links (the trainer's too)
    SITE.base_url = (public_url or Site.base_url).rstrip("/")
    db.start_housekeeping()  # search indexing and WAL checkpoints, off the requests' path
    threading.Thread(target=schema.warm, args=({r.params for r in api.routes if r.params},),
                     name="sandbox-warm-up", daemon=True).start()  # no learner waits for a first use
    webhooks.start(sandbox.room)  # the background webhook delivery thread
    test_clocks.start(sandbox.room, sandbox.account_version)  # the thread that advances test clocks

    async def health(request: Request) -> Response:
        return JSONResponse(
            {
                "status": "ok",
                "service": SERVICE,
                "api_version": sandbox.account_version,
                "objects": sandbox.room.count_objects(),
                "pid": os.getpid(),  # lets `stop` check that a recorded pid is still this sandbox
                "instance": instance_id(db.path),  # whose sandbox, on a shared machine
                "classroom": sandbox.classroom,
                "public_url": public_url if announce_public_url else None,
            }
        )

    routes = [
        # The API first: no other route is under /v1, and Starlette tries routes in order.
        Route("/v1/{path:path}", sandbox.handle, methods=METHODS),  # the handler answers unknown methods
        Route("/health", health),
        *home.routes(sandbox),
        *hosted.routes(sandbox),
        *invoice_pages.routes(sandbox),
        *control.routes(sandbox, learners),
        *operations.routes(sandbox),  # what it answers, for the tutorial's API explorer
        *dashboard.routes(sandbox, dashboard_signer),  # the learner's Dashboard
        *trainer.routes(sandbox, learners, dashboard_signer),  # the trainer's live view
        Mount(views.STATIC_PATH, views.STATIC),  # their scripts and styles
        Route("/favicon.ico", views.no_favicon),  # their icon is a <link>; others' asks need no 404
        Route("/{path:path}", not_found, methods=METHODS),
    ]
    # Stripe.js calls the API from the merchant's page (another origin), as it does at Stripe. It
    # sends the publishable key as ``key=`` in the body, so no page may send an Authorization
    # header (a secret key) cross-origin.
    cors = Middleware(
        BrowserCORS, allow_origins=["*"], allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Content-Type", "Stripe-Version", "Idempotency-Key"],
        expose_headers=["Request-Id", "Stripe-Version", ANSWERED_AS],
    )
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        # Requests wait their turn in the event loop rather than as threads that all want
        # Python at once: the one holding the write lock then gets it (a room's burst).
        anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
        yield

    app = Starlette(routes=routes, lifespan=lifespan, middleware=[
        Middleware(OneLineErrors),
        Middleware(HostCheck, **host_rule(public_url, tuple(allowed_hosts))),
        Middleware(StripPublicPrefix, public_url=public_url),
        # /v1 reads its body itself (1 MB, 413 in Stripe's envelope); every other route's is a form
        Middleware(BodyLimit, limit=MAX_FORM_BYTES, skip=("/v1/",), who="The sandbox"), cors,
    ])
    app.state.sandbox = sandbox
    app.state.learners = learners
    return app
