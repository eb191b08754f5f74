"""Errors the tutorial causes on purpose: notebook 03's lesson on API versions, and the
predict-then-run exercises whose answer is an error.

An error is *expected* only where the learner is when it happens, as their kernel reports it
(``room.py``): in the exercise that asks for it, or for the lesson in its notebook. The same
error anywhere else (the guide's own SetupIntent call without ``return_url``, while the learner
is not in exercise 03-no-return-url) is a mistake, and the learner is stuck on it. What the
request itself shows (method, path, code) is never enough on its own.

Each entry is the call (method and path), the status, the error ``code`` and, where the code
alone says too little, the ``param`` (or the error's ``type``), as this sandbox answers them. The exercises are those of
``helpers/check`` whose model answer catches a Stripe error (a test keeps the two in step); the
table lives here because the sandbox reads it and must not import the kernel's checkers. An
exercise's error, made in that exercise as the learner's kernel reports it, is also the
sandbox's own evidence that the exercise was done (``exercises.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ANY = object()  # a param that does not matter


@dataclass(frozen=True)
class Expected:
    method: str
    path: str  # a regular expression for the whole path
    status: int
    code: str | None  # None: Stripe's answer has no code
    param: Any  # the error's param, or ANY
    where: str  # what the trainer reads after "expected: "
    exercise: str | None = None  # the id of the exercise in helpers/check, if it is one
    notebook: str | None = None  # for a lesson outside the exercises: its notebook's number
    type: str | None = None  # the error's type, where code and param say too little (None: any)

    def matches(self, error: dict[str, Any]) -> bool:
        return (error.get("method") == self.method and error.get("status") == self.status
                and error.get("error_code") == self.code and self.type in (None, error.get("error_type"))
                and (self.param is ANY or error.get("error_param") == self.param)
                and re.fullmatch(self.path, error.get("path") or "") is not None)


def _exercise(exercise: str) -> str:
    return f"{exercise[:2]}'s exercise {exercise}"


_ID = r"[^/]+"
EXPECTED = (
    Expected("POST", "/v1/setup_intents", 400, "payment_method_types_no_longer_supported", "payment_method_types",
             "03's lesson on API versions", notebook="03"),
    # 02 sends a create again under its key with other parameters: refused, and nothing else.
    Expected("POST", "/v1/customers", 400, None, None, "02's lesson on idempotency keys", notebook="02",
             type="idempotency_error"),
    *(Expected(method, path, status, code, param, _exercise(exercise), exercise)
      for method, path, status, code, param, exercise in (
          ("GET", "/v1/customers/cus_doesnotexist", 404, "resource_missing", "id", "02-missing-customer"),
          ("POST", "/v1/setup_intents", 400, "parameter_missing", "return_url", "03-no-return-url"),
          ("POST", f"/v1/setup_intents/{_ID}/confirm", 400, "setup_intent_unexpected_state", ANY,
           "04-confirm-succeeded"),
          ("POST", "/v1/subscriptions", 400, "resource_missing", "default_payment_method", "05-before-authorizing"),
          ("POST", "/v1/subscriptions", 400, "payment_method_currency_mismatch", ANY, "05-eur-price"),
          ("POST", f"/v1/test_helpers/test_clocks/{_ID}/advance", 400, None, "frozen_time", "07-advance-too-far"),
      )),
)


def expected_entry(error: dict[str, Any], *, exercise: str | None, notebook: str | None) -> Expected | None:
    """The entry this error (a request record's dict) answers, when the learner is where the
    tutorial causes it on purpose: in ``exercise`` (its id), or in ``notebook`` (its number)."""
    return next((e for e in EXPECTED if e.matches(error) and (
        (e.exercise is not None and e.exercise == exercise) or (e.notebook is not None and e.notebook == notebook))),
        None)


def expected(error: dict[str, Any], *, exercise: str | None, notebook: str | None) -> str | None:
    """What the tutorial teaches with this error there (``expected_entry``), for the trainer."""
    entry = expected_entry(error, exercise=exercise, notebook=notebook)
    return entry.where if entry else None
