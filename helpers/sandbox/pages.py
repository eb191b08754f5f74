"""What the sandbox serves to browsers: the Stripe.js stand-in, the hosted Amazon Pay
authorization page (the redirect target), and a reset route for trainers and tests."""

from __future__ import annotations

import html
import urllib.parse
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .context import Actor
from .errors import StripeError
from .process import RESET_HEADER
from .resources import setup_intents

STATIC = Path(__file__).parent / "static"
MERCHANT = "Stock Photo Service (sandbox)"

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Amazon Pay – authorize test setup</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body {{ font-family: system-ui, sans-serif; background: #f3f4f6; margin: 0; }}
 main {{ max-width: 34rem; margin: 3rem auto; background: #fff; border-radius: 8px; padding: 2rem;
        box-shadow: 0 1px 4px rgba(0,0,0,.15); }}
 .badge {{ display: inline-block; background: #ff9900; color: #111; font-weight: 700; padding: .2rem .6rem;
          border-radius: 4px; }}
 .test {{ color: #b45309; font-size: .9rem; }}
 dl {{ display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }}
 dt {{ color: #6b7280; }}
 button {{ font-size: 1rem; padding: .7rem 1.2rem; border-radius: 6px; border: 1px solid #d1d5db; cursor: pointer; }}
 button[value=authorize] {{ background: #ffd814; border-color: #fcd200; }}
 .mandate {{ background: #f9fafb; border-left: 4px solid #ff9900; padding: .8rem 1rem; }}
</style></head>
<body><main>
<p><span class="badge">amazon pay</span> <span class="test">Test mode – offline sandbox, no real Amazon account</span></p>
<h1>Set up Amazon Pay for {merchant}</h1>
<dl><dt>Merchant</dt><dd>{merchant}</dd><dt>Customer</dt><dd>{customer}</dd>
<dt>SetupIntent</dt><dd><code>{intent}</code></dd><dt>Usage</dt><dd>{usage}</dd></dl>
<p class="mandate">By continuing, you authorize {merchant} to debit your Amazon Pay account for this payment
and future payments in accordance with {merchant}'s terms, until this authorization is revoked.</p>
<form method="post">
 <button name="action" value="authorize" type="submit">Authorize test setup</button>
 <button name="action" value="fail" type="submit">Fail test setup</button>
</form>
</main></body></html>"""

GONE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Link expired</title></head>
<body style="font-family: system-ui, sans-serif; margin: 3rem"><h1>This authorization link is no longer valid</h1>
<p>The setup was already decided, or the SetupIntent was confirmed again (which makes a new link).
Confirm the SetupIntent again to get a fresh <code>next_action.redirect_to_url.url</code>.</p></body></html>"""


# No page of the sandbox may be framed by another site (clickjacking the Authorize button).
FRAMING = {"Content-Security-Policy": "frame-ancestors 'none'", "X-Frame-Options": "DENY"}


def page(content: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(content, status_code=status, headers=FRAMING)


def message_page(title: str, text: str, status: int) -> HTMLResponse:
    return page(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f'<body style="font-family: system-ui, sans-serif; margin: 3rem"><h1>{html.escape(title)}</h1>'
        f"<p>{html.escape(text)}</p></body></html>",
        status,
    )


def same_origin(request: Request) -> bool:
    """A form POST a browser sends from this sandbox's own page: its Origin (when it sends one)
    names the host the request came to. curl and other non-browser clients send no Origin."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return origin != "null" and urllib.parse.urlsplit(origin).netloc.lower() == request.headers.get("host", "").lower()


async def form_of(request: Request) -> dict[str, str] | None:
    """The page's form fields, or None when the body is no UTF-8 form."""
    try:
        return dict(urllib.parse.parse_qsl((await request.body()).decode("utf-8"), errors="strict"))
    except (UnicodeDecodeError, ValueError):
        return None


def routes(sandbox) -> list[Route]:
    store = sandbox.store

    async def stripe_js(request: Request) -> Response:
        return FileResponse(STATIC / "stripe.js", media_type="application/javascript")

    def _customer_label(intent: dict) -> str:
        customer = store.find(intent["customer"]) if intent.get("customer") else None
        if not customer:
            return "(no customer on this SetupIntent)"
        parts = [customer.get("name"), customer.get("email"), customer["id"]]
        return " · ".join(p for p in parts if p)

    def authorize_page(request: Request) -> Response:  # sync: Starlette runs it in a thread
        attempt_id = request.path_params["attempt"]
        found = setup_intents.attempt_for_page(store, attempt_id)
        if found is None:
            return page(GONE, 410)
        _, intent = found
        return page(PAGE.format(
            merchant=html.escape(MERCHANT),
            customer=html.escape(_customer_label(intent)),
            intent=html.escape(intent["id"]),
            usage=html.escape(intent["usage"]),
        ))

    def decide(attempt_id: str, action: str | None, ip: str, user_agent: str) -> Response:
        actor = Actor(store, sandbox.account_version)
        if action not in ("authorize", "fail"):
            return message_page("Choose Authorize or Fail", "Use one of the page's two buttons.", 400)
        try:
            with store.transaction():
                found = setup_intents.attempt_for_page(store, attempt_id)
                if found is None:
                    return page(GONE, 410)
                attempt, intent = found
                if action == "authorize":
                    target = setup_intents.authorize(actor, attempt, intent, ip, user_agent)
                else:
                    target = setup_intents.fail(actor, attempt, intent)
        except StripeError as error:  # e.g. the PaymentMethod belongs to another customer: nothing changed
            return message_page("This setup cannot be authorized", error.message, 409)
        return RedirectResponse(target, status_code=303)

    async def authorize_decide(request: Request) -> Response:
        if not same_origin(request):
            return message_page(
                "Refused", "Only this page itself may authorize or fail the setup (the request came from another site).", 403
            )
        form = await form_of(request)
        if form is None:
            return message_page("Choose Authorize or Fail", "The form could not be read (not UTF-8).", 400)
        ip = request.client.host if request.client else "127.0.0.1"
        # The store's lock and SQLite block: off the event loop, as API requests are.
        return await run_in_threadpool(
            decide, request.path_params["attempt"], form.get("action"), ip, request.headers.get("user-agent", "")
        )

    def reset(request: Request) -> Response:  # sync: Starlette runs it in a thread
        if request.client and request.client.host not in ("127.0.0.1", "::1", "localhost"):
            return JSONResponse({"error": {"message": "reset is local only"}}, status_code=403)
        name, value = RESET_HEADER
        if request.headers.get(name) != value:
            return JSONResponse(
                {"error": {"message": f"reset needs the header '{name}: {value}' (use python -m helpers.sandbox reset)"}},
                status_code=403,
            )
        store.reset()
        return JSONResponse({"reset": True, "objects": store.count_all()})

    return [
        Route("/js/stripe.js", stripe_js),
        Route("/v3/", stripe_js),
        Route("/pm-redirects/authorize/{attempt}", authorize_page, methods=["GET"]),
        Route("/pm-redirects/authorize/{attempt}", authorize_decide, methods=["POST"]),
        Route("/_sandbox/reset", reset, methods=["POST"]),
    ]
