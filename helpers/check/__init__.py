""""Your turn": exercises that check themselves against your real objects.

    from helpers import check

    check.exercise("01-yearly-price")                   # ✔ … or ✘ not yet: a hint
    check.exercise("03-no-return-url", predicted=400)   # predict-then-run: say what you expected

A checker looks at what you made through the API (with a client that leaves the request log
alone) and at what you sent (this kernel's request log, ``helpers.client.entries()``). It never
raises: a missing step, a dead sandbox or a wrong answer all end in one sentence that says what to
change. A pass is recorded in progress as ``exercise.<id> = passed``; ``check.passed()`` lists them
(the hook for a trainer's view).

Each exercise also carries its task and solution as text (``check.markdown(id)`` gives the
notebook's "Your turn" block, solution collapsed); ``python -m helpers.check [notebook]`` prints them.
"""

from __future__ import annotations

from typing import Any

from . import (  # noqa: F401 - importing registers each notebook's exercises
    nb01_product_and_price,
    nb02_customer,
    nb03_setup_intent,
    nb04_redirect,
    nb05_subscription,
    nb06_webhooks,
    nb07_renewals,
    nb08_failures_and_recovery,
)
from ._core import EXERCISES, NO_PREDICTION, Exercise, Result, passed, run

__all__ = ["EXERCISES", "Exercise", "Result", "exercise", "exercises", "markdown", "passed"]


def exercise(exercise_id: str, predicted: Any = NO_PREDICTION) -> Result:
    """Check exercise ``exercise_id`` (e.g. ``"05-yearly-subscription"``): ✔, or a hint."""
    return run(exercise_id, predicted)


def exercises(notebook: str = "") -> list[Exercise]:
    """The exercises, in order; only those of notebooks starting with ``notebook`` (e.g. "05")."""
    return [e for e in EXERCISES.values() if e.notebook.startswith(notebook)]


def markdown(exercise_id: str) -> str:
    """The "Your turn" block for a notebook's markdown cell: task, check call, solution collapsed."""
    found = EXERCISES[exercise_id]
    call = (f'check.exercise("{found.id}", predicted=predicted)' if found.predicts
            else f'check.exercise("{found.id}")')
    return "\n".join([
        f"### Your turn: {found.title}",
        "",
        found.task,
        "",
        f"Then check: `{call}`",
        "",
        "<details><summary>Solution</summary>",
        "",
        "```python",
        found.solution,
        "```",
        "",
        "</details>",
    ])
