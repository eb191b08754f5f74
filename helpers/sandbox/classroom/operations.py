"""``GET /_sandbox/operations``: what this sandbox answers, for clients that ask as a client does
(the tutorial's API explorer): each route of the API with its stripe-python params class, and the
API versions it models (the newest, each version change's first version, and the release before
the oldest change), with the account default. No key needed: it says nothing about any account.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..api import versions
from ..api.router import api

# The release before the oldest version change the sandbox models (2026-07-29.dahlia): Stripe's
# monthly release a month earlier, which stripe-python 15.3.1 pinned (its stripe/_api_version.py).
BEFORE_THE_CHANGES = "2026-06-24.dahlia"


def modelled_versions() -> list[dict[str, str]]:
    """Newest first: each version that behaves differently, with what it changed."""
    found = [{"version": versions.LATEST, "title": "The newest version this sandbox knows"}]
    for change in versions.changes():
        if change.version != versions.LATEST:
            found.append({"version": change.version, "title": change.title})
    found.append({"version": BEFORE_THE_CHANGES,
                  "title": "Before " + " and ".join(c.version for c in reversed(versions.changes()))})
    return found


def routes(sandbox) -> list[Route]:
    def operations(request: Request) -> Response:
        return JSONResponse({
            "operations": [
                {"method": r.method, "path": r.pattern, "params": r.params, "publishable": r.publishable}
                for r in api.routes
            ],
            "api_versions": modelled_versions(),
            "default_api_version": sandbox.account_version,
        })

    return [Route("/_sandbox/operations", operations, methods=["GET"])]
