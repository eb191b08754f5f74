"""The rule, tested: notebooks in any order, any repetition, off the happy path (issue 9).

A learner runs the notebooks headless (nbclient, autopilot on) on a fresh sandbox of their own.
Every cell succeeds, or stops with one of our clear one-line messages, never an unexpected
exception; and each sequence ends where a learner expects. benchmarks/learner_paths.py times them.
"""

from __future__ import annotations

import json
import re

import pytest
import stripe

from helpers import autopilot
from support.learner import KILL_SANDBOX, Learner
from support.messages import said
from support.stripe_objects import make_client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not autopilot.browser_available(), reason="no Chromium found (set CHROMIUM_PATH)"),
]

FORM, CREATE, SEARCH = 1, 2, 4  # code cells of 02
COMPLETE, WAIT, PAYMENT_METHOD, MANDATE = 5, 6, 10, 11  # code cells of 04
SUBSCRIPTION, PAYMENT_INTENT = 2, 7  # code cells of 05
EVENTS, HANDLED = 4, 5  # code cells of 06
ADVANCE = 5  # code cell of 07
DETACH, RENEWAL = 3, 4  # code cells of 08


@pytest.fixture
def learner(tmp_path):
    person = Learner(tmp_path / "state")
    yield person
    person.stop()


def all_clear(*runs) -> None:
    for run in runs:
        assert not run.unexpected(), "\n\n".join(run.unexpected())


def recorded(learner: Learner) -> dict[str, str]:
    """What the notebooks recorded (nothing once 09 cleared it)."""
    file = learner.state / "progress" / "sandbox.json"
    return json.loads(file.read_text()) if file.exists() else {}


def api(learner: Learner) -> stripe.StripeClient:
    """The learner's own sandbox, with the learner's own key (their account)."""
    key = json.loads((learner.state / "sandbox-keys.json").read_text())["secret_key"]
    return make_client(json.loads((learner.state / "sandbox.json").read_text())["url"], key)


def test_00_names_nobody_until_the_learner_types_a_name(learner):
    """QA: Run All on 00 named every learner of a room "Jenny Rosen", the example's name."""
    run = learner.run("00")
    all_clear(run)
    assert "No name yet" in run.cell("display_name = ").text
    with learner.environment():
        from helpers.sandbox.client import control as account

        assert account._control("GET", "account").get("display_name") in (None, "")
        assert account.set_display_name("Ada") == "Ada"


def test_05_first_on_an_empty_state(learner):
    run = learner.run("05")
    all_clear(run)
    assert not run.stopped()
    assert "without a browser" in run.cells[0].text and "Authorize test setup" in run.cells[0].text
    subscription = api(learner).v1.subscriptions.retrieve(recorded(learner)["subscription"])
    assert subscription.status == "active"


def test_04_declined_then_authorized(learner):
    """Issue 9.2: after "Fail test setup" the next cell died with a TypeError."""
    declined = learner.run("04", autopilot="fail")
    all_clear(declined)
    assert "the customer declined" in declined.cells[WAIT].text
    assert "requires_payment_method" in declined.cells[WAIT].text
    assert [c.error["ename"] for c in declined.stopped()] == ["NextStep", "NextStep"]
    assert "click 'Authorize test setup'" in declined.cells[PAYMENT_METHOD].text
    authorized = learner.run("04")
    all_clear(authorized)
    assert not authorized.stopped()
    pm = api(learner).v1.payment_methods.retrieve(recorded(learner)["payment_method"])
    assert pm.customer == recorded(learner)["customer"]


def test_04_declined_then_authorized_in_the_same_kernel(learner):
    """Issue 9.3: the retry in the same kernel returned the earlier `failed` before any click."""
    switch = 'import os\nos.environ["TUTORIAL_AUTOPILOT"] = "1"'
    run = learner.run(("04", {-1: switch}), "04", autopilot="fail")
    all_clear(run)
    waits = [c for c in run.cells if "await_redirect(" in c.source]
    assert "declined" in waits[0].text
    assert "redirect_status=succeeded" in waits[1].text and "is succeeded" in waits[1].text
    assert len(run.stopped()) == 2  # the first run's PaymentMethod and Mandate cells


def test_04_twice_after_success(learner):
    """Issue 9.4: re-running 04 after success waited 600 s on a page that could not succeed."""
    first, second = learner.run("04"), learner.run("04")
    all_clear(first, second)
    assert not second.stopped()
    wait = second.cells[WAIT]
    assert "Already done" in wait.text and wait.seconds < 60  # not the 600 s


def test_a_new_customer_in_02_after_04_then_05(learner):
    """Issue 9.6: 05 failed deep in an SDK traceback: "The customer does not have a payment method"."""
    all_clear(learner.run("04"))
    old = recorded(learner)
    new = learner.run(("02", {FORM: "", CREATE: "form.email.value = 'second.customer@example.com'"}))
    subscribe = learner.run("05")
    all_clear(new, subscribe)
    assert not subscribe.stopped()
    now = recorded(learner)
    assert now["customer"] != old["customer"] and now["payment_method"] != old["payment_method"]
    assert "belongs to customer" in subscribe.cells[0].text
    subscription = api(learner).v1.subscriptions.retrieve(now["subscription"])
    assert (subscription.customer, subscription.status) == (now["customer"], "active")


def test_05_twice_and_every_form_option(learner):
    """Issues 9.13 (duplicate subscriptions) and 9.8 (a trial crashed a later cell)."""
    options = [
        "",
        "form.trial_days.value = 14",
        "form.quantity.value = 3\nform.payment_behavior.value = 'default_incomplete'",
        "form.payment_behavior.value = 'error_if_incomplete'",
    ]
    runs = [learner.run(("05", {SUBSCRIPTION: option})) for option in options]
    all_clear(*runs)
    for run in runs:
        assert not run.stopped(), run.notebook
    assert "there is no PaymentIntent to show" in runs[1].cells[PAYMENT_INTENT + 1].text
    assert "Replaced subscription" in runs[1].text and "Replaced trial_subscription" in runs[1].text
    subscriptions = api(learner).v1.subscriptions.list(params={"customer": recorded(learner)["customer"]}).data
    live = sorted(s.status for s in subscriptions if s.status not in ("canceled", "incomplete_expired"))
    assert live == ["active", "trialing"]


def test_07_twice_with_the_advance_run_again(learner):
    """Issue 9.12: the clock form went stale, and advancing again failed."""
    first = learner.run(("07", {ADVANCE + 1: learner_source("07", ADVANCE)}))
    second = learner.run("07")
    all_clear(first, second)
    assert not first.stopped() and not second.stopped()
    assert "Replaced test_clock" in second.text
    assert "Timeline: 7 invoice(s) (7 paid); the clock advanced 6 time(s)" in first.cell("timeline.renewals()").text
    for run in (first, second):  # issue 17.13: the trial, to three days before its end
        assert "trialing until 2027-01-15 12:00 UTC; first invoice 0.00 USD, paid" in run.cell("trial_period_days").text
        assert "customer.subscription.trial_will_end" in run.cell("notice_at = ").text
    assert "Replaced trial_clock" in second.text
    clocks = api(learner).v1.test_helpers.test_clocks.list().data
    assert sorted(clock.id for clock in clocks) == sorted([recorded(learner)["test_clock"], recorded(learner)["trial_clock"]])


def learner_sources(number: str) -> list[str]:
    import nbformat

    from support.learner import ROOT

    path = next((ROOT / "notebooks").glob(f"{number}_*.ipynb"))
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def learner_source(number: str, index: int) -> str:
    return learner_sources(number)[index]


def test_02_twice_sends_a_create_twice_under_one_key(learner):
    """Issue 17.11: the retry gets the first answer back; the same key with other params is refused."""
    first, second = learner.run("02"), learner.run("02")
    all_clear(first, second)
    for run in (first, second):
        assert not run.stopped()
        shown = run.cell("idempotency_key").text
        answers = re.search(r"first: (cus_\w+); retry: (cus_\w+); Idempotent-Replayed: true", shown)
        assert answers and answers.group(1) == answers.group(2), shown
        assert "refused: HTTP 400 IdempotencyError" in shown and "Deleted" in shown
    leftovers = api(learner).v1.customers.list(params={"email": "twice@example.com"}).data
    assert leftovers == []


def test_09_twice(learner):
    all_clear(learner.run("05"))
    first, second = learner.run("09"), learner.run("09")
    all_clear(first, second)
    assert not first.stopped() and not second.stopped()
    assert recorded(learner) == {}


def test_04_serves_the_notebooks_own_code(learner):
    """Issue 10: the page, client.js and /secret that the browser gets are the notebook's own."""
    look = ("import urllib.request\n"
            "for path in ('', 'client.js'):\n"
            "    served = urllib.request.urlopen(server.url + path, timeout=10).read().decode()\n"
            "    print(path or 'page', served == server.served('/' + path))\n"
            "secret_calls, notebooks_secret = [], secret\n"
            "server.serve('/secret', lambda: secret_calls.append(1) or notebooks_secret())")
    run = learner.run(("04", {WAIT: look, -1: "print('secret called', len(secret_calls))"}))
    all_clear(run)
    assert not run.stopped()
    assert run.cell("served == server.served").text == (
        "page True\nclient.js True\nYour server now answers GET /secret with <lambda>().\n")
    assert run.cells[-1].text == "secret called 1\n"
    assert "redirect_status=succeeded" in run.cell("await_redirect(").text


def test_04_when_your_secret_handler_fails(learner):
    """An error in the notebook's /secret shows on the page as one line; the wait says what to do."""
    broken = "def secret():\n    raise KeyError('no SetupIntent for this customer')\n\nserver.serve('/secret', secret)"
    run = learner.run(("04", {COMPLETE: broken}))
    all_clear(run)
    wait = run.cell("await_redirect(")
    assert wait.error["ename"] == "AutopilotError"
    assert "Your /secret handler raised KeyError" in wait.text


def test_06_twice(learner):
    first, second = learner.run("06"), learner.run("06")
    all_clear(first, second)
    assert not first.stopped() and not second.stopped()
    assert "Replaced webhook_endpoint" in second.text and "Replaced subscription" in second.text
    for run in (first, second):
        assert "customer.subscription.created" in run.cells[EVENTS].text
        assert '"active"' in run.cells[HANDLED].text and "1 of them invoice.paid" in run.cells[HANDLED].text
        assert "400 No signatures found matching the expected signature" in run.cell("forged = ").text
    endpoints = api(learner).v1.webhook_endpoints.list().data
    assert [e.id for e in endpoints] == [recorded(learner)["webhook_endpoint"]]


def test_08_first_on_an_empty_state_then_again(learner):
    """Notebook 08 alone: its catch-up makes 07's clock subscription; run again, it fails again."""
    first, second = learner.run("08"), learner.run("08")
    all_clear(first, second)
    assert not first.stopped() and not second.stopped()
    assert "clock_subscription: none recorded" in first.cells[0].text
    for run in (first, second):
        assert "redirect_status=failed; status=requires_payment_method" in run.text
        assert "subscription past_due; invoice" in run.cells[RENEWAL].text
        assert "next_payment_attempt=null" in run.cells[RENEWAL].text
        paid_on_its_page = run.cell("await_invoice_paid(failed.id").text
        assert "paid, attempt_count=2; subscription active, default_payment_method=null" in paid_on_its_page
        saving = run.cell("save_default_payment_method").text  # issue 17.14: the fix up front
        assert 'incomplete, default_payment_method=null' in saving
        assert "after paying on the hosted page: active, default_payment_method=pm_" in saving
    subscription = api(learner).v1.subscriptions.retrieve(recorded(learner)["clock_subscription"])
    assert subscription.status == "past_due"


def test_every_exercise_solved_as_shown_in_its_own_notebook(learner):
    """Issue 10: each notebook gives its exercises' solutions what they need (its names, its
    server), and each check answers ✔ when the learner's cell holds the solution shown."""
    from helpers import check

    runs = []
    for number in ("01", "02", "03", "04", "05", "06", "07", "08"):
        sources = learner_sources(number)
        solutions = {next(i for i, source in enumerate(sources) if source.startswith(f'check.exercise("{e.id}"')):
                     e.solution for e in check.exercises(number)}
        runs.append(learner.run((number, solutions)))
    all_clear(*runs)
    for run in runs:
        assert not run.stopped(), run.notebook
    passed = [line.split(":")[0].split(" (")[0]  # the prediction's mark aside (06's count is the learner's guess)
              for run in runs for line in run.text.splitlines() if line.startswith("✔ ")]
    assert passed == [f"✔ {e.id}" for e in check.exercises()]


def test_07_then_08_with_the_exercises_solved_as_shown(learner):
    """08's exercises, their solutions in the learner's cells: ✔ both; then 09 cleans up."""
    from helpers import check

    sources = learner_sources("08")
    no_retry = sources.index('check.exercise("08-no-retry")')
    recover = sources.index('check.exercise("08-recover")')
    solved = learner.run("07", ("08", {no_retry: check.EXERCISES["08-no-retry"].solution,
                                       recover: check.EXERCISES["08-recover"].solution}))
    clean = learner.run("09")
    all_clear(solved, clean)
    assert not solved.stopped() and not clean.stopped()
    assert "✔ 08-no-retry" in solved.text and "✔ 08-recover" in solved.text
    assert "clock_subscription: none recorded" not in solved.text  # 07's was used
    assert recorded(learner) == {}


def test_the_sandbox_killed_mid_way(learner):
    """Issue 9.7: a dead sandbox gave five chained tracebacks ending in support@stripe.com."""
    subscribe = learner.run(("05", {SUBSCRIPTION: KILL_SANDBOX}))
    all_clear(subscribe)
    assert not subscribe.stopped()
    assert "The sandbox was not running: started it again" in subscribe.cells[SUBSCRIPTION + 1].text
    redirect = learner.run(("04", {WAIT: KILL_SANDBOX}))
    all_clear(redirect)
    for cell in redirect.stopped():
        assert "support@stripe.com" not in cell.text
    again = learner.run(("03", {0: KILL_SANDBOX}), "04")
    all_clear(again)


def test_invalid_form_input_sends_nothing(learner):
    """Issue 9.1: with `not-an-email` the form warned, yet the cell created the customer; with
    "Find by email" and no email it listed `email=` and adopted a customer without one."""
    no_post = ("from helpers.client import entries\n"
               "assert not [e for e in entries() if e.path.startswith('/v1/customers')]")
    bad_email = learner.run(("02", {CREATE: "form.email.value = 'not-an-email'", CREATE + 1: no_post}))
    no_email = learner.run(("02", {CREATE: "form.action.value = 'find'\nform.email.value = ''",
                                   CREATE + 1: no_post}))
    all_clear(bad_email, no_email)
    create = bad_email.cells[CREATE + 1]
    assert create.error["ename"] == "FormError" and "not an email address" in create.text
    assert "Change it in the form above" in create.text
    assert no_email.cells[CREATE + 1].error["ename"] == "FormError"
    assert "customer" not in recorded(learner)


def test_find_by_email_with_an_email_nobody_has_changes_nothing(learner):
    """QA: "Find by email" with a mistyped email created a customer and replaced the recorded one,
    deleting it with its subscriptions."""
    first = learner.run("02")
    all_clear(first)
    mine = recorded(learner)["customer"]
    typo = learner.run(("02", {CREATE: "form.action.value = 'find'\nform.email.value = 'jenny.rosen@exmaple.com'"}))
    all_clear(typo)
    stopped = typo.cells[CREATE + 1]
    assert stopped.error["ename"] == "NextStep" and "Nobody has jenny.rosen@exmaple.com" in stopped.text
    assert recorded(learner)["customer"] == mine
    assert not api(learner).v1.customers.retrieve(mine).to_dict().get("deleted")
    found = learner.run(("02", {CREATE: "form.action.value = 'find'"}))  # the guide's email: found again
    all_clear(found)
    assert f"Found {mine}" in found.cells[CREATE + 1].text and recorded(learner)["customer"] == mine


def test_an_apostrophe_in_the_email_is_searched(learner):
    """Issue 9.10: searching for o'brien@example.com failed: the input was pasted into the query."""
    run = learner.run(("02", {CREATE: "form.email.value = \"o'brien@example.com\""}))
    all_clear(run)
    assert not run.stopped()
    assert "query: email:'o\\'brien@example.com'" in run.cells[SEARCH + 1].text
    assert "o'brien@example.com" in run.cells[SEARCH + 1].text.split("query:", 1)[1].split("\n", 1)[1]


def test_after_a_form_error_in_01_every_later_cell_fails_in_one_line(learner):
    """QA: once the product cell stopped on an empty name (one line), the next cells failed with a
    full `NameError: name 'product' is not defined` traceback."""
    run = learner.run(("01", {2: "form.name.value = ''"}))
    stopped = run.stopped()
    assert stopped[0].error["ename"] == "FormError"
    assert any(cell.error["ename"] == "NameError" for cell in stopped)
    for cell in stopped:
        assert len(cell.error["traceback"]) == 1, cell.text
        assert "Traceback" not in cell.text and 'File "' not in cell.text and "\n" not in said(cell.text).strip()
    price = run.cell("form.price_params(product.id)")
    assert "`product` is not defined yet: the cell above that makes it has not run" in price.text
