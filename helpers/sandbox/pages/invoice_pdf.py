"""An invoice as a PDF (``invoice_pdf``), drawn with fpdf2."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

# fpdf2's built-in fonts cover Latin-1; other characters print as "?" (no font file to ship).
ENCODING = "latin-1"


def _text(value: Any) -> str:
    return str(value).encode(ENCODING, "replace").decode(ENCODING)


def _date(timestamp: int | None) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%B %d, %Y") if timestamp else "-"


def _money(amount: int, currency: str) -> str:
    return f"{amount / 100:,.2f} {currency.upper()}"


def render(invoice: dict[str, Any], merchant: str) -> bytes:
    """The invoice's PDF: who bills whom, its number and dates, its lines and totals."""
    # Imported here: fpdf2 takes longer to import than the rest of the sandbox (0.5 s of every start).
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(_text(f"Invoice {invoice.get('number') or invoice['id']}"))
    pdf.set_author(_text(merchant))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 20)
    pdf.cell(0, 12, "Invoice", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    details = [
        ("Invoice number", invoice.get("number") or "-"),
        ("Date of issue", _date(invoice["status_transitions"].get("finalized_at"))),
        ("Status", invoice["status"]),
        ("From", merchant),
        ("Bill to", " / ".join(v for v in (invoice.get("customer_name"), invoice.get("customer_email")) if v) or "-"),
    ]
    if invoice["status_transitions"].get("paid_at"):
        details.insert(2, ("Date paid", _date(invoice["status_transitions"]["paid_at"])))
    for label, value in details:
        pdf.cell(40, 6, _text(label))
        pdf.cell(0, 6, _text(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    currency = invoice["currency"]
    with pdf.table(col_widths=(110, 20, 40), text_align=("LEFT", "RIGHT", "RIGHT")) as table:
        table.row(["Description", "Qty", "Amount"])
        for line in invoice["lines"]["data"]:
            table.row([_text(line["description"] or ""), str(line["quantity"] or ""), _money(line["amount"], currency)])
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 11)
    for label, amount in (("Total", invoice["total"]), ("Amount paid", invoice["amount_paid"]),
                          ("Amount due", invoice["amount_remaining"])):
        pdf.cell(130, 7, label, align="R")
        pdf.cell(0, 7, _money(amount, currency), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("Helvetica", "I", 8)
    pdf.multi_cell(0, 4, "Test mode: made by the offline Stripe sandbox of the Amazon Pay tutorial. Not a real invoice.")
    return bytes(pdf.output())
