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

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method or self.regex is None:
            return None
        found = self.regex.fullmatch(path)
        return found.groupdict() if found else None


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def route(self, method: str, pattern: str, params: str | None = None, *, publishable: bool = False):
        regex = re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern))

        def register(handler: Handler) -> Handler:
            self.routes.append(Route(method, pattern, params, handler, publishable, regex))
            return handler

        return register

    def resolve(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        # Literal segments win over {id}: "/v1/customers/search" is not a customer.
        candidates = []
        for route in self.routes:
            args = route.match(method, path)
            if args is not None:
                candidates.append((route.pattern.count("{"), route, args))
        if not candidates:
            return None
        candidates.sort(key=lambda c: c[0])
        return candidates[0][1], candidates[0][2]


api = Router()
