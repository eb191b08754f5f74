"""An invoice's hosted pages: the invoice page (``hosted_invoice_url``: amount, status, lines,
and for an open invoice "Pay with Amazon Pay") and its PDF (``invoice_pdf``)."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..api.context import Actor
from ..resources import hosted_invoices, invoices
from . import invoice_pdf
from .hosted import (
    MERCHANT,
    STYLE,
    customer_label,
    message_page,
    money,
    page,
    rows,
    same_origin,
    see_other,
)

INVOICE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Invoice {number} – {merchant}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">{style}</head>
<body><main>
<p><span class="test">Test mode – offline sandbox</span></p>
<p>{merchant}</p>
<h1>{headline}</h1>
{notice}
<dl>{details}</dl>
<table><thead><tr><th>Description</th><th class="amount">Qty</th><th class="amount">Amount</th></tr></thead>
<tbody>{lines}</tbody></table>
<dl>{totals}</dl>
{pay}
<p><a href="{pdf}">Download invoice (PDF)</a></p>
</main></body></html>"""

PAY = """<form method="post" action="{action}">
 <button class="amazon" type="submit">Pay with Amazon Pay</button>
</form>"""

NOT_FOUND = ("Invoice not found", "This invoice link is not valid. Use the invoice's hosted_invoice_url.")


def _date(timestamp: int | None) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d") if timestamp else "–"


def _headline(invoice: dict) -> str:
    amount = money(invoice["amount_remaining"] if invoice["status"] == "open" else invoice["total"], invoice["currency"])
    return {"open": f"{amount} due", "paid": f"{amount} paid", "void": "This invoice was voided"}.get(
        invoice["status"], f"{amount} ({invoice['status']})"
    )


def _notice(invoice: dict, redirect_status: str | None) -> str:
    if redirect_status == "failed" and invoice["status"] == "open":
        text = "The payment was not authorized on Amazon Pay. You can try again."
    elif redirect_status == "succeeded" and invoice["status"] == "paid":
        text = "Thank you: your payment went through and this invoice is paid."
    else:
        return ""
    return f'<p class="notice">{html.escape(text)}</p>'


def invoice_page(store, invoice: dict, redirect_status: str | None) -> str:
    transitions = invoice["status_transitions"]
    currency = invoice["currency"]
    lines = "".join(
        f"<tr><td>{html.escape(line['description'] or '')}</td><td class=amount>{line['quantity'] or ''}</td>"
        f"<td class=amount>{html.escape(money(line['amount'], currency))}</td></tr>"
        for line in invoice["lines"]["data"]
    )
    details = [("Invoice number", invoice.get("number") or invoice["id"]), ("Status", invoice["status"]),
               ("Billed to", customer_label(store, invoice["customer"])),
               ("Date of issue", _date(transitions.get("finalized_at")))]
    if transitions.get("paid_at"):
        details.append(("Date paid", _date(transitions["paid_at"])))
    totals = [("Total", money(invoice["total"], currency)), ("Amount paid", money(invoice["amount_paid"], currency)),
              ("Amount due", money(invoice["amount_remaining"], currency))]
    token = invoice["_hosted_token"]
    return INVOICE.format(
        number=html.escape(invoice.get("number") or invoice["id"]), merchant=html.escape(MERCHANT), style=STYLE,
        headline=html.escape(_headline(invoice)), notice=_notice(invoice, redirect_status),
        details=rows(details), lines=lines, totals=rows(totals),
        # relative: the page works behind a proxy's path prefix too
        pay=PAY.format(action=f"{html.escape(token)}/pay") if hosted_invoices.payable(invoice) else "",
        pdf=html.escape(invoice["invoice_pdf"]),
    )


def routes(sandbox) -> list[Route]:
    def store_of(token: str):
        """The store of the account whose invoice the token names (``in_…_secret_…``)."""
        owner = sandbox.room.owner_of(token.partition("_secret_")[0], "invoice")
        return sandbox.room.account(owner) if owner else None

    def invoice_of(token: str):
        store = store_of(token)
        return (store, invoices.by_hosted_token(store, token)) if store else (None, None)

    def show(request: Request) -> Response:  # sync: Starlette runs it in a thread
        store, invoice = invoice_of(request.path_params["token"])
        if invoice is None:
            return message_page(*NOT_FOUND, 404)
        return page(invoice_page(store, invoice, request.query_params.get("redirect_status")))

    def pay(request: Request) -> Response:
        if not same_origin(request):
            return message_page("Refused", "Only the invoice page itself may start a payment.", 403)
        with sandbox.db.transaction():
            store, invoice = invoice_of(request.path_params["token"])
            if invoice is None:
                return message_page(*NOT_FOUND, 404)
            if not hosted_invoices.payable(invoice):  # paid or voided meanwhile: show it as it is
                return see_other(request, invoice["hosted_invoice_url"])
            target = hosted_invoices.start(Actor(store, sandbox.account_version), invoice)  # in the invoice's account
        return see_other(request, target)

    def pdf(request: Request) -> Response:
        _, invoice = invoice_of(request.path_params["token"])
        if invoice is None:
            return message_page(*NOT_FOUND, 404)
        name = f"Invoice-{invoice.get('number') or invoice['id']}.pdf"
        return Response(invoice_pdf.render(invoice, MERCHANT), media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{name}"'})

    return [
        Route("/i/{token}", show, methods=["GET"]),
        Route("/i/{token}/pay", pay, methods=["POST"]),
        Route("/invoice/{token}/pdf", pdf, methods=["GET"]),
    ]
