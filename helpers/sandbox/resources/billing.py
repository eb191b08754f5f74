"""Part 2 of the API: subscriptions, invoices and payments, test clocks, events and webhooks.

Importing this module registers their routes and hooks."""

from . import (  # noqa: F401
    events_api,
    invoices,
    payments,
    renewals,
    subscriptions,
    test_clocks,
    webhook_endpoints,
)
