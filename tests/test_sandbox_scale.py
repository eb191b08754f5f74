"""Issue 11, the sandbox at scale and under load: search parsed in linear time (item 8), test
clocks within Stripe's limits and advanced in short steps (9), one process per database and
atomic idempotency (15), a bounded webhook worker (16), indexed filters and search (17)."""

from __future__ import annotations

import threading

import pytest
import stripe
from test_sandbox_billing import unique

from helpers.sandbox import search
from helpers.sandbox.errors import StripeError
from helpers.sandbox.resources.customers import SEARCH_FIELDS


def finishes(fn, seconds: float = 10.0) -> bool:
    """Whether ``fn()`` returns (or raises) within ``seconds``: for inputs that used to hang."""
    thread = threading.Thread(target=lambda: _swallow(fn), daemon=True)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive()


def _swallow(fn) -> None:
    try:
        fn()
    except StripeError:
        pass


# --------------------------------------------------------------------------- 8. search


@pytest.mark.parametrize("query", [
    "email:'a'" + " " * 200_000 + "x",  # the regex took 4.5 s at 50,000 spaces, growing quadratically
    "a" + " " * 200_000 + ":'x'",
    "email:'a' AND" + "\t" * 200_000 + "name:'b'",
    "'" + "\\'" * 100_000,  # an unterminated quote full of escapes
])
def test_pathological_queries_are_parsed_in_linear_time(query):
    def parse_without_the_length_cap():
        search._Parser(search._tokens(query), SEARCH_FIELDS).query()

    assert finishes(parse_without_the_length_cap)


def test_a_long_query_is_refused_quickly(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.customers.search(params={"query": "email:'a'" + " " * 50_000 + "x"})
    assert caught.value.param == "query"
    assert "5000" in str(caught.value.user_message)


def test_escaped_quotes_in_values(client):
    tag = unique("")
    email = f"o'brien.{tag}@example.com"
    customer = client.v1.customers.create(params={"email": email, "name": f'Jenny "JR" {tag}'})
    escaped = email.replace("'", "\\'")
    assert [c.id for c in client.v1.customers.search(params={"query": f"email:'{escaped}'"}).data] == [customer.id]
    assert [c.id for c in client.v1.customers.search(params={"query": f'name:"Jenny \\"JR\\" {tag}"'}).data] == [
        customer.id
    ]
    assert [c.id for c in client.v1.customers.search(params={"query": f'name~"\\"JR\\" {tag}"'}).data] == [
        customer.id
    ]


def test_query_language_parts():
    parsed = search.parse("-email:'a@b.c' name~\"Jen\" metadata['ref']:'x' created>=1700000000", SEARCH_FIELDS)
    assert parsed.joiner == "AND"
    assert [(c.field, c.operator, c.value, c.key, c.negated) for c in parsed.clauses] == [
        ("email", ":", "a@b.c", None, True),
        ("name", "~", "Jen", None, False),
        ("metadata", ":", "x", "ref", False),
        ("created", ">=", 1700000000, None, False),
    ]
    assert search.parse("email:'a' or name:'b'", SEARCH_FIELDS).joiner == "OR"


@pytest.mark.parametrize(("query", "says"), [
    ("email:'a' AND name:'b' OR phone:'c'", "cannot be combined"),
    ("email:'a", "never closed"),
    ("email:a", "in quotes"),
    ("name~'ab'", "at least 3"),
    ("metadata['k']~'abc'", "substring"),
    ("created>'soon'", "whole number"),
    ("email>'a'", "string"),
    ("favourite_colour:'blue'", "not a field"),
    ("", "empty"),
    ("email:'a' AND", "expected a field name"),
    ("email:'a' " * 11, "at most 10"),
    ("email;'a'", "unexpected character"),
])
def test_invalid_queries_say_what_is_wrong(query, says):
    with pytest.raises(StripeError) as caught:
        search.parse(query, SEARCH_FIELDS)
    assert caught.value.param == "query"
    assert says in caught.value.message


def test_negation_and_numeric_clauses(client):
    tag = unique("")
    first = client.v1.customers.create(params={"name": f"Neg {tag}", "email": f"one.{tag}@example.com"})
    second = client.v1.customers.create(params={"name": f"Neg {tag}", "email": f"two.{tag}@example.com"})
    found = client.v1.customers.search(params={"query": f"name:'Neg {tag}' -email:'one.{tag}@example.com'"})
    assert [c.id for c in found.data] == [second.id]
    since = client.v1.customers.search(params={"query": f"name:'Neg {tag}' created>={first.created}"})
    assert {c.id for c in since.data} == {first.id, second.id}
    assert client.v1.customers.search(params={"query": f"name:'Neg {tag}' created<{first.created}"}).data == []
