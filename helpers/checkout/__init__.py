""""Your server" for the redirect step: the Stripe.js checkout page, ``GET /secret``, the
return_url page and a webhook receiver, served from a thread of the notebook's kernel."""

from .server import (
    CheckoutServer,
    Link,
    RedirectOutcome,
    RedirectTimeout,
    current,
    public_url,
    publishable_retriever,
    stand_in_js_url,
    start_checkout,
    stop_checkout,
)

__all__ = [
    "CheckoutServer",
    "Link",
    "RedirectOutcome",
    "RedirectTimeout",
    "current",
    "public_url",
    "publishable_retriever",
    "stand_in_js_url",
    "start_checkout",
    "stop_checkout",
]
