"""The offline, stateful stand-in for the slice of the Stripe API that the guide uses.

It runs as its own process (``python -m helpers.sandbox serve``), keeps its state in
SQLite and speaks Stripe's wire protocol, so stripe-python and curl talk to it unchanged.
"""
