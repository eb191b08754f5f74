""""Your server" for the redirect step: the Stripe.js checkout page, ``GET /secret``, the
return_url page and a webhook receiver, served from a thread of the notebook's kernel (the
notebook's own code where it serves some); and the cells that wait for the customer."""

from .outcome import RedirectOutcome, authorized
from .server import (
    CheckoutServer,
    Link,
    RedirectTimeout,
    Visit,
    current,
    public_url,
    publishable_retriever,
    stand_in_js_url,
    start_checkout,
    stop_checkout,
)
from .waiting import InvoiceNotPaid, await_invoice_paid, await_redirect

__all__ = [
    "CheckoutServer",
    "InvoiceNotPaid",
    "Link",
    "RedirectOutcome",
    "RedirectTimeout",
    "Visit",
    "authorized",
    "await_invoice_paid",
    "await_redirect",
    "current",
    "public_url",
    "publishable_retriever",
    "stand_in_js_url",
    "start_checkout",
    "stop_checkout",
]
