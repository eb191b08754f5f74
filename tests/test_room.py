"""Issue 18, the kernel's side (helpers/room.py): in a classroom the learner's kernel reports each
cell's outcome, the notebook, the cell and its section, and a heartbeat; never code or secrets;
only in a classroom; off with TUTORIAL_ROOM_REPORTS=off. A real kernel, as JupyterLab drives it
(each cell with its cellId), reports to a real classroom sandbox."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from types import SimpleNamespace

import httpx
import nbformat
import pytest

from helpers import room
from helpers.check import _core as check_core
from helpers.sandbox.client import process
from helpers.sandbox.shared.ids import random_token
from support.classroom import classroom_sandbox
from support.kernel import Kernel
from support.waiting import PATIENCE

pytestmark = pytest.mark.xdist_group("room-classroom")  # one classroom sandbox for the module

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_03 = ROOT / "notebooks" / "03_setup_intent.ipynb"
NOTEBOOK_01 = ROOT / "notebooks" / "01_product_and_price.ipynb"


def cell_id(notebook: Path, fragment: str) -> tuple[str, int]:
    """The id and number (1-based) of the first cell whose source holds ``fragment``."""
    cells = nbformat.read(notebook, as_version=4).cells
    index = next(i for i, c in enumerate(cells) if fragment in c.source)
    return cells[index].id, index + 1


# --------------------------------------------------------------------------- where a cell is


def test_a_cell_is_placed_by_its_notebook_section_and_exercise():
    notebook = room.Notebook(str(NOTEBOOK_03))
    exercise_cell, number = cell_id(NOTEBOOK_03, "check.predict(\"03-no-return-url\", ...)")
    assert notebook.locate(exercise_cell) == {"cell": number, "section": "Your turn: Leave out return_url",
                                              "exercise": "03-no-return-url"}
    guide_cell, number = cell_id(NOTEBOOK_03, "intent = client.v1.setup_intents.create(params=params)")
    assert notebook.locate(guide_cell) == {"cell": number, "section": "Create the SetupIntent", "exercise": None}
    assert notebook.locate("not-a-cell") == {} and room.Notebook(None).locate(exercise_cell) == {}


def test_an_exercise_is_found_by_any_call_that_names_it(tmp_path):
    """A section whose cells start the exercise or lock a prediction before the check."""
    cells = [nbformat.v4.new_markdown_cell("### Your turn: Leave out return_url"),
             nbformat.v4.new_code_cell('check.predict("03-no-return-url", 400)'),
             nbformat.v4.new_code_cell("# your code"),
             nbformat.v4.new_markdown_cell("## Key points")]
    path = tmp_path / "03_setup_intent.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    found = room.Notebook(str(path)).locate(cells[2].id)
    assert found == {"cell": 3, "section": "Your turn: Leave out return_url", "exercise": "03-no-return-url"}
    assert room.Notebook(str(path)).locate(cells[3].id)["exercise"] is None


# --------------------------------------------------------------------------- what a cell did


def executed(**fields) -> SimpleNamespace:
    info = SimpleNamespace(silent=False, store_history=True, cell_id=fields.pop("cell_id", None))
    return SimpleNamespace(info=info, result=fields.pop("result", None), error_in_exec=fields.pop("error", None),
                           error_before_exec=None)


def test_an_error_is_its_class_and_one_line_with_secrets_masked():
    key = "sk_test_" + random_token(24)
    code = f"raise ValueError('{key} was rejected\\nsecond line')"
    try:
        exec(code)  # noqa: S102 - the learner's cell
    except ValueError as error:
        event = room.outcome(executed(error=error), room.Notebook(None))
    assert event["ok"] is False and event["error"]["class"] == "ValueError"
    assert event["error"]["line"] == f"sk_test_…{key[-4:]} was rejected"
    assert key not in json.dumps(event) and "raise" not in json.dumps(event)


def test_a_check_is_reported_as_a_check_and_a_silent_run_not_at_all():
    result = check_core.Result("01-yearly-price", False, "No yearly price yet: create one.")
    event = room.outcome(executed(result=result), room.Notebook(None))
    assert event == {"kind": "check", "ok": False, "exercise": "01-yearly-price",
                     "line": "No yearly price yet: create one."}
    silent = executed()
    silent.info.silent = True
    assert room.outcome(silent, room.Notebook(None)) is None
    assert room.outcome(executed(), room.Notebook(None)) == {"kind": "cell", "ok": True}


def test_reports_only_in_a_classroom_and_never_when_turned_off(monkeypatch, tmp_path):
    monkeypatch.setenv("TUTORIAL_ENV_FILE", str(tmp_path / "none.env"))
    monkeypatch.setenv("TUTORIAL_MODE", "sandbox")
    monkeypatch.delenv("TUTORIAL_SANDBOX_URL", raising=False)
    assert not room.enabled()
    monkeypatch.setenv("TUTORIAL_SANDBOX_URL", "http://127.0.0.1:12111")
    assert room.enabled()
    monkeypatch.setenv("TUTORIAL_ROOM_REPORTS", "off")
    assert not room.enabled()
    monkeypatch.delenv("TUTORIAL_ROOM_REPORTS")
    monkeypatch.setenv("TUTORIAL_MODE", "stripe")
    assert not room.enabled()


def test_notes_outside_a_classroom_say_nobody_watches(monkeypatch, capsys, sandbox, tmp_path):
    monkeypatch.setenv("TUTORIAL_ENV_FILE", str(tmp_path / "none.env"))
    monkeypatch.setenv("TUTORIAL_MODE", "sandbox")
    monkeypatch.delenv("TUTORIAL_SANDBOX_URL", raising=False)
    room.stuck("help")
    assert capsys.readouterr().out.strip() == room.NO_ROOM
    monkeypatch.setenv("TUTORIAL_SANDBOX_URL", sandbox.url)  # a sandbox, but not a classroom's
    room.done()
    assert capsys.readouterr().out.strip() == room.NOT_A_ROOM
    assert room.why_no_room() == room.NOT_A_ROOM and room.sticky_notes() is None
    gone = f"http://127.0.0.1:{process.free_port()}"
    monkeypatch.setenv("TUTORIAL_SANDBOX_URL", gone)
    room.stuck()
    assert capsys.readouterr().out.strip().startswith(f"The classroom sandbox at {gone} does not answer: tell your trainer")


# --------------------------------------------------------------------------- a real kernel, a real room


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    with classroom_sandbox(tmp_path_factory.mktemp("room")) as (url, printed):
        yield url, re.search(r"Trainer token[^:]*: (\S+)", printed).group(1)


def learners(url: str, token: str) -> dict[str, dict]:
    """The room's learners by display name (unnamed ones by their account)."""
    answer = httpx.get(f"{url}/trainer/progress", headers={process.TRAINER_HEADER: token}).json()
    return {learner["display_name"] or learner["id"]: learner for learner in answer["learners"]}


def until(condition, seconds: float = PATIENCE):
    deadline = time.monotonic() + seconds
    while True:
        found = condition()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_a_kernel_reports_its_cells_to_the_room_and_says_when_it_shuts_down(classroom, tmp_path):
    url, token = classroom
    kernel = Kernel(NOTEBOOK_01, {"TUTORIAL_SANDBOX_URL": url, "TUTORIAL_MODE": "sandbox",
                                  "TUTORIAL_STATE_DIR": str(tmp_path), "TUTORIAL_ENV_FILE": str(tmp_path / "none")})
    try:
        first, _ = cell_id(NOTEBOOK_01, "room.sticky_notes()")
        setup = nbformat.read(NOTEBOOK_01, as_version=4).cells[1].source
        assert kernel.run(setup + "\nfrom helpers.sandbox.client import control\ncontrol.set_display_name('Kernel')",
                          first)["status"] == "ok"
        attempt, number = cell_id(NOTEBOOK_01, "# your code")
        key = "sk_test_" + random_token(24)
        assert kernel.run(f"secret = '{key}'\nraise KeyError(secret)", attempt)["status"] == "error"
        stuck = until(lambda: learners(url, token).get("Kernel", {}).get("state") == "stuck")
        assert stuck, learners(url, token)
        latest = learners(url, token)["Kernel"]["latest"]
        assert latest["title"] == "KeyError" and latest["where"] == f"01 · cell {number} · Your turn: A yearly price"
        assert key not in json.dumps(latest) and "secret =" not in json.dumps(latest)
        assert latest["exercise"] == "01-yearly-price"
        kernel.run("1 + 1", attempt)
        assert until(lambda: learners(url, token)["Kernel"]["state"] == "working")
        assert learners(url, token)["Kernel"]["kernel"]["notebook"] == NOTEBOOK_01.name
    finally:
        kernel.shutdown()
    assert until(lambda: (learners(url, token)["Kernel"]["kernel"] or {}).get("ended"))


def test_the_environments_kernel_config_reports_from_a_kernels_first_cell(classroom, tmp_path):
    """A learner who runs a middle cell first after a restart: the kernel config loads
    helpers.room at the kernel's start (as it loads helpers.explain), nothing to set up."""
    url, token = classroom
    config = (ROOT / "jupyter-config" / "ipython_kernel_config.py").read_text()
    extensions = tuple(re.findall(r'extensions\.append\("([a-z.]+)"\)', config))
    assert "helpers.room" in extensions
    state = tmp_path / "middle"
    kernel = Kernel(NOTEBOOK_01, {"TUTORIAL_SANDBOX_URL": url, "TUTORIAL_MODE": "sandbox",
                                  "TUTORIAL_STATE_DIR": str(state), "TUTORIAL_ENV_FILE": str(tmp_path / "none")},
                    extensions)
    try:
        middle, number = cell_id(NOTEBOOK_01, "params = form.price_params(product.id)")
        assert kernel.run(nbformat.read(NOTEBOOK_01, as_version=4).cells[number - 1].source, middle)["status"] == "error"
        found = until(lambda: [learner for learner in learners(url, token).values()
                               if (learner["latest"] or {}).get("title") == "NameError"])
        assert found and found[0]["state"] == "stuck", found
        assert found[0]["latest"]["where"] == f"01 · cell {number} · Create the recurring price"
    finally:
        kernel.shutdown()


def _room_reporter(url: str, monkeypatch, tmp_path, name: str) -> room.Reporter:
    """A reporter with a key of its own and a display name the trainer's view shows."""
    monkeypatch.setenv("TUTORIAL_STATE_DIR", str(tmp_path))
    from helpers.sandbox.client import keys

    answer = httpx.post(f"{url}/_sandbox/account", data={"display_name": name},
                        headers={"Authorization": f"Bearer {keys.keys()[0]}"})
    assert answer.status_code == 200, answer.text
    return room.Reporter(url, room.Notebook(str(NOTEBOOK_01)))  # never started: the test sends


def test_a_long_outages_events_reach_the_room_in_reports_it_takes(classroom, monkeypatch, tmp_path):
    """200 events kept while the sandbox was away go in reports of at most the sandbox's 50."""
    url, token = classroom
    reporter = _room_reporter(url, monkeypatch, tmp_path, "Outage")
    for number in range(1, room.QUEUE_LIMIT):
        reporter.add({"kind": "cell", "ok": True, "cell": number})
    reporter.add({"kind": "cell", "ok": False, "cell": 7, "error": {"class": "LastOne", "line": "the last"}})
    assert reporter.send() and not reporter._events
    assert reporter.sent == room.QUEUE_LIMIT // room.REPORT_EVENTS
    assert learners(url, token)["Outage"]["latest"]["title"] == "LastOne"


def test_events_of_an_outage_keep_their_order_when_a_report_is_slow(classroom, monkeypatch, tmp_path):
    """The sandbox dates an event by its age: ages counted at each post made a slow first report's
    events newer than the last one (the full suite, under load, saw the wrong latest)."""
    url, token = classroom
    reporter = _room_reporter(url, monkeypatch, tmp_path, "Slow")
    real_post, posts = httpx.post, []

    def slow_first(*args, **kwargs):
        posts.append(1)
        if len(posts) == 1:
            time.sleep(0.5)  # the first report takes half a second to get there
        return real_post(*args, **kwargs)

    for number in range(1, 60):
        reporter.add({"kind": "cell", "ok": True, "cell": number})
    reporter.add({"kind": "cell", "ok": False, "cell": 7, "error": {"class": "LastOne", "line": "the last"}})
    monkeypatch.setattr(room.httpx, "post", slow_first)
    assert reporter.send() and len(posts) == 2
    assert learners(url, token)["Slow"]["latest"]["title"] == "LastOne"


def test_a_report_the_room_refuses_is_dropped_and_the_next_one_gets_through(classroom, monkeypatch, tmp_path):
    url, token = classroom
    reporter = _room_reporter(url, monkeypatch, tmp_path, "Refused")
    reporter.add({"kind": "cell", "ok": True, "exercise": "Not an exercise id"})  # the sandbox answers 400
    assert not reporter.send() and not reporter._events
    reporter.add({"kind": "cell", "ok": False, "cell": 3, "error": {"class": "AfterTheRefusal", "line": "x"}})
    assert reporter.send()
    assert learners(url, token)["Refused"]["latest"]["title"] == "AfterTheRefusal"


def test_a_report_the_room_never_heard_waits_for_the_next_beat(monkeypatch, tmp_path):
    monkeypatch.setenv("TUTORIAL_STATE_DIR", str(tmp_path))
    reporter = room.Reporter(f"http://127.0.0.1:{process.free_port()}", room.Notebook(None))
    reporter.classroom = True  # as learned before the sandbox went away
    reporter.add({"kind": "cell", "ok": True})
    assert not reporter.send(timeout=0.5) and len(reporter._events) == 1


def test_a_report_stays_within_what_the_sandbox_takes_even_with_long_lines(monkeypatch, tmp_path):
    """Its limits are the sandbox's (the kernel does not import the server): at most 50 events,
    and under 64,000 bytes even when every line is 300 characters of escaped text."""
    from helpers.sandbox.classroom import learners as server

    assert room.REPORT_EVENTS == server.MAX_EVENTS and room.REPORT_BYTES < server.MAX_REPORT_BYTES
    reporter = room.Reporter("http://127.0.0.1:9", room.Notebook(None))
    long = {"kind": "cell", "ok": False, "cell": 99_999, "section": "é" * 120, "exercise": "01-" + "a" * 60,
            "error": {"class": "A" * 80, "line": "🔑" * 300, "request_id": "req_" + "a" * 60}}
    for _ in range(room.QUEUE_LIMIT):
        reporter.add(long)
    sent = []
    monkeypatch.setattr(reporter, "_post", lambda batch, now, timeout: sent.append(batch) or 200)
    reporter.classroom = True
    assert reporter.send() and len(sent) > room.QUEUE_LIMIT // room.REPORT_EVENTS
    for batch in sent:
        report = {"kernel": reporter.kernel, "notebook": "x" * 120,
                  "events": [{**event, "age": 3599.999} for _, event in batch]}
        assert len(httpx.Request("POST", "http://x", json=report).content) <= server.MAX_REPORT_BYTES
