"""The API's route table: each route names its stripe-python params class and its handler."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Handler = Callable[..., Any]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str  # "/v1/customers/{id}"
    params: str | None  # stripe-python params class, e.g. "CustomerCreateParams"
    handler: Handler
    publishable: bool = False  # Stripe.js may call it with a publishable key + client_secret
    regex: re.Pattern[str] | None = None
    # Answered on the event loop, not in a worker thread (``pipeline.Sandbox.quick``): a retrieve of
    # one object, or a write of a few objects; each takes a few milliseconds at most.
    quick: bool = False

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method or self.regex is None:
            return None
        found = self.regex.fullmatch(path)
        return found.groupdict() if found else None


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []
        # (method, number of path segments) -> its routes, literal segments before {id}:
        # "/v1/customers/search" is not a customer. Made from ``routes`` when first needed
        # after it changed (a route registered, or the list replaced).
        self._table: dict[tuple[str, int], list[Route]] | None = None
        self._table_of: list[Route] | None = None

    def route(
        self, method: str, pattern: str, params: str | None = None, *, publishable: bool = False,
        quick: bool | None = None,
    ):
        """Register a handler. ``quick``: by default, a GET of one object (the pattern ends in
        ``{id}``) is quick and every other route is not."""
        regex = re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern))
        if quick is None:
            quick = method == "GET" and pattern.endswith("}")

        def register(handler: Handler) -> Handler:
            self.routes.append(Route(method, pattern, params, handler, publishable, regex, quick))
            self._table = None
            return handler

        return register

    def resolve(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        table = self._table
        if table is None or self._table_of is not self.routes:
            table = {}
            for route in sorted(self.routes, key=lambda r: r.pattern.count("{")):
                table.setdefault((route.method, route.pattern.count("/")), []).append(route)
            self._table, self._table_of = table, self.routes
        for route in table.get((method, path.count("/")), ()):
            args = route.match(method, path)
            if args is not None:
                return route, args
        return None


api = Router()
