"""Quoting values for Stripe's search query language (issue 9.10)."""

from __future__ import annotations

from helpers import search_query


def test_plain_value():
    assert search_query.clause("email", "jenny.rosen@example.com") == "email:'jenny.rosen@example.com'"


def test_quote_and_backslash_are_escaped():
    """`o'brien@example.com` was pasted into the query raw, which broke it."""
    assert search_query.quoted("o'brien@example.com") == "'o\\'brien@example.com'"
    assert search_query.quoted("a\\b") == "'a\\\\b'"


def test_input_cannot_change_the_query():
    query = search_query.clause("email", "x' OR email:'y")
    assert query == "email:'x\\' OR email:\\'y'"
    assert query.count("'") - query.count("\\'") == 2  # one opening, one closing quote
