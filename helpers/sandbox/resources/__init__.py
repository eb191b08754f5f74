"""Stripe's objects and what they do (layer 3): one module per resource, each registering its
routes with ``api.router`` when imported (importing this package registers them all), plus
``events`` (an event for every change) and ``webhooks`` (signed delivery in a background
thread). Handlers take an ``ApiRequest``; behaviour that pages and workers call takes an
``Actor``. May import ``api/``, ``state/``, ``shared/`` and the leaves ``helpers.limits`` and
``helpers.urls``."""

from . import (  # noqa: F401 - importing registers the routes
    catalog,
    customers,
    events_api,
    invoices,
    payment_method_configurations,
    payment_methods,
    payments,
    renewals,
    setup_intents,
    subscriptions,
    test_clocks,
    webhook_endpoints,
)
