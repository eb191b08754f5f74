"""Values in Stripe's search query language (``GET /v1/customers/search?query=…``).

A clause is ``field:'value'``. Inside the quotes a backslash escapes the next character, so a
quote in the value is written ``\\'`` (docs.stripe.com/search, "Search query language": quotes
inside quotes are escaped with a backslash; escaping the backslash itself follows from that rule
and is unverified). Pasting raw input into a query breaks on ``o'brien@example.com``, or lets
the input change the query (``x' OR email:'y``): always quote.
"""

from __future__ import annotations


def quoted(value: str) -> str:
    """``o'brien`` -> ``'o\\'brien'``: the value as a single-quoted search string."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def clause(field: str, value: str) -> str:
    """``email:'jenny.rosen@example.com'``: an exact-match clause for one field."""
    return f"{field}:{quoted(value)}"
