"""The trainer's live view of the room (``/trainer/``), made for a projector: one compact row per
learner, stuck learners first with how long they have been stuck, a cell per step of the guide
and per exercise (a symbol and a colour for every state), counts per column under a header
that stays in view, sticky notes, and a learner's details on click (the full error, their
request log, a read-only look at their Dashboard). ``static/trainer.js`` redraws it every few
seconds from ``/trainer/progress`` (JSON); ``/trainer/export.csv`` is the end-of-session table.
What it shows comes from ``classroom/learners.py``.

Signing in takes the trainer token the sandbox printed at start: typed into the form at
``/trainer/login``, or carried in the fragment of the link ``serve --classroom`` prints
(``/trainer/login#token=…``, which no server or log sees). It is compared in constant time and
leads to an HttpOnly, SameSite=Strict cookie (``signin.py``). Scripts may read the JSON with
the token in the ``X-Sandbox-Trainer-Token`` header instead.
"""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..classroom import exercises, guide_steps
from ..classroom.control import form_fields, is_trainer_token
from ..classroom.learners import Learners
from ..shared.contract import TRAINER_HEADER
from . import signin, views
from .dashboard import issue_link
from .hosted import same_origin

PURPOSE = "trainer"
POLL_SECONDS = 2
TITLE = "Trainer's view – sign in"
INTRO = ("Paste the trainer token that the classroom sandbox printed when it started "
         "(python -m helpers.sandbox serve --classroom), or open the link it printed.")
SHORT = {"product_price": "Price", "customer": "Customer", "setup_intent": "SetupIntent",
         "authorized": "Authorized", "subscription_active": "Subscribed", "renewal": "Renewal",
         "webhook": "Webhook"}
STEP_CELLS = {"done": "done", "failed": "failed", "expected": "expected", "tried": "tried", "todo": ""}
EXERCISE_CELLS = {"passed": "passed", "reported": "reported (not seen by the sandbox)", "failed": "failed",
                  "expected": "expected error", "tried": "tried", "todo": ""}


def columns() -> list[dict]:
    steps = [{"key": s.key, "kind": "step", "title": s.title, "short": SHORT[s.key], "german": s.german}
             for s in guide_steps.STEPS]
    return steps + [{"key": e.id, "kind": "exercise", "title": e.label, "short": e.id[:2], "german": ""}
                    for e in exercises.EXERCISES]


def order(learner: dict) -> tuple:
    """Stuck learners (by the room, or by their own note) first, longest stuck first; then a
    kernel that stopped answering; then everyone else by name; learners who are done last."""
    note = learner["note"] or {}
    if learner["state"] == "stuck" or note.get("kind") == "stuck":
        since = min(t for t in (learner["since"] if learner["state"] == "stuck" else None, note.get("at")) if t)
        return (0, since, "")
    name = (learner["display_name"] or "\uffff").casefold()
    if learner["state"] == "silent":
        return (1, 0, name)
    return (3 if note.get("kind") == "done" else 2, 0, name)


def progress(room: Learners, now: float | None = None) -> dict:
    """The room as the view draws it: columns, counts per column, learners in order."""
    now = time.time() if now is None else now
    learners = sorted(room.states(now), key=order)
    counts = {c["key"]: {"done": 0, "passed": 0, "reported": 0} for c in columns()}
    for learner in learners:
        for key, state in learner["cells"].items():
            if state in ("done", "passed", "reported"):
                counts[key][state] += 1
    return {
        "now": now, "poll_seconds": POLL_SECONDS, "columns": columns(), "counts": counts, "learners": learners,
        "summary": {"learners": len(learners),
                    "stuck": sum(learner["state"] == "stuck" for learner in learners),
                    "notes": sum((learner["note"] or {}).get("kind") == "stuck" for learner in learners),
                    "silent": sum(learner["state"] == "silent" for learner in learners)},
    }


def learner_detail(sandbox, room: Learners, account_id: str) -> dict | None:
    """One learner for the drill-down: their state, the latest outcome of each step and
    exercise, and their request log (newest first)."""
    found = next((learner for learner in room.states() if learner["id"] == account_id), None)
    if found is None:
        return None
    outcomes = room.outcomes_of(account_id)
    return {**found, "outcomes": outcomes,
            "requests": [r.as_dict() for r in reversed(sandbox.activity.recent(account_id))]}


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: a display name cannot start a formula."""
    shown = "" if value is None else str(value)
    return "'" + shown if shown[:1] in ("=", "+", "-", "@", "\t", "\r") else shown


def export_csv(room: Learners, now: float | None = None) -> str:
    """The end-of-session table: per learner, each step and exercise, the time stuck."""
    room.flush()
    room_now = progress(room, now)
    out = io.StringIO()
    writer = csv.writer(out)
    cols = room_now["columns"]
    writer.writerow(["learner", "account", "name shared with another learner", "state", "minutes stuck",
                     "times stuck", "note", "last activity (UTC)", *(c["title"] if c["kind"] == "step"
                                                                     else c["key"] for c in cols)])
    for learner in room_now["learners"]:
        note = learner["note"]
        last = learner["last_activity"]
        writer.writerow([_cell(x) for x in (
            learner["display_name"] or "", learner["id"], "yes" if learner["same_name"] else "", learner["state"],
            round(learner["stuck_seconds"] / 60, 1), learner["stuck_times"],
            f"{note['kind']}: {note['text']}".rstrip(": ") if note else "",
            datetime.fromtimestamp(last, UTC).strftime("%Y-%m-%d %H:%M:%S") if last else "",
            *((STEP_CELLS if c["kind"] == "step" else EXERCISE_CELLS)[learner["cells"][c["key"]]] for c in cols),
        )])
    return out.getvalue()


def routes(sandbox, room: Learners, dashboard_signer: signin.Signer) -> list[Route]:
    signer = signin.Signer()

    def signed_in(request: Request) -> bool:
        return signin.session(request, signer, PURPOSE) == PURPOSE

    def trainer(request: Request) -> bool:
        return signed_in(request) or is_trainer_token(sandbox, request.headers.get(TRAINER_HEADER, ""))

    def refused() -> Response:
        return JSONResponse({"error": {"type": "invalid_request_error",
                                       "message": "Sign in to the trainer's view again (trainer/login)."}},
                            status_code=403, headers=views.HEADERS)

    def login_form(request: Request, message: str = "", status: int = 200) -> Response:
        return views.login_page(request, title=TITLE, intro=INTRO, secret_field=True, message=message,
                                status=status)

    async def home(request: Request) -> Response:
        if not signed_in(request):
            return RedirectResponse("login", status_code=303)
        return views.render(request, "trainer.html", {
            "columns": columns(), "poll_seconds": POLL_SECONDS, "static": "../_sandbox/static",
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
        if not trainer(request):
            return refused()
        return JSONResponse(await run_in_threadpool(progress, room), headers=views.HEADERS)

    async def learner_json(request: Request) -> Response:
        if not trainer(request):
            return refused()
        found = await run_in_threadpool(learner_detail, sandbox, room, request.path_params["account"])
        if found is None:
            return JSONResponse({"error": {"type": "invalid_request_error", "message": "No such learner."}},
                                status_code=404, headers=views.HEADERS)
        return JSONResponse(found, headers=views.HEADERS)

    async def clear_note(request: Request) -> Response:
        """The trainer takes a learner's sticky note down (a POST from the view itself)."""
        if not trainer(request) or not same_origin(request):
            return refused()
        cleared = await run_in_threadpool(room.clear_note, request.path_params["account"])
        return JSONResponse({"cleared": cleared}, headers=views.HEADERS)

    async def dashboard(request: Request) -> Response:
        """Open a learner's Dashboard (read-only) in the trainer's browser: a sign-in link for
        that account, as the learner's own helpers would get."""
        if not trainer(request) or not same_origin(request):
            return refused()
        account = request.path_params["account"]
        if sandbox.accounts.get(account) is None:
            return refused()
        return RedirectResponse(f"../../../{issue_link(dashboard_signer, account)}", status_code=303,
                                headers=views.HEADERS)

    async def export(request: Request) -> Response:
        if not trainer(request):
            return refused()
        body = await run_in_threadpool(export_csv, room)
        stamp = datetime.now(UTC).strftime("%Y-%m-%d-%H%M")
        return Response(body, media_type="text/csv; charset=utf-8", headers={
            **views.HEADERS, "Content-Disposition": f'attachment; filename="room-{stamp}.csv"'})

    return [
        Route("/trainer", views.redirect_to("trainer/")),
        Route("/trainer/", home),
        Route("/trainer/login", login, methods=["GET", "POST"]),
        Route("/trainer/logout", logout, methods=["POST"]),
        Route("/trainer/progress", progress_json),
        Route("/trainer/export.csv", export),
        Route("/trainer/learner/{account}", learner_json),
        Route("/trainer/learner/{account}/note/clear", clear_note, methods=["POST"]),
        Route("/trainer/learner/{account}/dashboard", dashboard, methods=["POST"]),
    ]
