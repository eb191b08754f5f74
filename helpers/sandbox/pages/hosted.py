"""What the sandbox serves to browsers: the Stripe.js stand-in and the hosted Amazon Pay
authorization page (the redirect target of a SetupIntent, and of a payment on a hosted invoice
page). ``invoice_pages`` serves the invoices' pages. Each acts in the account its object belongs to.
"""

from __future__ import annotations

import html
import urllib.parse
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ..api.context import SITE, Actor
from ..resources import hosted_invoices, setup_intents
from ..shared.errors import StripeError

STATIC = Path(__file__).parent / "static"
MERCHANT = "Stock Photo Service (sandbox)"

STYLE = """<style>
 body { font-family: system-ui, sans-serif; background: #f3f4f6; margin: 0; }
 main { max-width: 38rem; margin: 3rem auto; background: #fff; border-radius: 8px; padding: 2rem;
        box-shadow: 0 1px 4px rgba(0,0,0,.15); }
 .badge { display: inline-block; background: #ff9900; color: #111; font-weight: 700; padding: .2rem .6rem;
          border-radius: 4px; }
 .test { color: #b45309; font-size: .9rem; }
 dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }
 dt { color: #6b7280; }
 table { width: 100%; border-collapse: collapse; margin: 1rem 0; }
 th, td { text-align: left; padding: .4rem; border-bottom: 1px solid #e5e7eb; }
 td.amount, th.amount { text-align: right; }
 button { font-size: 1rem; padding: .7rem 1.2rem; border-radius: 6px; border: 1px solid #d1d5db; cursor: pointer; }
 button[value=authorize], button.amazon { background: #ffd814; border-color: #fcd200; }
 .mandate, .notice { background: #f9fafb; border-left: 4px solid #ff9900; padding: .8rem 1rem; }
</style>"""

AUTHORIZE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Amazon Pay – authorize test {what}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">{style}</head>
<body><main>
<p><span class="badge">amazon pay</span> <span class="test">Test mode – offline sandbox, no real Amazon account</span></p>
<h1>{heading}</h1>
<dl>{rows}</dl>
<p class="mandate">{note}</p>
<form method="post">
 <button name="action" value="authorize" type="submit">Authorize test {what}</button>
 <button name="action" value="fail" type="submit">Fail test {what}</button>
</form>
</main></body></html>"""

GONE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Link expired</title></head>
<body style="font-family: system-ui, sans-serif; margin: 3rem"><h1>This authorization link is no longer valid</h1>
<p>The setup or payment was already decided, or it was confirmed again (which makes a new link).
Confirm the SetupIntent again, or start the payment again on the invoice page, to get a fresh link.</p></body></html>"""


def money(amount: int, currency: str) -> str:
    """``1500, "usd"`` -> ``"15.00 USD"`` (two decimals; the sandbox charges USD)."""
    return f"{amount / 100:,.2f} {currency.upper()}"


def rows(pairs: list[tuple[str, str]]) -> str:
    """``<dt>``/``<dd>`` pairs, escaped."""
    return "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in pairs)


def customer_label(store, customer_id: str | None) -> str:
    customer = store.find(customer_id) if customer_id else None
    if not customer or customer.get("deleted"):
        return "(no customer)"
    return " · ".join(p for p in (customer.get("name"), customer.get("email"), customer["id"]) if p)


def setup_page(store, intent: dict) -> str:
    merchant = html.escape(MERCHANT)
    return AUTHORIZE.format(
        what="setup", style=STYLE, heading=f"Set up Amazon Pay for {merchant}",
        rows=rows([("Merchant", MERCHANT), ("Customer", customer_label(store, intent.get("customer"))),
                   ("SetupIntent", intent["id"]), ("Usage", intent["usage"])]),
        note=f"By continuing, you authorize {merchant} to debit your Amazon Pay account for this payment and "
        f"future payments in accordance with {merchant}'s terms, until this authorization is revoked.",
    )


def payment_page(store, pi: dict, invoice: dict) -> str:
    amount = money(pi["amount"], pi["currency"])
    return AUTHORIZE.format(
        what="payment", style=STYLE, heading=f"Pay {html.escape(amount)} to {html.escape(MERCHANT)}",
        rows=rows([("Merchant", MERCHANT), ("Customer", customer_label(store, pi.get("customer"))),
                   ("Invoice", invoice.get("number") or invoice["id"]), ("Amount", amount)]),
        note="By continuing, you pay this invoice with your Amazon Pay account.",
    )


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


def see_other(request: Request, url: str) -> RedirectResponse:
    """A 303 to ``url``. The sandbox's own pages go as a path relative to this request's, so
    that the redirect works whichever way the browser came: directly, or behind a proxy's path
    prefix (jupyter-server-proxy 4.5+ prepends its prefix to a Location that starts with /)."""
    own = SITE.base_url + "/"
    if url.startswith(own):
        url = "../" * (request.url.path.count("/") - 1) + url[len(own):]
    return RedirectResponse(url, status_code=303)


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
    def store_of(ref: str):
        """The store of the account whose SetupIntent attempt (or invoice PaymentIntent) the
        page's link names: the page acts in that account only."""
        for kind in ("setup_attempt", "payment_intent"):
            if owner := sandbox.room.owner_of(ref, kind):
                return sandbox.room.account(owner)
        return None

    async def stripe_js(request: Request) -> Response:
        return FileResponse(STATIC / "stripe.js", media_type="application/javascript")

    def authorize_page(request: Request) -> Response:  # sync: Starlette runs it in a thread
        ref = request.path_params["attempt"]
        store = store_of(ref)
        if store is None:
            return page(GONE, 410)
        if found := setup_intents.attempt_for_page(store, ref):
            return page(setup_page(store, found[1]))
        if payment := hosted_invoices.payment_for_page(store, ref):
            return page(payment_page(store, *payment))
        return page(GONE, 410)

    def decide(request: Request, ref: str, action: str | None, ip: str, user_agent: str) -> Response:
        if action not in ("authorize", "fail"):
            return message_page("Choose Authorize or Fail", "Use one of the page's two buttons.", 400)
        try:
            with sandbox.db.transaction():
                store = store_of(ref)
                if store is None:
                    return page(GONE, 410)
                actor = Actor(store, sandbox.account_version)
                if found := setup_intents.attempt_for_page(store, ref):
                    attempt, intent = found
                    if action == "authorize":
                        target = setup_intents.authorize(actor, attempt, intent, ip, user_agent)
                    else:
                        target = setup_intents.fail(actor, attempt, intent)
                elif payment := hosted_invoices.payment_for_page(store, ref):
                    pi, invoice = payment
                    if action == "authorize":
                        target = hosted_invoices.authorize(actor, pi, invoice, ip, user_agent)
                    else:
                        target = hosted_invoices.fail(actor, pi, invoice)
                else:
                    return page(GONE, 410)
        except StripeError as error:  # e.g. the PaymentMethod belongs to another customer: nothing changed
            return message_page("This cannot be authorized", error.message, 409)
        return see_other(request, target)

    async def authorize_decide(request: Request) -> Response:
        if not same_origin(request):
            return message_page(
                "Refused", "Only this page itself may authorize or fail (the request came from another site).", 403
            )
        form = await form_of(request)
        if form is None:
            return message_page("Choose Authorize or Fail", "The form could not be read (not UTF-8).", 400)
        ip = request.client.host if request.client else "127.0.0.1"
        # The store's lock and SQLite block: off the event loop, as API requests are.
        return await run_in_threadpool(
            decide, request, request.path_params["attempt"], form.get("action"), ip, request.headers.get("user-agent", "")
        )

    return [
        Route("/js/stripe.js", stripe_js),
        Route("/v3/", stripe_js),
        Route("/pm-redirects/authorize/{attempt}", authorize_page, methods=["GET"]),
        Route("/pm-redirects/authorize/{attempt}", authorize_decide, methods=["POST"]),
    ]
