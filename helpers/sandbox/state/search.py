"""Stripe's search query language (docs.stripe.com/search#search-query-language), parsed in
one linear pass.

A query is clauses ``field<operator>value``, joined by spaces or by ``AND`` / ``OR`` (case
insensitive, never both in one query); ``-`` before a clause negates it. Operators: ``:``
exact match, ``~`` substring (string fields that allow it), ``>``, ``<``, ``>=``, ``<=``, ``=``
(numeric fields). String values are quoted with ``'`` or ``"``; inside, a backslash escapes
the next character, so ``email:'o\\'brien@example.com'`` searches for ``o'brien@example.com``.
Metadata is ``metadata['key']:'value'``. The query is at most 5,000 characters (the length
Stripe's OpenAPI spec allows for ``query``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, Literal

from ..shared.errors import StripeError

MAX_QUERY_LENGTH = 5000
MAX_CLAUSES = 10  # the sandbox's own cap (Stripe's is not documented where we looked)
MIN_SUBSTRING = 3  # substring values: at least three characters (the sandbox's rule; unverified)

# What search looks in, per object type (plus every metadata key), copied lowercased into the
# ``search_terms`` table by :func:`write_terms`.
SEARCHABLE = {"customer": ("email", "name", "phone")}

STRING, NUMBER = "string", "number"
NUMERIC_OPERATORS = (">", "<", ">=", "<=", "=")


@dataclass(frozen=True)
class Field:
    kind: Literal["string", "number"]
    substring: bool = False  # whether ``~`` is allowed


@dataclass(frozen=True)
class Clause:
    field: str  # "email", or "metadata" with ``key``
    operator: str
    value: str | int | None  # None: ``field:null``
    key: str | None = None
    negated: bool = False


@dataclass(frozen=True)
class Query:
    clauses: tuple[Clause, ...]
    joiner: Literal["AND", "OR"]


@dataclass(frozen=True)
class _Token:
    kind: str  # "word" | "string" | "op" | "[" | "]" | "-" | "space"
    text: str
    at: int


def _invalid(message: str) -> StripeError:
    return StripeError(f"Invalid search query: {message}", param="query")


def _tokens(query: str) -> list[_Token]:
    """The query as tokens; each character is looked at once."""
    out: list[_Token] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        start = i
        if ch.isspace():
            while i < n and query[i].isspace():
                i += 1
            out.append(_Token("space", " ", start))
        elif ch in "'\"":
            i += 1
            chars = []
            while i < n and query[i] != ch:
                if query[i] == "\\" and i + 1 < n:
                    i += 1
                chars.append(query[i])
                i += 1
            if i >= n:
                raise _invalid(f"the quote opened at position {start} is never closed.")
            i += 1
            out.append(_Token("string", "".join(chars), start))
        elif ch in "<>":
            i += 2 if query[i + 1:i + 2] == "=" else 1
            out.append(_Token("op", query[start:i], start))
        elif ch in ":~=":
            i += 1
            out.append(_Token("op", ch, start))
        elif ch in "[]-":
            i += 1
            out.append(_Token(ch, ch, start))
        elif ch.isalnum() or ch in "_.":
            while i < n and (query[i].isalnum() or query[i] in "_."):
                i += 1
            out.append(_Token("word", query[start:i], start))
        else:
            raise _invalid(f"unexpected character {ch!r} at position {start}.")
    return out


class _Parser:
    def __init__(self, tokens: list[_Token], fields: dict[str, Field]) -> None:
        self.tokens = [t for t in tokens if t.kind != "space"]
        self.fields = fields
        self.pos = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, kind: str, what: str) -> _Token:
        token = self.peek()
        if token is None or token.kind != kind:
            where = f"at position {token.at}" if token else "at the end"
            raise _invalid(f"expected {what} {where}.")
        self.pos += 1
        return token

    def query(self) -> Query:
        if not self.tokens:
            raise _invalid("the query is empty. Use field:'value', e.g. email:'jenny@example.com'.")
        clauses = [self.clause()]
        joiners = set()
        while self.peek() is not None:
            token = self.peek()
            if token.kind == "word" and token.text.upper() in ("AND", "OR"):
                joiners.add(token.text.upper())
                self.pos += 1
            else:
                joiners.add("AND")  # clauses separated by a space
            clauses.append(self.clause())
            if len(clauses) > MAX_CLAUSES:
                raise _invalid(f"a query may have at most {MAX_CLAUSES} clauses.")
        if len(joiners) > 1:
            raise _invalid("AND and OR cannot be combined in one query.")
        return Query(tuple(clauses), "OR" if joiners == {"OR"} else "AND")

    def clause(self) -> Clause:
        negated = False
        if self.peek() is not None and self.peek().kind == "-":
            self.pos += 1
            negated = True
        name = self.take("word", "a field name").text
        key = None
        if name == "metadata":
            self.take("[", "[ after metadata")
            key = self.take("string", "a quoted metadata key, as in metadata['key']").text
            self.take("]", "] after the metadata key")
        field = self.fields.get(name)
        if field is None:
            known = ", ".join("metadata['key']" if f == "metadata" else f for f in sorted(self.fields))
            raise _invalid(f"`{name}` is not a field you can search; use one of {known}.")
        operator = self.take("op", f"an operator (: ~ > < >= <= =) after {name}").text
        token = self.peek()
        if token is None:
            raise _invalid(f"the clause on {name} has no value.")
        self.pos += 1
        return Clause(name, operator, self.value(name, field, operator, token), key, negated)

    def value(self, name: str, field: Field, operator: str, token: _Token) -> str | int | None:
        if token.kind == "word" and token.text == "null" and operator == ":":
            return None
        if field.kind == NUMBER:
            if operator not in (":", *NUMERIC_OPERATORS):
                raise _invalid(f"{name} is numeric: compare it with : > < >= <= or =.")
            text = token.text
            if token.kind not in ("word", "string") or not (text.isascii() and text.isdigit()):
                raise _invalid(f"{name} takes a whole number (a Unix timestamp), not {text!r}.")
            if len(text) > 19 or int(text) >= 2**63:  # past a 64-bit integer (SQLite's, Stripe's)
                error = _invalid(f"{name} takes a whole number up to {2**63 - 1}, not {text[:20]}….")
                error.code = "parameter_invalid_integer"
                raise error
            return int(text)
        if token.kind != "string":
            raise _invalid(
                f"put the value of {name} in quotes, e.g. {name}:'{token.text}' "
                "(a quote inside the value is escaped with a backslash)."
            )
        if operator == "~":
            if not field.substring:
                raise _invalid(f"{name} does not support substring matching (~); use {name}:'…'.")
            if len(token.text) < MIN_SUBSTRING:
                raise _invalid(f"a substring search (~) needs at least {MIN_SUBSTRING} characters.")
        elif operator != ":":
            raise _invalid(f"{name} is a string: match it with : (exact) or ~ (substring).")
        return token.text


def parse(query: str, fields: dict[str, Field]) -> Query:
    """The parsed query, or Stripe's 400 with ``param: query`` saying what is wrong."""
    if len(query) > MAX_QUERY_LENGTH:
        raise _invalid(f"the query is {len(query)} characters long; at most {MAX_QUERY_LENGTH} are allowed.")
    return _Parser(_tokens(query), fields).query()


def broad(query: Query) -> bool:
    """Whether the query may match much of the store (a substring, a negation, a null): then
    the newest objects are tried first, one by one (:func:`to_sql` with ``per_row``)."""
    return any(c.operator == "~" or c.negated or c.value is None for c in query.clauses)


def to_sql(
    query: Query, object_type: str, account: str, *, per_row: bool = False, fts: bool = True,
) -> tuple[str, list[Any]]:
    """A condition over ``objects o`` with its arguments. String fields are looked up in the
    store's ``search_terms`` (lowercased copies, indexed by account, field and value; a
    trigram index, ``search_fts``, for substrings, and ``search_pending``, the terms not in it yet).

    Two shapes: by default each clause is a set of objects, looked up in those indexes (fast
    when few match); ``per_row`` tests each object's own terms instead (fast when many match
    and only the newest are wanted)."""
    terms = "SELECT seq FROM search_terms WHERE account = ? AND type = ? AND field = ?"
    mine = "SELECT 1 FROM search_terms t WHERE t.seq = o.seq AND t.field = ?"
    parts, args = [], []
    for clause in query.clauses:
        field = f"metadata:{clause.key}" if clause.key is not None else clause.field
        if isinstance(clause.value, int):
            operator = "=" if clause.operator == ":" else clause.operator
            sql, values = f"o.created {operator} ?", [clause.value]
        elif per_row:
            value = clause.value.lower() if clause.value is not None else None
            if value is None:
                sql, values = f"NOT EXISTS ({mine})", [field]
            elif clause.operator == "~":
                sql, values = f"EXISTS ({mine} AND instr(t.value, ?) > 0)", [field, value]
            else:
                sql, values = f"EXISTS ({mine} AND t.value = ?)", [field, value]
        elif clause.value is None:
            sql, values = f"o.seq NOT IN ({terms})", [account, object_type, field]
        elif clause.operator == "~" and fts:
            phrase = '"' + clause.value.lower().replace('"', '""') + '"'  # trigrams in a row: a substring
            # The trigram index first (CROSS JOIN keeps SQLite from walking every term of the field
            # instead), then the newest terms, which the housekeeping thread has not indexed yet.
            mine = "t.account = ? AND t.type = ? AND t.field = ?"
            sql = (f"o.seq IN (SELECT t.seq FROM search_fts f CROSS JOIN search_terms t ON t.rowid = f.rowid "
                   f"WHERE f.search_fts MATCH ? AND {mine} "
                   f"UNION ALL SELECT t.seq FROM search_pending p CROSS JOIN search_terms t ON t.rowid = p.term "
                   f"WHERE {mine} AND instr(t.value, ?) > 0)")
            values = [phrase, account, object_type, field, account, object_type, field, clause.value.lower()]
        elif clause.operator == "~":
            sql = f"o.seq IN ({terms} AND instr(value, ?) > 0)"
            values = [account, object_type, field, clause.value.lower()]
        else:
            sql, values = f"o.seq IN ({terms} AND value = ?)", [account, object_type, field, clause.value.lower()]
        parts.append(f"NOT ({sql})" if clause.negated else sql)
        args += values
    return f" {query.joiner} ".join(parts), args


def search_terms(obj: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, lowercased value) for every searchable value of ``obj``."""
    fields = SEARCHABLE.get(obj.get("object", ""))
    if fields is None or obj.get("deleted"):
        return []
    terms = [(f, str(obj[f]).lower()) for f in fields if obj.get(f) is not None]
    terms += [(f"metadata:{k}", str(v).lower()) for k, v in (obj.get("metadata") or {}).items() if v is not None]
    return terms


def write_terms(db: sqlite3.Connection, account: str, seq: int, obj: dict[str, Any], *, new: bool = False) -> None:
    """The object's search terms in place of its old ones (``new``: it has none yet, since
    ``seq`` is never reused)."""
    if not new:
        db.execute("DELETE FROM search_terms WHERE seq = ?", (seq,))
    db.executemany(
        "INSERT INTO search_terms (seq, account, type, field, value) VALUES (?, ?, ?, ?, ?)",
        [(seq, account, obj["object"], field, value) for field, value in search_terms(obj)],
    )
