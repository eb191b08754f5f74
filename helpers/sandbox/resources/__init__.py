"""The API's resources; importing this package registers their routes."""

from . import catalog, customers, payment_method_configurations, payment_methods, setup_intents  # noqa: F401

try:  # part 2: billing, test clocks, events and webhooks
    from . import billing  # noqa: F401
except ImportError:  # pragma: no cover - while part 2 is not there
    pass
