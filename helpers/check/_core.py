"""The machinery behind ``check.exercise``: the registry, what a checker sees, and its answer."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import stripe

from helpers import focus, progress, settings
from helpers.client import get_client, on_record
from helpers.focus import Expected
from helpers.limits import AMAZON_PAY_CURRENCIES
from helpers.sandbox.client import control

from . import journal

on_record(journal.sent)  # every request sent while an exercise is in focus is kept as its attempt

NO_PREDICTION: Any = None  # ``predicted=...`` (Ellipsis) counts as no prediction too
PASSED = "passed"
RECORD_PREFIX = progress.EXERCISE_PREFIX  # progress key of a passed exercise: exercise.<id> = passed


class NotYet(Exception):  # noqa: N818 - a verdict, not an error
    """The learner is not there yet; the message is the hint: what to change."""


def no_attempt_yet(hint: str) -> NotYet:
    """The verdict when none of the learner's requests for this exercise is the kind it asks for."""
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
    predicts: bool = False  # the learner locks a prediction first (check.predict)
    attempt: str = ""  # what to send, for "No attempt yet: …" (an imperative sentence)
    expects: tuple[Expected, ...] = ()  # the errors the task asks for: helpers.explain says so

    @property
    def first_line(self) -> str:
        """The first line of the exercise's cell: it starts the exercise (and locks a prediction)."""
        if self.predicts:
            return f'check.predict("{self.id}", ...)  # replace ... with your prediction, then run'
        return f'check.start("{self.id}")  # what you run below is your attempt'


@dataclass(frozen=True)
class Result:
    """A checker's answer. Shown as one line of text, or a coloured box in Jupyter."""

    exercise: str
    passed: bool
    message: str
    prediction: str = ""  # "right", "off", "none" (none locked before the run), or "" (no prediction asked)

    @property
    def _prediction_mark(self) -> str:
        """Said beside the ✔, so the tick does not read as "predicted right"."""
        if not self.passed:
            return ""
        return {"off": " (your prediction was off)", "none": " (no prediction made)"}.get(self.prediction, "")

    def __str__(self) -> str:
        mark = "✔" if self.passed else "✘ not yet"
        return f"{mark} {self.exercise}{self._prediction_mark}: {_plain_text(self.message)}"

    __repr__ = __str__

    def __bool__(self) -> bool:
        return self.passed

    def _repr_html_(self) -> str:
        colour = "#2e7d32" if self.passed else "#b26a00"
        mark = "✔" if self.passed else "✘ Not yet"
        off = f" <b style='color:#b26a00'>{html.escape(self._prediction_mark.strip())}</b>" if self._prediction_mark else ""
        return (f"<div style='border-left:4px solid {colour};padding:0.3em 0.7em'>"
                f"<b>{mark}</b> <code>{html.escape(self.exercise)}</code>{off}: {_html(self.message)}</div>")


_CODE = re.compile(r"(`[^`]+`)")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*([^*\s][^*]*?)\*(?![*\w])")


def _emphasis(text: str, bold: str, italic: str) -> str:
    return _ITALIC.sub(italic, _BOLD.sub(bold, text))


def _html(message: str) -> str:
    """A message's `code`, **bold** and *italics* as HTML (everything else escaped; nothing
    inside `code` is emphasis: `invoice.*` keeps its asterisk)."""
    parts = _CODE.split(message)
    return "".join(f"<code>{html.escape(part[1:-1])}</code>" if index % 2
                   else _emphasis(html.escape(part), r"<b>\1</b>", r"<i>\1</i>")
                   for index, part in enumerate(parts))


def _plain_text(message: str) -> str:
    """A message as plain text: **bold** and *italics* without their asterisks (`code` kept)."""
    return "".join(part if index % 2 else _emphasis(part, r"\1", r"\1")
                   for index, part in enumerate(_CODE.split(message)))


class Look:
    """What a judge may look at, all of it evidence: the learner's attempts at this exercise (the
    requests sent after its task was started, kept on disk), the prediction locked before them,
    the IDs progress holds, and the account's objects, read through the API without writing to
    the request log. A judge is a function of these alone."""

    def __init__(self, evidence: journal.Evidence, client: stripe.StripeClient | None = None) -> None:
        self.evidence = evidence
        self.attempts_sent = list(evidence.attempts)
        self.predicted = evidence.prediction.value if evidence.prediction else None
        self.prediction = ""  # set by prediction_note: "right", "off" or "none"
        self.client = client or get_client(logged=False)

    def recorded(self, name: str, where: str) -> str:
        """The ID progress holds for ``name``; NotYet naming ``where`` it is made if there is none."""
        found = progress.recall(name)
        if not found:
            raise NotYet(f"No {name} recorded yet: {where} first, then check again.")
        return found

    def sent(self, method: str, path: str | re.Pattern[str], *, status: int | None = None,
             **params: str) -> list[journal.Attempt]:
        """The learner's attempts, oldest first, with this method, path (a regex matches the
        whole path), status and parameter values (``param(entry, name)`` spelling)."""
        pattern = path if isinstance(path, re.Pattern) else re.compile(re.escape(path))
        found = []
        for entry in self.attempts_sent:
            if entry.method != method or not pattern.fullmatch(entry.path):
                continue
            if status is not None and entry.status != status:
                continue
            if all(param(entry, k) == v for k, v in params.items()):
                found.append(entry)
        return found

    def attempts(self, method: str, path: str | re.Pattern[str]) -> list[journal.Attempt]:
        """The learner's attempts with this method and path, oldest first."""
        return self.sent(method, path)

    def prediction_note(self, *answers: Any) -> str:
        """A sentence on the prediction locked before the first attempt: matched, missed, or none."""
        shown = " / ".join(str(a) for a in answers if a is not None)
        if self.evidence.prediction is None:
            self.prediction = "none"
            late = self.evidence.late_prediction
            when = (f" (your prediction {late.shown} came after your first attempt, so it does not count)"
                    if late else "")
            return (f" You made no prediction before your run{when}; the answer was {shown}. Next time, "
                    "write it down first: that is where the learning is.")
        wanted = {_plain(a) for a in answers if a is not None}
        made = self.evidence.prediction
        if _plain(made.value) in wanted:
            self.prediction = "right"
            return f" You predicted {made.shown} before your run: right."
        self.prediction = "off"
        return f" You predicted {made.shown} before your run; Stripe's answer was {shown}: worth a second look."


def money(amount: int | None, currency: str) -> str:
    """``15000, "usd"`` → ``150.00 USD`` (JPY and other zero-decimal currencies without decimals)."""
    decimals = AMAZON_PAY_CURRENCIES.get(currency, 2)
    return f"{(amount or 0) / 10**decimals:.{decimals}f} {currency.upper()}"


def day(timestamp: int) -> str:
    """A Unix time as its UTC date, ``2027-05-01``."""
    return datetime.fromtimestamp(timestamp, UTC).date().isoformat()


def _plain(value: Any) -> str:
    return str(value).strip().lower()


def param(entry: journal.Attempt, name: str) -> str | None:
    """A request parameter as sent; ``items[0][price]`` and ``items[][price]`` are the same."""
    wanted = _index_free(name)
    for key, value in entry.params:
        if _index_free(key) == wanted:
            return value
    return None


def params_under(entry: journal.Attempt, prefix: str) -> list[str]:
    """Every value sent under a list parameter, e.g. ``allowed_payment_method_types``."""
    return [v for k, v in entry.params if _index_free(k).startswith(prefix + "[]") or k == prefix]


def _index_free(key: str) -> str:
    return re.sub(r"\[\d+\]", "[]", key)


EXERCISES: dict[str, Exercise] = {}


def exercise_definition(*, id: str, notebook: str, title: str, task: str, solution: str,  # noqa: A002
                        needs: tuple[str, ...] = (), predicts: bool = False, attempt: str = "",
                        expects: tuple[Expected, ...] = (),
                        ) -> Callable[[Callable[[Look], str]], Callable[[Look], str]]:
    """Register the decorated checker as exercise ``id``."""

    def register(judge: Callable[[Look], str]) -> Callable[[Look], str]:
        if id in EXERCISES:
            raise ValueError(f"Exercise {id} is defined twice.")
        EXERCISES[id] = Exercise(id, notebook, title, task.strip(), solution.strip(), judge, needs,
                                predicts, attempt, expects)
        return judge

    return register


def _unknown(exercise_id: str) -> str:
    return f"There is no exercise {exercise_id!r}. Known: {', '.join(sorted(EXERCISES))}."


def start(exercise_id: str) -> None:
    """The exercise's task is shown and the learner starts on it: every request this kernel sends
    from now on (until another exercise starts) is an attempt at it, kept on disk."""
    found = EXERCISES.get(exercise_id)
    if found is None:
        print(_unknown(exercise_id))
        return
    focus.start(exercise_id, found.expects)
    try:
        journal.started(exercise_id)
    except OSError:
        pass  # a read-only state dir: the attempts of this kernel cannot be kept either


def predict(exercise_id: str, value: Any = Ellipsis) -> None:
    """Start the exercise (as :func:`start`) and record the learner's prediction. It counts only
    if made before the first attempt: once the learner's code has sent a request for this
    exercise, a new prediction is kept as late and the check says so."""
    start(exercise_id)
    if exercise_id not in EXERCISES:
        return
    if value is Ellipsis or value is None:
        print(f"No prediction for {exercise_id} yet: replace ... with what you expect, then run this "
              "cell. (Your code below still runs and is checked; without a prediction the check says so.)")
        return
    earlier = journal.evidence(exercise_id, journal.records())
    try:
        journal.predicted(exercise_id, value)
    except OSError:
        return
    if not (earlier.attempts or earlier.unreached):
        print(f"Prediction for {exercise_id}: {value!r}. It is locked once your code sends its first request.")
        return
    locked = earlier.prediction
    if locked is not None and _plain(locked.value) == _plain(value):
        print(f"Prediction for {exercise_id}: {locked.shown}, locked before your first attempt.")
    else:
        print(f"Too late for a new prediction: your code already sent a request for {exercise_id}, so "
              f"{value!r} does not count (before your run you predicted "
              f"{locked.shown if locked else 'nothing'}).")


def _late_note(exercise: Exercise, predicted: Any) -> str:
    """A prediction passed to the check itself is made after the run: say that it does not count."""
    if predicted is None or predicted is Ellipsis or not exercise.predicts:
        return ""
    return (f" (The prediction {predicted!r} given to the check comes after your run and does not count: "
            f'predict before you run, with `check.predict("{exercise.id}", …)`.)')


def _judged(found: Exercise, evidence: journal.Evidence) -> tuple[str, str]:
    """The judge's message and the prediction's verdict; NotYet when not there yet."""
    if not evidence.started:
        raise NotYet(f"No attempt yet: start this exercise in its cell (first line `{found.first_line.split('  #')[0]}`), "
                     "put your code below it, run the cell, then check again.")
    if not evidence.attempts:
        if evidence.unreached:
            raise NotYet("Your requests for this exercise did not reach Stripe (no connection). Run the "
                         "notebook's first cell again (it starts the sandbox), then your exercise's cell.")
        raise no_attempt_yet(f"nothing was sent to Stripe since you started this exercise. "
                             f"{found.attempt or 'Run your code in the exercise cell.'}")
    look = Look(evidence)
    message = found.judge(look)
    return message, look.prediction


def run(exercise_id: str, predicted: Any = NO_PREDICTION) -> Result:
    """Check one exercise; never raises (everything that goes wrong becomes the hint). A pass,
    once earned, stays (it is kept on disk with its message)."""
    found = EXERCISES.get(exercise_id)
    if found is None:
        return Result(exercise_id, False, _unknown(exercise_id))
    late = _late_note(found, predicted)
    try:
        found_records = journal.records()
        if exercise_id in passed():
            earned = journal.pass_of(exercise_id, found_records)
            message = earned["message"] if earned else "You passed this exercise earlier."
            report_to_sandbox()  # a restarted sandbox learns it again
            return Result(exercise_id, True, message + " (A pass, once earned, stays.)",
                          earned.get("prediction", "") if earned else "")
        message, prediction = _judged(found, journal.evidence(exercise_id, found_records))
    except NotYet as hint:
        return Result(exercise_id, False, str(hint) + late)
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
        journal.passed(exercise_id, message, prediction)
    except OSError:
        pass  # a read-only state dir must not turn a pass into a failure
    report_to_sandbox()
    return Result(exercise_id, True, message + late, prediction)


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
