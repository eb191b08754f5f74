"""Amazon Pay Subscriptions, hands-on: the package the notebooks import."""

__version__ = "0.1.0"
