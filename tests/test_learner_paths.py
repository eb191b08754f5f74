"""The rule, tested: notebooks in any order, any repetition, off the happy path (issue 9).

A learner runs the notebooks headless (nbclient, autopilot on) on a fresh sandbox of their own.
Every cell succeeds, or stops with one of our clear one-line messages, never an unexpected
exception; and each sequence ends where a learner expects. benchmarks/learner_paths.py times them.
"""

from __future__ import annotations

import json

import pytest
import stripe
from learner import KILL_SANDBOX, Learner

from conftest import make_client
from helpers import autopilot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not autopilot.browser_available(), reason="no Chromium found (set CHROMIUM_PATH)"),
]

FORM, CREATE, SEARCH = 1, 2, 4  # code cells of 02
WAIT, PAYMENT_METHOD, MANDATE = 2, 4, 5  # code cells of 04
SUBSCRIPTION, PAYMENT_INTENT = 2, 5  # code cells of 05
ADVANCE = 6  # code cell of 06


@pytest.fixture
def learner(tmp_path):
    person = Learner(tmp_path / "state")
    yield person
    person.stop()


def all_clear(*runs) -> None:
    for run in runs:
        assert not run.unexpected(), "\n\n".join(run.unexpected())


def recorded(learner: Learner) -> dict[str, str]:
    """What the notebooks recorded (nothing once 07 cleared it)."""
    file = learner.state / "progress" / "sandbox.json"
    return json.loads(file.read_text()) if file.exists() else {}


def api(learner: Learner) -> stripe.StripeClient:
    """The learner's own sandbox, with the learner's own key (their account)."""
    key = json.loads((learner.state / "sandbox-keys.json").read_text())["secret_key"]
    return make_client(json.loads((learner.state / "sandbox.json").read_text())["url"], key)


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
    assert "Already done" in wait.text and wait.seconds < 10


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


def test_06_twice_with_the_advance_run_again(learner):
    """Issue 9.12: the clock form went stale, and advancing again failed."""
    first = learner.run(("06", {ADVANCE + 1: learner_source("06", ADVANCE)}))
    second = learner.run("06")
    all_clear(first, second)
    assert not first.stopped() and not second.stopped()
    assert "Replaced test_clock" in second.text and "Replaced webhook_endpoint" in second.text
    clocks = api(learner).v1.test_helpers.test_clocks.list().data
    assert [clock.id for clock in clocks] == [recorded(learner)["test_clock"]]


def learner_source(number: str, index: int) -> str:
    import nbformat
    from learner import ROOT

    path = next((ROOT / "notebooks").glob(f"{number}_*.ipynb"))
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"][index]


def test_07_twice(learner):
    all_clear(learner.run("05"))
    first, second = learner.run("07"), learner.run("07")
    all_clear(first, second)
    assert not first.stopped() and not second.stopped()
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


def test_an_apostrophe_in_the_email_is_searched(learner):
    """Issue 9.10: searching for o'brien@example.com failed: the input was pasted into the query."""
    run = learner.run(("02", {CREATE: "form.email.value = \"o'brien@example.com\""}))
    all_clear(run)
    assert not run.stopped()
    assert "query: email:'o\\'brien@example.com'" in run.cells[SEARCH + 1].text
    assert "o'brien@example.com" in run.cells[SEARCH + 1].text.split("query:", 1)[1].split("\n", 1)[1]
