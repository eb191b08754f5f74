""""Your server" for the redirect step: the Stripe.js checkout page, ``GET /secret``, the
return_url page and a webhook receiver, served from a thread of the notebook's kernel."""

from .outcome import RedirectOutcome, authorized_payment_method
from .server import (
    CheckoutServer,
    Link,
    RedirectTimeout,
    current,
    public_url,
    publishable_retriever,
    stand_in_js_url,
    start_checkout,
    stop_checkout,
)
from .waiting import await_redirect

__all__ = [
    "CheckoutServer",
    "Link",
    "RedirectOutcome",
    "RedirectTimeout",
    "authorized_payment_method",
    "await_redirect",
    "current",
    "public_url",
    "publishable_retriever",
    "stand_in_js_url",
    "start_checkout",
    "stop_checkout",
]
