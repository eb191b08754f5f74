"""The machinery behind ``check.exercise``: the registry, what a checker sees, and its answer."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import stripe

from helpers import progress, settings
from helpers.client import LogEntry, entries, get_client
from helpers.limits import AMAZON_PAY_CURRENCIES
from helpers.sandbox.client import control

NO_PREDICTION: Any = None  # ``predicted=...`` (Ellipsis) counts as no prediction too
PASSED = "passed"
RECORD_PREFIX = progress.EXERCISE_PREFIX  # progress key of a passed exercise: exercise.<id> = passed


class NotYet(Exception):  # noqa: N818 - a verdict, not an error
    """The learner is not there yet; the message is the hint: what to change."""


def no_attempt_yet(hint: str) -> NotYet:
    """The verdict when the learner has not tried yet (only the notebook's own calls are logged)."""
    return NotYet(f"No attempt yet: {hint}")


@dataclass(frozen=True)
class Exercise:
    """One "Your turn" exercise: what to do, a model answer, and the checker."""

    id: str  # "05-yearly-subscription": the notebook's number, then a name
    notebook: str  # the notebook it belongs to, e.g. "05_subscription"
    title: str
    task: str  # markdown, with the prediction to write down first
    solution: str  # Python, for the collapsed <details> block; runs in the notebook's kernel
    judge: Callable[[Look], str] = field(repr=False, compare=False)
    # Names the solution expects in the kernel besides client, progress, stripe and check.
    needs: tuple[str, ...] = ()
    predicts: bool = False  # the learner passes ``predicted=`` to the checker


@dataclass(frozen=True)
class Result:
    """A checker's answer. Shown as one line of text, or a coloured box in Jupyter."""

    exercise: str
    passed: bool
    message: str
    prediction: str = ""  # "right", "off", or "" (none given)

    @property
    def _prediction_mark(self) -> str:
        """Done, but predicted wrongly: said beside the ✔, so the tick does not read as "right"."""
        return " (your prediction was off)" if self.passed and self.prediction == "off" else ""

    def __str__(self) -> str:
        mark = "✔" if self.passed else "✘ not yet"
        return f"{mark} {self.exercise}{self._prediction_mark}: {self.message}"

    __repr__ = __str__

    def __bool__(self) -> bool:
        return self.passed

    def _repr_html_(self) -> str:
        colour = "#2e7d32" if self.passed else "#b26a00"
        mark = "✔" if self.passed else "✘ Not yet"
        text = re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(self.message))
        off = f" <b style='color:#b26a00'>{html.escape(self._prediction_mark.strip())}</b>" if self._prediction_mark else ""
        return (f"<div style='border-left:4px solid {colour};padding:0.3em 0.7em'>"
                f"<b>{mark}</b> <code>{html.escape(self.exercise)}</code>{off}: {text}</div>")


class Look:
    """What a checker may look at: the API (without writing to the request log), this kernel's
    request log, the IDs in progress, and the learner's prediction."""

    def __init__(self, predicted: Any = NO_PREDICTION, client: stripe.StripeClient | None = None,
                 requests: Iterable[LogEntry] | None = None) -> None:
        self.predicted = None if predicted is Ellipsis else predicted
        self.prediction = ""  # set by prediction_note: "right" or "off"
        self.client = client or get_client(logged=False)
        self.requests = list(entries() if requests is None else requests)

    def recorded(self, name: str, where: str) -> str:
        """The ID progress holds for ``name``; NotYet naming ``where`` it is made if there is none."""
        found = progress.recall(name)
        if not found:
            raise NotYet(f"No {name} recorded yet: {where} first, then check again.")
        return found

    def sent(self, method: str, path: str | re.Pattern[str], *, status: int | None = None,
             **params: str) -> list[LogEntry]:
        """Requests of this kernel, oldest first, with this method, path (a regex matches the
        whole path), status and parameter values (``param(entry, name)`` spelling)."""
        pattern = path if isinstance(path, re.Pattern) else re.compile(re.escape(path))
        found = []
        for entry in self.requests:
            if entry.method != method or not pattern.fullmatch(entry.path):
                continue
            if status is not None and entry.status != status:
                continue
            if all(param(entry, k) == v for k, v in params.items()):
                found.append(entry)
        return found

    def attempts(self, method: str, path: str | re.Pattern[str]) -> list[LogEntry]:
        """The learner's own requests among :meth:`sent`: all but the notebook's own calls that
        succeeded (a refused call is always the learner's doing), oldest first."""
        return [e for e in self.sent(method, path) if not (e.tutorial and e.status == 200)]

    def prediction_note(self, *answers: Any) -> str:
        """A sentence on the prediction: matched, missed, or none was given."""
        if self.predicted is None:
            return ""
        wanted = {_plain(a) for a in answers if a is not None}
        if _plain(self.predicted) in wanted:
            self.prediction = "right"
            return f" You predicted {self.predicted!r}: right."
        self.prediction = "off"
        shown = " / ".join(str(a) for a in answers if a is not None)
        return f" You predicted {self.predicted!r}; Stripe's answer was {shown}: worth a second look."


def money(amount: int | None, currency: str) -> str:
    """``15000, "usd"`` → ``150.00 USD`` (JPY and other zero-decimal currencies without decimals)."""
    decimals = AMAZON_PAY_CURRENCIES.get(currency, 2)
    return f"{(amount or 0) / 10**decimals:.{decimals}f} {currency.upper()}"


def day(timestamp: int) -> str:
    """A Unix time as its UTC date, ``2027-05-01``."""
    return datetime.fromtimestamp(timestamp, UTC).date().isoformat()


def _plain(value: Any) -> str:
    return str(value).strip().lower()


def param(entry: LogEntry, name: str) -> str | None:
    """A request parameter as sent; ``items[0][price]`` and ``items[][price]`` are the same."""
    wanted = _index_free(name)
    for key, value in entry.params:
        if _index_free(key) == wanted:
            return value
    return None


def params_under(entry: LogEntry, prefix: str) -> list[str]:
    """Every value sent under a list parameter, e.g. ``allowed_payment_method_types``."""
    return [v for k, v in entry.params if _index_free(k).startswith(prefix + "[]") or k == prefix]


def _index_free(key: str) -> str:
    return re.sub(r"\[\d+\]", "[]", key)


EXERCISES: dict[str, Exercise] = {}


def exercise_definition(*, id: str, notebook: str, title: str, task: str, solution: str,  # noqa: A002
                        needs: tuple[str, ...] = (), predicts: bool = False,
                        ) -> Callable[[Callable[[Look], str]], Callable[[Look], str]]:
    """Register the decorated checker as exercise ``id``."""

    def register(judge: Callable[[Look], str]) -> Callable[[Look], str]:
        if id in EXERCISES:
            raise ValueError(f"Exercise {id} is defined twice.")
        EXERCISES[id] = Exercise(id, notebook, title, task.strip(), solution.strip(), judge, needs,
                                predicts)
        return judge

    return register


def run(exercise_id: str, predicted: Any = NO_PREDICTION) -> Result:
    """Check one exercise; never raises (everything that goes wrong becomes the hint)."""
    found = EXERCISES.get(exercise_id)
    if found is None:
        known = ", ".join(sorted(EXERCISES))
        return Result(exercise_id, False, f"There is no exercise {exercise_id!r}. Known: {known}.")
    look = Look(predicted)
    try:
        message = found.judge(look)
    except NotYet as hint:
        return Result(exercise_id, False, str(hint))
    except progress.MissingStep as missing:
        return Result(exercise_id, False, str(missing))
    except stripe.APIConnectionError:
        return Result(exercise_id, False, "Stripe (or the sandbox) did not answer. Run the notebook's "
                      "first cell again (it starts the sandbox), then check again.")
    except stripe.StripeError as error:
        what = error.user_message or str(error)
        return Result(exercise_id, False, f"Looking at your objects failed ({error.http_status} "
                      f"{error.code or ''}: {what}). Run the notebook's cells above, then check again.")
    except Exception as error:  # a checker must never end in a traceback
        return Result(exercise_id, False, f"The checker could not look ({type(error).__name__}: "
                      f"{error}). Run the cells above this one, then check again.")
    try:
        progress.remember(RECORD_PREFIX + exercise_id, PASSED)
    except OSError:
        pass  # a read-only state dir must not turn a pass into a failure
    report_to_sandbox()
    return Result(exercise_id, True, message, look.prediction)


def report_to_sandbox() -> bool:
    """In sandbox mode, tell the sandbox every exercise passed so far (the trainer's view shows
    them). Whether it worked; nothing that goes wrong here reaches the learner."""
    try:
        if settings.resolve_mode() != "sandbox":
            return False
        return control.report_exercises(passed(), len(EXERCISES)) is not None
    except Exception:  # noqa: BLE001 - a report is a courtesy: the check's answer stands without it
        return False


def passed() -> list[str]:
    """The exercises passed in this mode and account (the hook for a trainer's view)."""
    return sorted(name.removeprefix(RECORD_PREFIX) for name, value in progress.recorded().items()
                  if name.startswith(RECORD_PREFIX) and value == PASSED)
