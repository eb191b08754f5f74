"""The sandbox's own routes under ``/_sandbox`` (not Stripe's API): an account's reset (which
answers how many objects it removed), its display name and recent requests, what the learner's
kernel reports to the room (``/_sandbox/room``: cells, checks, a heartbeat; ``learners.py``), the
learner's sticky note (``/_sandbox/note``), the exercises its learner passed, and the trainer's
list of accounts. (``pages/dashboard.py`` adds ``/_sandbox/dashboard-link``, ``pages/views.py``
``/_sandbox/static``.)

An account's routes take its secret key (``Authorization: Bearer sk_test_…``); the trainer's
take the token the sandbox printed at start (``X-Sandbox-Trainer-Token``). A reset also needs
the header ``X-Sandbox-Control: reset``: a cross-site form, or a ``fetch`` without the CORS
preflight the sandbox does not grant for it, cannot send a custom header.
"""

from __future__ import annotations

import hmac
import json
import urllib.parse

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..shared.contract import LOOPBACK, RESET_HEADER, TRAINER_HEADER
from ..shared.errors import StripeError
from ..state.room import Account
from .learners import MAX_REPORT_BYTES, Learners


def is_trainer_token(sandbox, given: str) -> bool:
    """Whether ``given`` is the trainer's token (compared in constant time)."""
    return bool(given) and hmac.compare_digest(given.encode(), sandbox.trainer_token.encode())


def account_of(sandbox, request: Request) -> str:
    """The account of the request's secret key (StripeError when there is none)."""
    from ..api.keys import key_kind
    from ..api.pipeline import client_address

    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    key = key.strip() if scheme.lower() == "bearer" else ""
    if key_kind(key) != "secret":
        raise StripeError("Use the account's secret key (Authorization: Bearer sk_test_…).", status=403)
    return sandbox.accounts.for_key(key, "secret", client_address(request))


async def form_fields(request: Request) -> list[tuple[str, str]]:
    return urllib.parse.parse_qsl((await request.body()).decode("utf-8", "replace"))


async def json_body(request: Request, limit: int) -> object:
    """A JSON body of at most ``limit`` bytes (StripeError otherwise)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise StripeError(f"The body is larger than {limit:,} bytes.", status=413)
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks) or b"null")
    except ValueError:
        raise StripeError("The body is not JSON.") from None


def routes(sandbox, learners: Learners) -> list[Route]:
    def refused(message: str, status: int = 403) -> Response:
        return JSONResponse({"error": {"type": "invalid_request_error", "message": message}}, status_code=status)

    def is_trainer(request: Request) -> bool:
        return is_trainer_token(sandbox, request.headers.get(TRAINER_HEADER, ""))

    def described(account: Account, *, recent: bool) -> dict:
        heard = sandbox.activity.last_error(account.id)  # since this process started, else as kept
        last_error = heard.as_dict() if heard else sandbox.room.account(account.id).activity.learner().last_error
        out = {
            "id": account.id, "display_name": account.display_name, "created": account.created,
            "publishable_key": account.publishable_key, "last_error": last_error,
        }
        if recent:
            out["requests"] = [r.as_dict() for r in sandbox.activity.recent(account.id)]
        return out

    async def reset(request: Request) -> Response:
        if request.client and request.client.host not in LOOPBACK and not sandbox.remote_clients:
            return refused("reset is local only")
        name, value = RESET_HEADER
        if request.headers.get(name) != value:
            return refused(f"reset needs the header '{name}: {value}' (use python -m helpers.sandbox reset)")
        if request.headers.get(TRAINER_HEADER) and not is_trainer(request):
            return refused("That is not the trainer's token (the sandbox printed it at start).")
        forget_accounts = dict(await form_fields(request)).get("forget_accounts") == "true"
        if forget_accounts and not is_trainer(request):
            return refused("Only the trainer's reset (--all, with the trainer's token) forgets accounts.")

        def everyone() -> Response:
            learners.flush()  # what the room was writing is written, then removed with the rest
            removed = sandbox.room.reset_all()
            forgotten = 0
            if forget_accounts:
                forgotten = sandbox.room.forget_accounts()
                sandbox.accounts.forget_keys()
            sandbox.activity.forget()
            learners.forget()
            return JSONResponse({"reset": "all accounts", "removed": removed,
                                 "accounts": len(sandbox.accounts.all()), "forgotten": forgotten})

        def one() -> Response:
            try:
                account = account_of(sandbox, request)
            except StripeError as error:
                return refused(error.message, error.status)
            learners.flush()
            removed = sandbox.room.account(account).reset()
            sandbox.activity.forget(account)
            learners.forget(account)
            return JSONResponse({"reset": account, "removed": removed})

        return await run_in_threadpool(everyone if is_trainer(request) else one)

    async def account(request: Request) -> Response:
        form = dict(await form_fields(request))

        def answer() -> Response:
            try:
                account_id = account_of(sandbox, request)
                if request.method == "POST":
                    sandbox.accounts.set_display_name(account_id, form.get("display_name", ""))
            except StripeError as error:
                return JSONResponse(error.body(), status_code=error.status)
            return JSONResponse(described(sandbox.accounts.get(account_id), recent=True))

        return await run_in_threadpool(answer)

    async def exercises(request: Request) -> Response:
        """The learner's helpers report every exercise passed so far (``passed=…`` repeated)
        and how many there are (``total``), for the trainer's view: *reported*, not verified."""
        fields = await form_fields(request)

        def answer() -> Response:
            try:
                account_id = account_of(sandbox, request)
                total = next((v for k, v in fields if k == "total"), "0")
                if not (total.isascii() and total.isdigit()):
                    raise StripeError("total must be a whole number.", param="total")
                reported = learners.report_passes(account_id, [v for k, v in fields if k == "passed"], int(total))
            except StripeError as error:
                return JSONResponse(error.body(), status_code=error.status)
            return JSONResponse(reported)

        return await run_in_threadpool(answer)

    async def kernel_report(request: Request) -> Response:
        """What the learner's kernel reports (JSON, ``helpers/room.py``): a heartbeat, and the
        outcome of each cell and check since the last report."""
        try:
            report = await json_body(request, MAX_REPORT_BYTES)
        except StripeError as error:
            return JSONResponse(error.body(), status_code=error.status)

        def answer() -> Response:
            try:
                return JSONResponse(learners.kernel_report(account_of(sandbox, request), report))
            except StripeError as error:
                return JSONResponse(error.body(), status_code=error.status)

        return await run_in_threadpool(answer)

    async def note(request: Request) -> Response:
        """The learner's sticky note for the trainer: ``kind=stuck|done`` (and ``text``), or
        ``kind=clear``."""
        fields = dict(await form_fields(request))

        def answer() -> Response:
            try:
                account_id = account_of(sandbox, request)
                if fields.get("kind") == "clear":
                    return JSONResponse({"note": None, "cleared": learners.clear_note(account_id)})
                return JSONResponse({"note": learners.set_note(account_id, fields.get("kind", ""),
                                                               fields.get("text", "")).as_dict()})
            except StripeError as error:
                return JSONResponse(error.body(), status_code=error.status)

        return await run_in_threadpool(answer)

    def accounts(request: Request) -> Response:  # sync: Starlette runs it in a thread
        if not is_trainer(request):
            return refused(f"the trainer's token is needed ({TRAINER_HEADER}: …); the sandbox printed it at start")
        return JSONResponse({"accounts": [described(a, recent=False) for a in sandbox.accounts.all()]})

    return [
        Route("/_sandbox/reset", reset, methods=["POST"]),
        Route("/_sandbox/account", account, methods=["GET", "POST"]),
        Route("/_sandbox/accounts", accounts, methods=["GET"]),
        Route("/_sandbox/exercises", exercises, methods=["POST"]),
        Route("/_sandbox/room", kernel_report, methods=["POST"]),
        Route("/_sandbox/note", note, methods=["POST"]),
    ]
