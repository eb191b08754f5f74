"""Issue 18: the room, told truly. What the trainer's view says of each learner comes from what
really happened: their kernel's reports (a failed cell, a form that stopped a value, a check)
and the sandbox's own answers; an error is expected only in the exercise that asks for it; a
pass the learner posted is shown as reported, not passed; passes, notes and errors survive a
restart; names are checked; accounts are opened at a bounded rate; the room can be forgotten.

The app runs in this process (one TestClient), a classroom with a trainer token; the Room's
clock is moved where a test needs time to pass."""

from __future__ import annotations

import csv
import io
import sqlite3
import subprocess
import sys
import time
import unicodedata
import warnings

import pytest

from helpers.sandbox.classroom import exercises, lessons
from helpers.sandbox.resources import test_clocks
from helpers.sandbox.server import create_app
from helpers.sandbox.shared.contract import RESET_HEADER, TRAINER_HEADER
from helpers.sandbox.shared.ids import random_token
from helpers.sandbox.state.database import Database
from helpers.sandbox.state.room import Room
from helpers.sandbox.state.room_activity import Note

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

TOKEN = "trainer-" + random_token(16)
TRAINER = {TRAINER_HEADER: TOKEN}
GUIDE_SETUP = {"confirm": "true", "payment_method_data[type]": "amazon_pay", "usage": "off_session",
               "mandate_data[customer_acceptance][type]": "online",
               "mandate_data[customer_acceptance][online][ip_address]": "127.0.0.1",
               "mandate_data[customer_acceptance][online][user_agent]": "room test"}


class Classroom:
    """A classroom sandbox in this process; ``restart()`` opens the same database again."""

    def __init__(self, path, **options) -> None:
        self.path, self.options = path, options
        self.client: TestClient | None = None
        self.start()

    def start(self) -> None:
        app = create_app(Database(self.path), classroom=True, trainer_token=TOKEN, **self.options)
        self.app = app
        self.client = TestClient(app, base_url="http://127.0.0.1", client=("127.0.0.1", 50000)).__enter__()

    def stop(self) -> None:
        self.client.__exit__(None, None, None)

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def learners(self):
        """The classroom's ``Learners``: every learner's state, as the trainer's view reads it."""
        return self.app.state.learners

    def rows(self, table: str) -> int:
        """How many rows ``table`` of the database holds (read beside the app, as a trainer could)."""
        with sqlite3.connect(self.path) as db:
            return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608

    def learner(self, name: str | None = None) -> Learner:
        found = Learner(self, "sk_test_" + random_token(32))
        if name:
            assert found.post("/_sandbox/account", data={"display_name": name}).status_code == 200
        return found

    def view(self) -> dict:
        self.learners.flush()
        answer = self.client.get("/trainer/progress", headers=TRAINER)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def row(self, learner: Learner) -> dict:
        return next(row for row in self.view()["learners"] if row["id"] == learner.id)


class Learner:
    def __init__(self, room: Classroom, key: str) -> None:
        self.classroom, self.key = room, key
        self.headers = {"Authorization": f"Bearer {key}"}
        self.kernel = "k" + random_token(8)

    def post(self, path: str, headers: dict | None = None, **kwargs):
        return self.classroom.client.post(path, headers={**self.headers, **(headers or {})}, **kwargs)

    def get(self, path: str, **kwargs):
        return self.classroom.client.get(path, headers=self.headers, **kwargs)

    @property
    def id(self) -> str:
        return self.get("/_sandbox/account").json()["id"]

    def report(self, *events: dict, notebook: str = "03_setup_intent.ipynb"):
        """What helpers/room.py sends after a cell."""
        answer = self.post("/_sandbox/room", json={"kernel": self.kernel, "notebook": notebook,
                                                    "events": list(events)})
        assert answer.status_code == 200, answer.text
        return answer

    def customer(self) -> str:
        return self.post("/v1/customers").json()["id"]


def cell(ok: bool = True, **fields) -> dict:
    return {"kind": "cell", "ok": ok, "age": 0, **fields}


def failed(error_class: str, line: str, request_id: str | None = None, **fields) -> dict:
    return cell(False, error={"class": error_class, "line": line, "request_id": request_id}, **fields)


@pytest.fixture
def classroom(tmp_path, monkeypatch):
    monkeypatch.setattr(test_clocks, "start", lambda store, version: None)
    room = Classroom(tmp_path / "room.sqlite3")
    yield room
    room.stop()


# --------------------------------------------------------------------------- stuck, from the truth


def test_a_failed_call_makes_a_learner_stuck_and_the_next_call_that_succeeds_ends_it(classroom):
    ada = classroom.learner("Ada")
    assert ada.get("/v1/customers/cus_mytypo1").status_code == 404
    row = classroom.row(ada)
    assert row["state"] == "stuck" and row["latest"]["title"] == "404 resource_missing"
    assert row["latest"]["text"] == "No such customer: 'cus_mytypo1'" and row["latest"]["source"] == "sandbox"
    assert row["cells"]["customer"] == "failed"
    ada.customer()
    row = classroom.row(ada)
    assert row["state"] == "working" and row["stuck_times"] == 1 and row["stuck_seconds"] > 0
    assert row["cells"]["customer"] == "done"


def test_a_failed_cell_is_stuck_whatever_the_sandbox_saw_until_a_cell_runs(classroom):
    grace = classroom.learner("Grace")
    grace.report(failed("NameError", "name 'customer_id' is not defined", cell=7, section="Create the SetupIntent"))
    assert classroom.row(grace)["state"] == "stuck"
    grace.customer()  # a call that succeeded (curl, another kernel) does not undo the failed cell
    row = classroom.row(grace)
    assert row["state"] == "stuck" and row["latest"]["title"] == "NameError"
    assert row["latest"]["where"] == "03 · cell 7 · Create the SetupIntent"
    grace.report(cell(cell=8))  # the next cell ran: she moved on
    assert classroom.row(grace)["state"] == "working"


def test_an_error_the_cell_handled_is_not_stuck(classroom):
    """Notebook 03's lesson catches the endive error in a try/except: the cell runs."""
    hedy = classroom.learner("Hedy")
    assert hedy.post("/v1/setup_intents", data={"payment_method_types[]": "amazon_pay"}).status_code == 400
    assert classroom.row(hedy)["state"] == "stuck"  # for the moment between the call and the cell's end
    hedy.report(cell(cell=17, section="2. The same call on the SDK's version"))
    assert classroom.row(hedy)["state"] == "working"


def test_the_guides_own_call_without_return_url_is_stuck_outside_its_exercise(classroom):
    """The issue's first finding: the guide's SetupIntent call without return_url was shown as
    "expected: 03's exercise", although the learner was not in that exercise."""
    learner = classroom.learner("Barbara")
    customer = learner.customer()
    refused = learner.post("/v1/setup_intents", data={**GUIDE_SETUP, "customer": customer})
    assert refused.json()["error"]["param"] == "return_url"
    learner.report(failed("InvalidRequestError", "A return_url must be specified", refused.headers["request-id"],
                          cell=5, section="Create the SetupIntent"))
    row = classroom.row(learner)
    assert row["state"] == "stuck" and row["latest"]["expected"] is None
    assert row["latest"]["call"] == "400 parameter_missing · POST /v1/setup_intents"

    again = learner.post("/v1/setup_intents", data={**GUIDE_SETUP, "customer": customer})
    learner.report(failed("InvalidRequestError", "A return_url must be specified", again.headers["request-id"],
                          cell=22, section="Your turn: Leave out return_url", exercise="03-no-return-url"))
    row = classroom.row(learner)
    assert row["state"] == "expected" and row["latest"]["expected"] == "03's exercise 03-no-return-url"
    assert row["cells"]["03-no-return-url"] == "expected" and row["stuck_times"] == 1


def test_the_guides_own_mistake_is_no_evidence_for_the_exercise(classroom):
    """The guide's SetupIntent call without return_url, stuck, made a self-posted pass of
    03-no-return-url show as passed."""
    learner = classroom.learner("Guide only")
    refused = learner.post("/v1/setup_intents", data={**GUIDE_SETUP, "customer": learner.customer()})
    learner.report(failed("InvalidRequestError", "A return_url must be specified", refused.headers["request-id"],
                          cell=5, section="Create the SetupIntent"))
    learner.post("/_sandbox/exercises", data={"passed": ["03-no-return-url"], "total": "17"})
    row = classroom.row(learner)
    assert row["state"] == "stuck" and row["cells"]["03-no-return-url"] == "reported"


@pytest.mark.parametrize("handled", [False, True], ids=["cell-failed", "cell-caught-it"])
def test_the_exercises_own_error_is_evidence_and_leaves_the_guides_step_alone(classroom, handled):
    """03-no-return-url done as asked: the error raised out of the cell, or caught in it (the
    model answer). The SetupIntent step showed ✘ for it."""
    learner = classroom.learner("Does 03")
    answer = learner.post("/v1/setup_intents", data={**GUIDE_SETUP, "customer": learner.customer()})
    assert answer.status_code == 400
    assert classroom.row(learner)["cells"]["setup_intent"] == "failed"  # until the kernel says where
    where = {"cell": 22, "section": "Your turn: Leave out return_url", "exercise": "03-no-return-url"}
    learner.report(cell(**where) if handled else failed(
        "InvalidRequestError", "A return_url must be specified", answer.headers["request-id"], **where))
    learner.post("/_sandbox/exercises", data={"passed": ["03-no-return-url"], "total": "17"})
    row = classroom.row(learner)
    assert row["cells"]["03-no-return-url"] == "passed" and row["cells"]["setup_intent"] == "expected"
    assert row["state"] == ("working" if handled else "expected")


def test_an_expected_error_turns_idle_after_10_minutes(classroom):
    learner = classroom.learner("Left the room")
    customer = learner.customer()
    answer = learner.post("/v1/setup_intents", data={**GUIDE_SETUP, "customer": customer})
    learner.report(failed("InvalidRequestError", "A return_url must be specified", answer.headers["request-id"],
                          cell=22, exercise="03-no-return-url"), {"kind": "ended"})
    assert classroom.row(learner)["state"] == "expected"
    later = {r["id"]: r for r in classroom.learners.states(now=time.time() + 11 * 60)}[learner.id]
    assert later["state"] == "idle"


def test_another_error_in_the_exercise_is_stuck(classroom):
    learner = classroom.learner("Wrong param")
    customer = learner.customer()
    wrong = learner.post("/v1/setup_intents", data={**GUIDE_SETUP, "customer": customer, "usage": "sometimes"})
    assert wrong.status_code == 400 and wrong.json()["error"]["param"] == "usage"
    learner.report(failed("InvalidRequestError", "Invalid usage", wrong.headers["request-id"], cell=22,
                          exercise="03-no-return-url"))
    assert classroom.row(learner)["state"] == "stuck"


def test_a_form_stop_and_a_failed_check_are_stuck_and_a_passed_check_is_reported(classroom):
    learner = classroom.learner("Katherine")
    learner.report(failed("FormError", "Amount 'abc' is not a number (use a dot for decimals, e.g. 15.00).",
                          cell=5), notebook="01_product_and_price.ipynb")
    row = classroom.row(learner)
    assert row["state"] == "stuck" and row["latest"]["kind"] == "form"
    assert row["cells"]["product_price"] == "failed"
    learner.report({"kind": "check", "ok": False, "age": 0, "cell": 15, "exercise": "01-yearly-price",
                    "line": "No yearly price yet: create one with recurring[interval]=year."},
                   notebook="01_product_and_price.ipynb")
    row = classroom.row(learner)
    assert row["state"] == "stuck" and row["latest"]["kind"] == "check" and row["latest"]["title"] == "✘ not yet"
    assert row["cells"]["01-yearly-price"] == "failed"
    learner.report({"kind": "check", "ok": True, "age": 0, "exercise": "01-yearly-price", "line": "Well done."},
                   notebook="01_product_and_price.ipynb")
    row = classroom.row(learner)
    assert row["state"] == "working"
    assert row["cells"]["01-yearly-price"] == "reported"  # no yearly price in her account: not seen


# --------------------------------------------------------------------------- passes the trainer can trust


def test_a_self_posted_pass_is_not_shown_as_passed(classroom):
    cheat = classroom.learner("Posts passes")
    assert cheat.post("/_sandbox/exercises", data={"passed": list(exercises.IDS), "total": "17"}).status_code == 200
    view = classroom.view()
    row = next(r for r in view["learners"] if r["id"] == cheat.id)
    assert {row["cells"][e] for e in exercises.IDS} == {"reported"}
    assert all(view["counts"][e]["passed"] == 0 for e in exercises.IDS)


def test_a_pass_is_passed_where_the_sandbox_saw_the_exercise_done(classroom):
    learner = classroom.learner("Does the work")
    assert learner.get("/v1/customers/cus_doesnotexist").status_code == 404  # 02-missing-customer's answer,
    learner.report(cell(cell=9, section="Your turn: A customer that does not exist", exercise="02-missing-customer"), notebook="02_customer.ipynb")  # in its cell
    product = learner.post("/v1/products", data={"name": "Stock photos"}).json()["id"]
    learner.post("/v1/prices", data={"product": product, "unit_amount": "15000", "currency": "usd",
                                     "recurring[interval]": "year"})
    learner.post("/_sandbox/exercises", data={"passed": ["02-missing-customer", "01-yearly-price",
                                                         "07-next-renewal"], "total": "17"})
    cells = classroom.row(learner)["cells"]
    assert (cells["02-missing-customer"], cells["01-yearly-price"]) == ("passed", "passed")
    assert cells["07-next-renewal"] == "reported"  # a prediction: nothing for the sandbox to see


def test_02s_lesson_expects_only_the_idempotency_error_it_provokes():
    refused = {"method": "POST", "path": "/v1/customers", "status": 400, "error_code": None, "error_param": None}
    assert lessons.expected({**refused, "error_type": "idempotency_error"}, exercise=None, notebook="02") == \
        "02's lesson on idempotency keys"
    assert lessons.expected({**refused, "error_type": "invalid_request_error"}, exercise=None, notebook="02") is None


def test_the_exercise_list_is_the_checkers_and_the_lessons_name_only_exercises_of_it():
    from helpers import check

    assert exercises.IDS == tuple(check.EXERCISES)
    assert all(len(e.label) <= 13 for e in exercises.EXERCISES)
    assert {e.exercise for e in lessons.EXPECTED if e.exercise} <= set(exercises.IDS)


# --------------------------------------------------------------------------- nothing lost


def test_passes_notes_errors_and_time_stuck_survive_a_restart(classroom):
    learner = classroom.learner("Survivor")
    learner.get("/v1/customers/cus_doesnotexist")
    learner.report(cell(cell=9, section="Your turn: A customer that does not exist", exercise="02-missing-customer"), notebook="02_customer.ipynb")
    learner.post("/_sandbox/exercises", data={"passed": ["02-missing-customer"], "total": "17"})
    assert learner.post("/_sandbox/note", data={"kind": "stuck", "text": "the redirect never comes back"}).json()[
        "note"]["text"] == "the redirect never comes back"
    learner.report(failed("StoppedWaiting", "Stopped waiting for the redirect.", cell=12),
                   notebook="04_redirect_with_stripe_js.ipynb")
    before = classroom.row(learner)
    classroom.restart()
    after = classroom.row(learner)
    assert after["cells"]["02-missing-customer"] == "passed"
    assert after["note"]["kind"] == "stuck" and after["note"]["text"] == "the redirect never comes back"
    assert after["state"] == "stuck" and after["latest"]["kind"] == "stopped" and after["since"] == before["since"]
    assert after["last_error"]["error_code"] == "resource_missing"
    assert after["place"]["where"] == "04 · cell 12"
    assert learner.post("/_sandbox/note", data={"kind": "clear"}).json() == {"note": None, "cleared": True}


def test_the_trainer_takes_a_note_down_from_the_view(classroom):
    learner = classroom.learner("Raises a hand")
    learner.post("/_sandbox/note", data={"kind": "done"})
    assert classroom.row(learner)["note"]["kind"] == "done"
    assert classroom.client.post(f"/trainer/learner/{learner.id}/note/clear").status_code == 403  # not signed in
    cleared = classroom.client.post(f"/trainer/learner/{learner.id}/note/clear", headers=TRAINER)
    assert cleared.json() == {"cleared": True} and classroom.row(learner)["note"] is None


def test_forget_accounts_removes_the_last_groups_accounts_and_rows(classroom):
    old = classroom.learner("Last week")
    old.get("/v1/customers/cus_doesnotexist")
    old.post("/_sandbox/note", data={"kind": "stuck"})
    old.report(cell(cell=3))
    reset = dict([RESET_HEADER])
    refused = old.post("/_sandbox/reset", headers=reset, data={"forget_accounts": "true"})
    assert refused.status_code == 403 and "Only the trainer's reset" in refused.json()["error"]["message"]
    answer = classroom.client.post("/_sandbox/reset", headers={**reset, **TRAINER}, data={"forget_accounts": "true"})
    assert answer.status_code == 200 and answer.json()["forgotten"] == 1 and answer.json()["accounts"] == 0
    assert classroom.view()["learners"] == []
    for table in ("room_learners", "room_outcomes", "room_notes", "room_passes", "room_evidence"):
        assert classroom.rows(table) == 0, table
    old.customer()  # the same key opens a new, empty account
    again = classroom.row(old)
    assert again["display_name"] is None and again["note"] is None and again["last_error"] is None


ROOM_TABLES = ("room_learners", "room_outcomes", "room_notes", "room_passes", "room_evidence")


def rows_of(classroom: Classroom, account: str) -> dict[str, int]:
    with sqlite3.connect(classroom.path) as db:
        return {table: db.execute(f"SELECT count(*) FROM {table} WHERE account = ?",  # noqa: S608
                                  (account,)).fetchone()[0] for table in ROOM_TABLES}


def test_an_accounts_reset_removes_its_room_rows_and_no_one_elses(classroom):
    """A learner's reset empties their account, what the room knows of them included (state's
    ``AccountStore.reset``); another learner's rows stay."""
    learners = [classroom.learner("Resets"), classroom.learner("Keeps")]
    for learner in learners:
        learner.get("/v1/customers/cus_doesnotexist")  # a failed call, and 02-missing-customer's evidence
        learner.report(cell(cell=9, section="Your turn: A customer that does not exist", exercise="02-missing-customer"), notebook="02_customer.ipynb")
        learner.post("/_sandbox/note", data={"kind": "stuck"})
        learner.report({"kind": "check", "ok": True, "age": 0, "exercise": "02-missing-customer"})
    classroom.learners.flush()
    resets, keeps = (learner.id for learner in learners)
    assert all(rows_of(classroom, resets).values()) and all(rows_of(classroom, keeps).values())
    answer = learners[0].post("/_sandbox/reset", headers=dict([RESET_HEADER]))
    assert answer.status_code == 200 and answer.json()["reset"] == resets
    assert rows_of(classroom, resets) == dict.fromkeys(ROOM_TABLES, 0)
    assert all(rows_of(classroom, keeps).values())
    row = classroom.row(learners[0])
    assert row["note"] is None and row["last_error"] is None and row["state"] == "new"


def test_a_classroom_database_of_before_migration_7_opens_with_its_room(tmp_path):
    """Before the room's tables were migration 7, a classroom sandbox made them on first use: such
    a database (user_version 6, the tables there) opens with what the room knew kept."""
    path = tmp_path / "room.sqlite3"
    store = Room(Database(path)).account("acct_before")
    store.activity.set_note(Note("stuck", "before the upgrade", 1000.0))
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 6")
    assert Room(Database(path)).notes() == {"acct_before": Note("stuck", "before the upgrade", 1000.0)}
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 7


def test_forget_accounts_on_a_stopped_sandbox(tmp_path, monkeypatch):
    monkeypatch.setattr(test_clocks, "start", lambda store, version: None)
    room = Classroom(tmp_path / "room.sqlite3")
    room.learner("Kept until forgotten").get("/v1/customers/cus_doesnotexist")
    room.learners.flush()
    room.stop()
    cli = [sys.executable, "-m", "helpers.sandbox", "reset", "--db", str(tmp_path / "room.sqlite3"),
           "--url", "http://127.0.0.1:9"]
    refused = subprocess.run([*cli, "--forget-accounts"], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "with --all" in refused.stderr
    done = subprocess.run([*cli, "--all", "--forget-accounts"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Removed every account (1 account" in done.stdout, done.stderr
    assert room.rows("accounts") == 0
    assert room.rows("room_learners") == 0


def test_the_export_has_a_row_per_learner_and_no_formula(classroom):
    evil = classroom.learner("=HYPERLINK(\"http://evil\")")
    evil.get("/v1/customers/cus_mytypo1")
    evil.report({"kind": "check", "ok": False, "age": 0, "exercise": "01-yearly-price", "line": "No yearly price."},
                notebook="01_product_and_price.ipynb")
    classroom.learner("Plain").customer()
    answer = classroom.client.get("/trainer/export.csv", headers=TRAINER)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [r["learner"] for r in rows] == ["'=HYPERLINK(\"http://evil\")", "Plain"]  # stuck first
    assert rows[0]["state"] == "stuck" and float(rows[0]["minutes stuck"]) >= 0 and rows[0]["times stuck"] == "1"
    assert rows[0]["Customer"] == "failed" and rows[1]["Customer"] == "done" and rows[1]["01-yearly-price"] == ""
    assert rows[0]["01-yearly-price"] == "failed"  # a check that said "not yet"; "" is never tried
    assert classroom.client.get("/trainer/export.csv").status_code == 403


# --------------------------------------------------------------------------- kernels, order, counts


def test_a_kernel_that_stops_beating_is_silent_and_one_that_shut_down_is_not(classroom):
    room = classroom.learners
    quiet, closed = classroom.learner("Quiet"), classroom.learner("Closed")
    room.kernel_report(quiet.id, {"kernel": "k1", "notebook": "05_subscription.ipynb", "events": [cell(cell=3)]},
                       now=1000.0)
    room.kernel_report(closed.id, {"kernel": "k2", "notebook": "05_subscription.ipynb", "events": [cell(cell=3)]},
                       now=1000.0)
    room.kernel_report(closed.id, {"kernel": "k2", "events": [{"kind": "ended"}]}, now=1001.0)
    room.kernel_report(closed.id, {"kernel": "k2", "events": []}, now=1001.5)  # its last beat, sent meanwhile
    states = {r["id"]: r for r in room.states(now=1020.0)}
    assert states[quiet.id]["state"] == "working"
    states = {r["id"]: r for r in room.states(now=1040.0)}
    assert states[quiet.id]["state"] == "silent" and states[quiet.id]["kernel"]["silent"]
    assert states[closed.id]["state"] != "silent" and states[closed.id]["kernel"]["ended"]
    room.kernel_report(quiet.id, {"kernel": "k1", "events": []}, now=1041.0)  # a heartbeat: alive again
    assert {r["id"]: r for r in room.states(now=1042.0)}[quiet.id]["state"] == "working"


def test_after_a_kernel_restart_the_new_kernel_is_the_learners_even_before_it_runs_a_cell(classroom):
    room = classroom.learners
    restarted, forced = classroom.learner("Restarted"), classroom.learner("Force-restarted")
    for learner in (restarted, forced):
        room.kernel_report(learner.id, {"kernel": "old", "notebook": "05_subscription.ipynb",
                                        "events": [cell(cell=3)]}, now=1000.0)
    room.kernel_report(restarted.id, {"kernel": "old", "events": [{"kind": "ended"}]}, now=1001.0)
    for learner in (restarted, forced):  # the old one of "forced" died without a word
        room.kernel_report(learner.id, {"kernel": "new", "notebook": "05_subscription.ipynb", "events": []},
                           now=1050.0)
    states = {r["id"]: r for r in room.states(now=1051.0)}
    for learner in (restarted, forced):
        row = states[learner.id]
        assert row["state"] == "working" and row["kernel"]["last_seen"] == 1050.0, learner
        assert not row["kernel"]["ended"] and not row["kernel"]["silent"]


def test_stuck_learners_come_first_longest_first_and_counts_per_column(classroom):
    room = classroom.learners
    names = ["Zed", "Amy", "Bob", "Cy"]
    learners = {name: classroom.learner(name) for name in names}
    for name in names:
        learners[name].customer()
    room.kernel_report(learners["Bob"].id, {"kernel": "b", "events": [failed("KeyError", "'x'")]}, now=2000.0)
    room.kernel_report(learners["Zed"].id, {"kernel": "z", "events": [failed("KeyError", "'y'")]}, now=1000.0)
    learners["Cy"].post("/_sandbox/note", data={"kind": "done"})
    view = classroom.view()
    assert [r["display_name"] for r in view["learners"]] == ["Zed", "Bob", "Amy", "Cy"]
    assert view["counts"]["customer"]["done"] == 4 and view["counts"]["product_price"]["done"] == 0
    assert view["summary"]["stuck"] == 2


# --------------------------------------------------------------------------- what the room accepts


@pytest.mark.parametrize(("report", "param"), [
    ({"kernel": "bad id!", "events": []}, "kernel"),
    ({"kernel": "k", "events": [{"kind": "print"}]}, "events[0]"),
    ({"kernel": "k", "events": [cell(False)]}, "events[0][error]"),
    ({"kernel": "k", "events": [cell(exercise="../etc")]}, "events[0][exercise]"),
    ({"kernel": "k", "events": [failed("Name Error", "x")]}, "events[0][error][class]"),
    ({"kernel": "k", "events": [cell()] * 51}, "events"),
])
def test_a_bad_report_gets_a_clear_error_with_its_param(classroom, report, param):
    answer = classroom.learner().post("/_sandbox/room", json=report)
    assert answer.status_code == 400 and answer.json()["error"]["param"] == param


def test_a_report_is_bounded_and_needs_a_key(classroom):
    assert classroom.client.post("/_sandbox/room", json={"kernel": "k"}).status_code == 401
    huge = classroom.learner().post("/_sandbox/room", content=b"{" + b" " * 70_000 + b"}",
                                    headers={"Content-Type": "application/json"})
    assert huge.status_code == 413


def test_what_a_learner_writes_is_cleaned_before_a_trainer_reads_it(classroom):
    learner = classroom.learner("Writes")
    learner.post("/_sandbox/note", data={"kind": "stuck", "text": "help\u202e me\u200b\n" + "x" * 300})
    learner.report(failed("ValueError", "bad\u202evalue\nsecond line"))
    row = classroom.row(learner)
    assert row["note"]["text"].startswith("help me x") and len(row["note"]["text"]) == 140
    assert row["latest"]["text"] == "badvalue second line"


# --------------------------------------------------------------------------- names and new accounts


@pytest.mark.parametrize("name", ["Ada\u202eecalevol", "Ada\u200bLovelace", "Ada\u2066x\u2069", "\ufeffAda",
                                  "x" * 61, "   "])
def test_a_display_name_is_1_to_60_visible_characters(classroom, name):
    answer = classroom.learner().post("/_sandbox/account", data={"display_name": name})
    assert answer.status_code == 400 and answer.json()["error"]["param"] == "display_name"


def test_same_names_are_marked(classroom):
    first = classroom.learner("Alice Müller")
    second = classroom.learner(unicodedata.normalize("NFD", "ALICE MÜLLER"))
    other = classroom.learner("Alice Miller")
    rows = {r["id"]: r for r in classroom.view()["learners"]}
    assert rows[first.id]["same_name"] and rows[second.id]["same_name"] and not rows[other.id]["same_name"]


def test_one_client_opens_a_bounded_number_of_accounts(tmp_path, monkeypatch):
    monkeypatch.setattr(test_clocks, "start", lambda store, version: None)
    room = Classroom(tmp_path / "room.sqlite3", new_accounts_per_minute=5)
    try:
        opened = [room.learner() for _ in range(5)]
        assert all(learner.customer() for learner in opened)
        refused = room.learner().post("/v1/customers")
        assert refused.status_code == 429 and "new accounts" in refused.json()["error"]["message"]
        assert room.learner().post("/_sandbox/account", data={"display_name": "Alice Müller"}).status_code == 429
        assert opened[0].customer()  # a key already seen still works
        assert len(room.view()["learners"]) == 5
    finally:
        room.stop()
