""""Your turn": exercises that check themselves against your real objects.

    from helpers import check

    check.start("01-yearly-price")           # first line of the exercise's cell: your attempt starts
    check.predict("03-no-return-url", 400)   # or: predict first (locked once your code sends a request)
    ...                                      # your code
    check.exercise("03-no-return-url")       # ✔ … or ✘ not yet: a hint

An attempt is only what you ran for this exercise after you started it: the requests this
kernel sends through ``get_client()`` while the exercise is in focus (until another one starts).
They are kept on disk with your prediction (``progress.exercise_journal()``), so a kernel restart
loses neither, and a pass, once earned, stays. The judge looks at those attempts and at the
objects they name, through the API with a client that leaves the request log alone. It never
raises: a missing step, a dead sandbox or a wrong answer all end in one sentence that says what to
change. What no checker can see, in either mode: requests sent another way (curl, another SDK,
the Dashboard). A pass is recorded in progress as ``exercise.<id> = passed``; ``check.passed()``
lists them (the hook for a trainer's view).

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
from ._core import EXERCISES, NO_PREDICTION, Exercise, Result, passed, predict, run, start

__all__ = ["EXERCISES", "Exercise", "Result", "exercise", "exercises", "markdown", "passed", "predict",
           "start"]


def exercise(exercise_id: str, predicted: Any = NO_PREDICTION) -> Result:
    """Check exercise ``exercise_id`` (e.g. ``"05-yearly-subscription"``): ✔, or a hint.
    ``predicted`` is accepted for old notebooks, but a prediction given here comes after the run
    and does not count (the answer says so): use :func:`predict` before you run."""
    return run(exercise_id, predicted)


def exercises(notebook: str = "") -> list[Exercise]:
    """The exercises, in order; only those of notebooks starting with ``notebook`` (e.g. "05")."""
    return [e for e in EXERCISES.values() if e.notebook.startswith(notebook)]


def markdown(exercise_id: str) -> str:
    """The "Your turn" block for a notebook's markdown cell: task, how to start and check, the
    solution collapsed."""
    found = EXERCISES[exercise_id]
    start_it = (f'start with `check.predict("{found.id}", …)`, your prediction in place of `…`'
                if found.predicts else f'start with `check.start("{found.id}")`')
    return "\n".join([
        f"### Your turn: {found.title}",
        "",
        found.task,
        "",
        f"In the cell below, {start_it}, then your code; run it, then check: "
        f'`check.exercise("{found.id}")`',
        "",
        "<details><summary>Solution</summary>",
        "",
        "```python",
        found.solution,
        "```",
        "",
        "</details>",
    ])
