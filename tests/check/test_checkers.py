"""The "Your turn" checkers (helpers.check), against the sandbox: each one passes on its own
solution (the very text shown to learners, run as in a kernel), passes nothing before an attempt,
and fails, with its hint, on at least two wrong answers learners really give
(tests/support/wrong_answers.py). An attempt is only what the learner ran for that exercise after
starting it; it survives a kernel restart, and so does a pass."""

from __future__ import annotations

import datetime as dt
import time
import urllib.parse
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import stripe

from helpers import autopilot, check, focus, progress, settings
from helpers import client as client_mod
from helpers.checkout import CheckoutServer
from support.states import GUIDE_SETUP, failed_renewal, renewed, trial_started, webhook_endpoint
from support.wrong_answers import WRONG

browser = pytest.mark.browser
needs_chromium = pytest.mark.skipif(not autopilot.browser_available(),
                                    reason="no Chromium found (set CHROMIUM_PATH)")


@pytest.fixture
def kernel(learner_env, monkeypatch) -> dict[str, Any]:
    """A learner's kernel: sandbox mode, its own progress, an empty request log, no exercise in
    focus; the namespace that a notebook's cells (and so the solutions) see."""
    monkeypatch.setattr(progress, "authorize", progress.authorize_on_sandbox_page)
    # Each test its own customer: catch_up adopts a tutorial customer found by the guide's email.
    monkeypatch.setitem(progress.GUIDE_CUSTOMER, "email", f"jenny.rosen+{uuid.uuid4().hex[:8]}@example.com")
    focus.clear()
    yield {"client": client_mod.get_client(), "progress": progress, "stripe": stripe, "check": check,
           "dt": dt, "time": time, "display": lambda *objects: None}
    focus.clear()


@pytest.fixture
def server(kernel, monkeypatch):
    """Your server, with the autopilot on: headless Chromium does the clicks."""
    monkeypatch.setenv("TUTORIAL_AUTOPILOT", "1")
    cfg = settings.load()
    running = CheckoutServer(cfg.publishable_key, cfg.stripe_js_url, cfg.api_base, cfg.mode).start()
    kernel.update(server=running, autopilot=autopilot)
    yield running
    running.stop()


def run(code: str, namespace: dict[str, Any]) -> None:
    exec(compile(code, "<cell>", "exec"), namespace)  # noqa: S102 - our own solution text


def solve(exercise_id: str, namespace: dict[str, Any]) -> None:
    run(check.EXERCISES[exercise_id].solution, namespace)


def restart(namespace: dict[str, Any]) -> None:
    """What a kernel restart does to the helpers: an empty request log, nothing in focus."""
    client_mod.clear_log()
    focus.clear()


def assert_passes(exercise_id: str) -> check.Result:
    result = check.exercise(exercise_id)
    assert result.passed, str(result)
    assert exercise_id in check.passed()
    return result


def assert_hint(exercise_id: str, hint: str) -> check.Result:
    result = check.exercise(exercise_id)
    assert not result.passed, str(result)
    assert hint in result.message, str(result)
    assert exercise_id not in check.passed()
    return result


STARTS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "01": lambda ns: progress.catch_up("price"),
    "02": lambda ns: progress.catch_up("customer"),
    "03": lambda ns: progress.catch_up("customer"),
    "04": lambda ns: progress.catch_up("payment_method"),
    "05": lambda ns: progress.catch_up("price", "customer", "payment_method"),
    "06": webhook_endpoint,
    "07": renewed,
    "08": failed_renewal,
}
STARTS_OF_ONE = {"07-trial-ends": trial_started}  # an exercise that starts elsewhere in its notebook


def start_state(exercise_id: str, ns: dict[str, Any]) -> None:
    """The state the exercise's notebook has reached where the exercise comes."""
    STARTS_OF_ONE.get(exercise_id, STARTS[exercise_id[:2]])(ns)

IN_THE_BROWSER = {"04-fail-test-setup", "08-recover"}  # their solutions click through the redirect


def test_every_exercise_has_two_wrong_answers_and_a_start():
    assert set(WRONG) == set(check.EXERCISES)
    assert all(len(answers) >= 2 for answers in WRONG.values())
    assert {e.split("-")[0] for e in check.EXERCISES} == set(STARTS)


@pytest.mark.parametrize("exercise_id", sorted(set(WRONG) - IN_THE_BROWSER))
def test_the_solution_passes(kernel, exercise_id):
    start_state(exercise_id, kernel)
    solve(exercise_id, kernel)
    assert_passes(exercise_id)


@browser
@needs_chromium
@pytest.mark.parametrize("exercise_id", sorted(IN_THE_BROWSER))
def test_the_solution_passes_in_the_browser(kernel, server, exercise_id):
    start_state(exercise_id, kernel)
    solve(exercise_id, kernel)
    assert_passes(exercise_id)


@pytest.mark.parametrize("exercise_id", sorted(WRONG))
def test_nothing_passes_without_an_attempt(kernel, exercise_id):
    """Done when: no checker passes before the learner tried, whatever the notebook made."""
    start_state(exercise_id, kernel)
    assert_hint(exercise_id, "No attempt yet: start this exercise in its cell")
    check.start(exercise_id) if not check.EXERCISES[exercise_id].predicts else check.predict(exercise_id)
    assert_hint(exercise_id, "No attempt yet: nothing was sent to Stripe since you started")


WRONG_CASES = [(exercise_id, i) for exercise_id, answers in sorted(WRONG.items()) for i in range(len(answers))]


@pytest.mark.parametrize(("exercise_id", "index"), WRONG_CASES)
def test_a_wrong_answer_gets_its_hint(kernel, exercise_id, index):
    start_state(exercise_id, kernel)
    code, hint = WRONG[exercise_id][index]
    run(code, kernel)
    assert_hint(exercise_id, hint)


def test_the_list_of_missed_events_wants_the_hour_of_the_outage(kernel):
    """Issue 17.17: "the server was down for an hour" passed on a list of every invoice.paid ever."""
    webhook_endpoint(kernel)
    check.predict("06-list-events", 2)
    kernel["client"].v1.events.list(params={"type": "invoice.paid", "limit": 100})
    assert_hint("06-list-events", "Ask only for the hour your server was down")


def test_recovery_without_paying_is_told_that_stripe_does_not_retry(kernel):
    failed_renewal(kernel)
    check.start("08-recover")
    client = kernel["client"]
    intent = client.v1.setup_intents.create(params={
        **GUIDE_SETUP, "customer": progress.recall("clock_customer")})
    progress.authorize_on_sandbox_page(intent.next_action.redirect_to_url.url)
    client.v1.subscriptions.update(progress.recall("clock_subscription"), params={
        "default_payment_method": client.v1.setup_intents.retrieve(intent.id).payment_method})
    assert_hint("08-recover", "Stripe does not retry Amazon Pay on its own")


def test_recovery_paid_on_the_hosted_invoice_page_says_how_it_was_paid(kernel):
    """Review of issue 16.2: after steps 1 and 2, the failed invoice paid on its hosted page (08's
    section 4) was called "not paid"."""
    failed_renewal(kernel)
    check.start("08-recover")
    client = kernel["client"]
    intent = client.v1.setup_intents.create(params={**GUIDE_SETUP, "customer": progress.recall("clock_customer")})
    progress.authorize_on_sandbox_page(intent.next_action.redirect_to_url.url)
    sub_id = progress.recall("clock_subscription")
    client.v1.subscriptions.update(sub_id, params={
        "default_payment_method": client.v1.setup_intents.retrieve(intent.id).payment_method})
    assert_hint("08-recover", "the open invoice is not paid")
    page = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub_id).latest_invoice).hosted_invoice_url
    answer = httpx.post(page + "/pay", follow_redirects=False, timeout=10)  # the page's "Pay with Amazon Pay"
    assert answer.status_code == 303, answer.text
    progress.authorize_on_sandbox_page(urllib.parse.urljoin(page + "/pay", answer.headers["location"]))
    result = assert_passes("08-recover")
    assert "not by an `invoices.pay` call of yours" in result.message


def test_recovery_paid_out_of_band_is_not_a_recovery(kernel):
    """Issue 16.2: the open invoice paid out of band (no new SetupIntent, default_payment_method
    still null) got ✔."""
    failed_renewal(kernel)
    run(WRONG["08-recover"][0][0], kernel)
    sub = kernel["client"].v1.subscriptions.retrieve(progress.recall("clock_subscription"))
    assert sub.status == "active" and sub.default_payment_method is None  # what fooled the old checker
    result = assert_hint("08-recover", "paid out of band")
    assert "charges nobody" in result.message


def test_no_retry_speaks_of_the_failed_renewal_as_the_task_does(kernel):
    """Issue 16.7: the task said one week, the check "15 days"; both now measure from the failed
    renewal."""
    failed_renewal(kernel)
    task = check.EXERCISES["08-no-retry"].task
    assert "one week after\nthe failed renewal" in task
    solve("08-no-retry", kernel)
    message = assert_passes("08-no-retry").message
    assert message.startswith("7 days after the failed renewal"), message


def test_03_no_return_url_wants_the_error_to_name_return_url(kernel):
    """Issue 16.1: a create without return_url but with usage='sometimes' got 400 on usage, and
    the checker answered ✔ and explained return_url."""
    STARTS["03"](kernel)
    run(WRONG["03-no-return-url"][1][0], kernel)
    entry = client_mod.entries()[-1]
    assert entry.status == 400 and entry.error_param == "usage"
    assert_hint("03-no-return-url", "Stripe refused your create on `usage`")


def test_06_wants_all_six_events_the_task_names(kernel):
    """Issue 16.3: three of the six were enough."""
    STARTS["06"](kernel)
    run(WRONG["06-only-needed-events"][1][0], kernel)
    result = assert_hint("06-only-needed-events", "misses 3 of the 6")
    assert "subscription" in result.message  # the first one missing, by its purpose


def test_05_before_authorizing_wants_the_new_setup_intents_payment_method(kernel):
    """Issue 16.3: any unattached PaymentMethod passed, not only the new SetupIntent's."""
    STARTS["05"](kernel)
    client = kernel["client"]
    check.predict("05-before-authorizing", 400)
    client.v1.setup_intents.create(params={**GUIDE_SETUP, "customer": progress.require("customer")})
    stray = client.v1.payment_methods.create(params={"type": "amazon_pay"})  # unattached, not from it
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.subscriptions.create(params={
            "customer": progress.require("customer"), "items": [{"price": progress.require("price")}],
            "default_payment_method": stray.id, "off_session": True})
    assert_hint("05-before-authorizing", "not the `payment_method` of the SetupIntent you created")


def test_05_eur_price_in_test_mode_looks_at_what_the_subscription_did(kernel):
    """Issue 16.3: in test mode any 200 was reported as "charged in EUR". A non-US account where
    the subscription came out incomplete is told so."""
    from helpers.check import nb05_subscription

    STARTS["05"](kernel)
    client = kernel["client"]
    check.predict("05-eur-price", 400)
    eur = client.v1.prices.create(params={"product": progress.require("product"), "unit_amount": 1500,
                                          "currency": "eur", "recurring": {"interval": "month"}})
    sub = client.v1.subscriptions.create(params={  # what a non-US account answers: created, unpaid
        "customer": progress.require("customer"), "items": [{"price": eur.id}],
        "payment_behavior": "default_incomplete"})
    assert sub.status == "incomplete"
    message = nb05_subscription._charged_in_eur(check._core.Look(journal_evidence("05-eur-price")), sub.id)
    assert "is `incomplete`" in message and "charged" not in message.split(":")[0]
    assert "You predicted 400 before your run; Stripe's answer was 200 / incomplete" in message  # review of 16.6


def journal_evidence(exercise_id: str):
    from helpers.check import journal

    return journal.evidence(exercise_id, journal.records())


def test_05_yearly_blames_the_missing_payment_method_not_the_price(kernel):
    """Issue 16.7: a yearly subscription without default_payment_method was told to use the yearly
    price, with `progress.recall('yearly_price')`, which is None for a learner who skipped 01."""
    STARTS["05"](kernel)
    assert progress.recall("yearly_price") is None
    run(WRONG["05-yearly-subscription"][1][0], kernel)
    result = assert_hint("05-yearly-subscription", "without `default_payment_method`")
    assert "recall('yearly_price')" not in result.message
    run(WRONG["05-yearly-subscription"][0][0], kernel)
    result = assert_hint("05-yearly-subscription", "you have none recorded")
    assert "recall('yearly_price')" not in result.message


def test_hints_show_bold_as_bold_not_asterisks():
    """Issue 16.7: hints showed literal **asterisks**."""
    hint = check.Result("04-fail-test-setup", False, "click **Fail test setup** on `the page`.")
    assert "**" not in str(hint) and "click Fail test setup" in str(hint)
    assert "<b>Fail test setup</b>" in hint._repr_html_() and "**" not in hint._repr_html_()
    # *italics* too (the review found three hints with them), but never inside `code`
    hint = check.Result("07-next-renewal", False, "the period *before* it; see *A trial that ends*; `invoice.*` and `a * b`")
    assert str(hint).endswith("the period before it; see A trial that ends; `invoice.*` and `a * b`")
    html = hint._repr_html_()
    assert "<i>before</i>" in html and "<i>A trial that ends</i>" in html
    assert "<code>invoice.*</code>" in html and "<code>a * b</code>" in html


# --- attempts are the learner's, for this exercise, after its task was shown (issue 16.4) -------

def test_the_api_version_sidebar_of_03_is_not_an_attempt(kernel):
    """Issue 16.4: before any attempt, 03-allowed-payment-method-types spoke of the sidebar's
    refused call ("payment_method_types is gone")."""
    STARTS["03"](kernel)
    run(THE_NOTEBOOKS_OWN["03"], kernel)
    check.start("03-allowed-payment-method-types")
    assert_hint("03-allowed-payment-method-types", "No attempt yet")


def test_03s_exercise_setup_intent_is_not_04s_attempt(kernel):
    """Issue 16.4: 04-fail-test-setup spoke of 03's exercise SetupIntent."""
    STARTS["04"](kernel)
    check.predict("03-no-return-url", 400)
    kernel["client"].v1.setup_intents.create(params={**GUIDE_SETUP, "customer": progress.require("customer")})
    check.start("04-fail-test-setup")
    assert_hint("04-fail-test-setup", "No attempt yet")


def test_the_previous_exercises_request_is_not_the_next_ones(kernel):
    """Issue 16.4: 05-eur-price described 05-before-authorizing's refused subscription."""
    STARTS["05"](kernel)
    solve("05-before-authorizing", kernel)
    check.predict("05-eur-price", 400)
    result = assert_hint("05-eur-price", "No attempt yet")
    assert "answered 400" not in result.message


def test_a_dead_sandbox_is_not_an_attempt(kernel, monkeypatch):
    """Issue 16.4: 05-before-authorizing described a dead sandbox's connection_error as the
    learner's create."""
    from helpers.sandbox.client.process import free_port

    STARTS["05"](kernel)
    check.predict("05-before-authorizing", 400)
    url = settings.sandbox_url()
    monkeypatch.setenv("TUTORIAL_SANDBOX_URL", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(stripe.APIConnectionError):
        client_mod.get_client().v1.subscriptions.create(params={"customer": "cus_x", "items": [{"price": "p"}]})
    monkeypatch.setenv("TUTORIAL_SANDBOX_URL", url)
    assert_hint("05-before-authorizing", "did not reach Stripe")


def test_the_notebooks_own_calls_and_catch_up_are_never_attempts(kernel):
    STARTS["05"](kernel)
    check.start("05-yearly-subscription")
    run(THE_NOTEBOOKS_OWN["05"], kernel)  # the notebook's own cells, re-run while the exercise is open
    progress.forget("subscription")
    progress.catch_up("subscription")  # a catch-up while it is open
    assert_hint("05-yearly-subscription", "No attempt yet")


def test_a_request_before_the_task_was_started_is_not_an_attempt(kernel):
    STARTS["02"](kernel)
    kernel["client"].v1.customers.retrieve(progress.require("customer"))
    check.start("02-retrieve-by-id")
    assert_hint("02-retrieve-by-id", "No attempt yet")


# --- a pass survives a restart; so does the evidence (issue 16.5) -------------------------------

def test_a_pass_stays_after_a_kernel_restart(kernel):
    STARTS["03"](kernel)
    solve("03-no-return-url", kernel)
    first = assert_passes("03-no-return-url")
    restart(kernel)
    again = assert_passes("03-no-return-url")
    assert again.message.startswith(first.message) and "A pass, once earned, stays" in again.message
    assert again.prediction == "right"


def test_the_attempt_survives_a_kernel_restart_before_the_check(kernel):
    STARTS["02"](kernel)
    solve("02-retrieve-by-id", kernel)
    restart(kernel)
    assert client_mod.entries() == []
    assert_passes("02-retrieve-by-id")


def test_a_sandbox_reset_forgets_the_exercise_work(kernel):
    STARTS["02"](kernel)
    solve("02-retrieve-by-id", kernel)
    assert_passes("02-retrieve-by-id")
    progress.forget_exercises()
    assert check.passed() == []
    assert_hint("02-retrieve-by-id", "No attempt yet")


# --- predictions are made before the run, or said to be missing (issue 16.6) ---------------------

def test_a_prediction_locked_before_the_run_is_answered(kernel):
    STARTS["02"](kernel)
    solve("02-missing-customer", kernel)
    result = assert_passes("02-missing-customer")
    assert result.prediction == "right" and "You predicted 404 before your run: right" in result.message


def test_no_prediction_is_said_plainly(kernel):
    """Issue 16.6: `predicted = ...` left as it was got a bare ✔."""
    STARTS["02"](kernel)
    run(check.EXERCISES["02-missing-customer"].solution.replace(", 404)", ", ...)"), kernel)
    result = assert_passes("02-missing-customer")
    assert result.prediction == "none" and str(result).startswith("✔ 02-missing-customer (no prediction made)")
    assert "You made no prediction before your run" in result.message


def test_a_prediction_made_after_the_run_does_not_count(kernel, capsys):
    """Issue 16.6: a prediction typed after the run counted."""
    STARTS["02"](kernel)
    check.predict("02-missing-customer")
    with pytest.raises(stripe.InvalidRequestError):
        kernel["client"].v1.customers.retrieve("cus_doesnotexist")
    check.predict("02-missing-customer", 404)
    assert "Too late for a new prediction" in capsys.readouterr().out
    result = check.exercise("02-missing-customer", predicted=404)
    assert result.passed and result.prediction == "none"
    assert "404 came after your first attempt, so it does not count" in result.message
    assert "given to the check comes after your run and does not count" in result.message


def test_a_prediction_can_change_until_the_first_attempt(kernel):
    STARTS["02"](kernel)
    check.predict("02-missing-customer", 500)
    check.predict("02-missing-customer", 404)
    with pytest.raises(stripe.InvalidRequestError):
        kernel["client"].v1.customers.retrieve("cus_doesnotexist")
    check.predict("02-missing-customer", 200)  # too late: 404 stays
    assert check.exercise("02-missing-customer").prediction == "right"


def test_a_missed_prediction_is_said_beside_the_tick(kernel):
    STARTS["02"](kernel)
    run(check.EXERCISES["02-missing-customer"].solution.replace(", 404)", ", 200)"), kernel)
    off = assert_passes("02-missing-customer")
    assert off.prediction == "off"
    assert str(off).startswith("✔ 02-missing-customer (your prediction was off): ")
    assert "your prediction was off" in off._repr_html_()


def test_next_renewal_says_whether_the_prediction_was_right(kernel):
    renewed(kernel)
    run(WRONG["07-next-renewal"][0][0].replace("client.v1.invoices.retrieve(subscription.latest_invoice)",
                                               "client.v1.subscriptions.retrieve(subscription.id)"), kernel)
    result = assert_passes("07-next-renewal")
    assert result.prediction == "off" and "period before it" in str(result)


# --- the rest ---------------------------------------------------------------------------------

def test_a_missing_step_is_a_hint(kernel):
    check.start("01-yearly-price")
    kernel["client"].v1.products.list()
    assert_hint("01-yearly-price", "No product recorded yet")
    check.start("08-recover")
    kernel["client"].v1.products.list()
    assert_hint("08-recover", "No clock_subscription recorded yet")


def test_a_dead_sandbox_is_a_hint_not_a_traceback(kernel, monkeypatch):
    from helpers.sandbox.client.process import free_port

    STARTS["01"](kernel)
    run(WRONG["01-yearly-price"][0][0], kernel)
    monkeypatch.setenv("TUTORIAL_SANDBOX_URL", f"http://127.0.0.1:{free_port()}")
    assert_hint("01-yearly-price", "did not answer")


def test_an_object_gone_is_a_hint(kernel):
    progress.remember("product", "prod_doesnotexist")
    progress.remember("price", "price_doesnotexist")
    check.start("01-default-price")
    with pytest.raises(stripe.InvalidRequestError):
        kernel["client"].v1.products.update("prod_doesnotexist", params={"description": "x"})
    assert_hint("01-default-price", "refused")


def test_an_unknown_exercise(capsys):
    result = check.exercise("99-nothing")
    assert not result.passed and "There is no exercise '99-nothing'" in result.message
    check.start("99-nothing")
    assert "There is no exercise '99-nothing'" in capsys.readouterr().out


def test_result_shows_as_one_line_and_as_html():
    passed = check.Result("01-yearly-price", True, "`price_1` bills yearly.")
    assert str(passed) == "✔ 01-yearly-price: `price_1` bills yearly."
    assert "<code>price_1</code>" in passed._repr_html_() and "#2e7d32" in passed._repr_html_()
    hint = check.Result("01-yearly-price", False, "Use <cents>.")
    assert str(hint).startswith("✘ not yet 01-yearly-price")
    assert "&lt;cents&gt;" in hint._repr_html_() and not hint


def test_the_checker_leaves_the_request_log_alone(kernel):
    progress.catch_up("price")
    check.start("01-default-price")
    kernel["client"].v1.products.update(progress.require("product"), params={"default_price": progress.require("price")})
    before = len(client_mod.entries())
    assert_passes("01-default-price")
    assert len(client_mod.entries()) == before


def test_markdown_block_has_task_start_check_call_and_collapsed_solution():
    text = check.markdown("03-no-return-url")
    assert text.startswith("### Your turn: Leave out return_url\n")
    assert 'start with `check.predict("03-no-return-url", …)`' in text
    assert 'check.exercise("03-no-return-url")`' in text and "predicted=predicted" not in text
    assert "<details><summary>Solution</summary>" in text and text.endswith("</details>")
    assert check.EXERCISES["03-no-return-url"].solution in text
    assert 'start with `check.start("01-yearly-price")`' in check.markdown("01-yearly-price")


def test_exercises_are_numbered_by_notebook_and_compile():
    items = check.exercises()
    assert [e.notebook for e in items] == sorted(e.notebook for e in items)
    for item in items:
        assert item.id[:2] == item.notebook[:2]
        assert item.task and item.title and item.attempt
        compile(item.solution, item.id, "exec")
        first = item.solution.splitlines()[0]
        assert first.startswith(f'check.predict("{item.id}", ' if item.predicts else f'check.start("{item.id}")'), item.id
        assert "predicted = " not in item.solution and "predicted = ..." not in item.task, item.id
    assert [e.id[:2] for e in check.exercises("05")] == ["05", "05", "05"]


# The notebook's own calls just before these exercises, as its cells make them: params shown first.
THE_NOTEBOOKS_OWN = {
    "05": """
from helpers.show import request
params = {"customer": progress.require("customer"), "items": [{"price": progress.require("price")}],
          "default_payment_method": progress.require("payment_method"), "off_session": True}
request(params)
subscription = client.v1.subscriptions.create(params=params)
params = {**params, "trial_period_days": 14}
request(params)
trial = client.v1.subscriptions.create(params=params)
""",
    "03": """
from helpers.show import request
params = {"confirm": True, "customer": progress.require("customer"), "usage": "off_session",
          "payment_method_data": {"type": "amazon_pay"}, "mandate_data": progress.GUIDE_MANDATE,
          "return_url": "https://www.stripe.com"}
request(params)
intent = client.v1.setup_intents.create(params=params)
guide_call = {**params, "payment_method_types": ["amazon_pay"]}
request(guide_call, "guide_call")
client.v1.setup_intents.create(params=guide_call, options={"stripe_version": "2026-06-24.dahlia"})
try:
    client.v1.setup_intents.create(params=guide_call)
except stripe.InvalidRequestError:
    pass
""",
}


def test_a_params_view_without_its_call_marks_nothing(kernel):
    """show.request marks only the call it shows: a different call after it is the learner's."""
    from helpers.show import request

    progress.catch_up("customer")
    request({"frozen_time": 1})
    kernel["client"].v1.customers.create(params={"email": "ada@example.com"})
    shown = {"email": "grace@example.com"}
    request(shown)
    kernel["client"].v1.customers.create(params=shown)
    assert [e.tutorial for e in client_mod.entries()[-2:]] == [False, True]
