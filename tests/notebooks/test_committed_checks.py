"""Issue 16's "done when": the notebooks as committed, run in order by a headless learner on a
fresh sandbox, and every checker asked: where the notebook asks it (after the exercise's cell ran
as committed, with nothing in it), again at the end of the notebook, and after each wrong answer
learners really give (tests/support/wrong_answers.py, at least two per exercise). None may pass.
"""

from __future__ import annotations

import json

import pytest

from helpers import autopilot, check
from support.learner import Learner
from support.wrong_answers import WRONG

pytestmark = [
    pytest.mark.xdist_group("committed-checks"),  # the notebooks run once for the module
    pytest.mark.browser,
    pytest.mark.skipif(not autopilot.browser_available(), reason="no Chromium found (set CHROMIUM_PATH)"),
]

NUMBERS = ("01", "02", "03", "04", "05", "06", "07", "08")  # the notebooks with exercises
VERDICT = "VERDICT "  # a line the added cells print: VERDICT {"id": …, "when": …, "passed": …, "message": …}
IMPORTS = "import datetime as dt\nimport time\n\nimport stripe\n\n"


def asked(exercise_id: str, when: str) -> str:
    """A cell that asks the checker and prints its verdict as one line."""
    return (f"import json as _json\n_verdict = check.exercise({exercise_id!r})\n"
            f"print({VERDICT!r} + _json.dumps({{'id': {exercise_id!r}, 'when': {when!r}, "
            "'passed': _verdict.passed, 'message': _verdict.message}))")


def added_cells(number: str) -> list[str]:
    cells = [asked(e.id, "at the end of the notebook, nothing tried") for e in check.exercises(number)]
    for item in check.exercises(number):
        for index, (code, _) in enumerate(WRONG[item.id]):
            cells += [IMPORTS + code, asked(item.id, f"after wrong answer {index + 1}")]
    return cells


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """01 to 08 as committed, in order, one kernel each, for one learner; each with the cells above
    at its end."""
    learner = Learner(tmp_path_factory.mktemp("learner") / "state")
    try:
        return {number: learner.run((number, {-1: added_cells(number)})) for number in NUMBERS}
    finally:
        learner.stop()


def test_every_exercise_is_asked_in_its_notebook_and_with_two_wrong_answers():
    for item in check.exercises():
        assert item.notebook[:2] in NUMBERS and len(WRONG[item.id]) >= 2, item.id


@pytest.mark.parametrize("number", NUMBERS)
def test_no_checker_passes_in_the_notebook_as_committed(runs, number):
    """The notebook's own check cells, run right after the exercise's cell as committed (its first
    line, nothing else): "No attempt yet", never ✔."""
    run = runs[number]
    checks = [cell for cell in run.cells if cell.source.startswith("check.exercise(")]
    assert len(checks) == len(check.exercises(number))
    for cell in checks:
        assert not cell.error, cell.text
        assert cell.text.startswith("✘ not yet ") and "No attempt yet" in cell.text, cell.text


@pytest.mark.parametrize("number", NUMBERS)
def test_no_checker_passes_without_an_attempt_or_on_a_wrong_answer(runs, number):
    found = verdicts(runs[number].text)
    expected = len(check.exercises(number)) + sum(len(WRONG[e.id]) for e in check.exercises(number))
    assert len(found) == expected, runs[number].text[-3000:]
    passed = [f"{v['id']} {v['when']}: {v['message']}" for v in found if v["passed"]]
    assert passed == []
    for verdict in found:
        if verdict["when"].startswith("at the end"):
            assert verdict["message"].startswith("No attempt yet"), verdict


def verdicts(text: str) -> list[dict]:
    return [json.loads(line[len(VERDICT):]) for line in text.splitlines() if line.startswith(VERDICT)]
