"""The trainer's live view of the room (``/trainer/``): one row per learner's account, one
column per step of the guide, each learner's exercises and last error, refreshed every few
seconds from ``/trainer/progress`` (JSON) by ``static/trainer.js``.

Signing in takes the trainer token the sandbox printed at start: typed into the form at
``/trainer/login``, or carried in the fragment of the link ``serve --classroom`` prints
(``/trainer/login#token=…``, which no server or log sees). It is compared in constant time and
leads to an HttpOnly, SameSite=Strict cookie (``signin.py``). Scripts may read the JSON with
the token in the ``X-Sandbox-Trainer-Token`` header instead.
"""

from __future__ import annotations

import time

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..classroom import guide_steps, lessons
from ..classroom.control import form_fields, is_trainer_token
from ..shared.contract import TRAINER_HEADER
from . import signin, views
from .hosted import same_origin

PURPOSE = "trainer"
POLL_SECONDS = 2
TITLE = "Trainer's view – sign in"
INTRO = ("Paste the trainer token that the classroom sandbox printed when it started "
         "(python -m helpers.sandbox serve --classroom), or open the link it printed.")


def progress(sandbox) -> dict:
    """Every account's steps done, exercises passed, last error (and whether a lesson causes it on
    purpose) and last request."""
    done = guide_steps.done_by_account(sandbox.room)
    learners = []
    for account in sandbox.accounts.all():
        activity = sandbox.activity
        last_error, last_request = activity.last_error(account.id), activity.last_request(account.id)
        exercises = activity.exercises(account.id)
        learners.append({
            "id": account.id,
            "display_name": account.display_name,
            "done": [step.key for step in guide_steps.STEPS if step.key in done.get(account.id, ())],
            "exercises": exercises.as_dict() if exercises else None,
            "last_error": {**last_error.as_dict(), "expected": lessons.expected(last_error.as_dict())}
            if last_error else None,
            "last_request": last_request.as_dict() if last_request else None,
        })
    return {
        "now": time.time(),
        "steps": [{"key": s.key, "title": s.title, "german": s.german} for s in guide_steps.STEPS],
        "learners": learners,
    }


def routes(sandbox) -> list[Route]:
    signer = signin.Signer()

    def signed_in(request: Request) -> bool:
        return signin.session(request, signer, PURPOSE) == PURPOSE

    def login_form(request: Request, message: str = "", status: int = 200) -> Response:
        return views.login_page(request, title=TITLE, intro=INTRO, secret_field=True, message=message,
                                status=status)

    async def home(request: Request) -> Response:
        if not signed_in(request):
            return RedirectResponse("login", status_code=303)
        return views.render(request, "trainer.html", {
            "steps": guide_steps.STEPS, "poll_seconds": POLL_SECONDS, "static": "../_sandbox/static",
        })

    async def login(request: Request) -> Response:
        if request.method == "GET":
            return login_form(request)
        if not same_origin(request):
            return login_form(request, "Sign in from this page itself.", 403)
        token = dict(await form_fields(request)).get("token", "").strip()
        if not is_trainer_token(sandbox, token):
            return login_form(request, "That is not the trainer token. Copy it again from where the sandbox "
                              "started (or from <database>.trainer-token beside its database).", 403)
        response = RedirectResponse("./", status_code=303)
        signin.start_session(response, request, signer, PURPOSE, PURPOSE)
        return response

    async def logout(request: Request) -> Response:
        if not same_origin(request):
            return login_form(request, "Sign out from this page itself.", 403)
        response = RedirectResponse("login", status_code=303)
        response.delete_cookie(signin.cookie_name(request, PURPOSE), path=None)
        return response

    async def progress_json(request: Request) -> Response:
        if not (signed_in(request) or is_trainer_token(sandbox, request.headers.get(TRAINER_HEADER, ""))):
            return JSONResponse({"error": {"type": "invalid_request_error",
                                           "message": "Sign in to the trainer's view again (trainer/login)."}},
                                status_code=403, headers=views.HEADERS)
        return JSONResponse(await run_in_threadpool(progress, sandbox), headers=views.HEADERS)

    return [
        Route("/trainer", views.redirect_to("trainer/")),
        Route("/trainer/", home),
        Route("/trainer/login", login, methods=["GET", "POST"]),
        Route("/trainer/logout", logout, methods=["POST"]),
        Route("/trainer/progress", progress_json),
    ]
