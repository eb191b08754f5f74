"""The "Your turn" checkers (helpers.check), against the sandbox: each one passes on its own
solution (the very text shown to learners, run as in a kernel) and fails, with its hint, on a
typical wrong answer."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import stripe

from helpers import autopilot, check, progress, settings
from helpers import client as client_mod
from helpers.checkout import CheckoutServer
from support.states import (
    advance,
    authorized_payment_method,
    failed_renewal,
    renewed,
    trial_started,
    webhook_endpoint,
)

browser = pytest.mark.browser
needs_chromium = pytest.mark.skipif(not autopilot.browser_available(),
                                    reason="no Chromium found (set CHROMIUM_PATH)")


@pytest.fixture
def kernel(learner_env, monkeypatch) -> dict[str, Any]:
    """A learner's kernel: sandbox mode, its own progress, an empty request log; the namespace
    that a notebook's cells (and so the solutions) see."""
    monkeypatch.setattr(progress, "authorize", progress.authorize_on_sandbox_page)
    # Each test its own customer: catch_up adopts a tutorial customer found by the guide's email.
    monkeypatch.setitem(progress.GUIDE_CUSTOMER, "email", f"jenny.rosen+{uuid.uuid4().hex[:8]}@example.com")
    return {"client": client_mod.get_client(), "progress": progress, "stripe": stripe, "check": check,
            "dt": dt, "time": time, "display": lambda *objects: None}


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


def verdict(exercise_id: str, namespace: dict[str, Any]) -> check.Result:
    return check.exercise(exercise_id, namespace.get("predicted", check._core.NO_PREDICTION))


def assert_passes(exercise_id: str, namespace: dict[str, Any]) -> check.Result:
    result = verdict(exercise_id, namespace)
    assert result.passed, str(result)
    assert exercise_id in check.passed()
    return result


def assert_hint(exercise_id: str, namespace: dict[str, Any], hint: str) -> None:
    result = verdict(exercise_id, namespace)
    assert not result.passed, str(result)
    assert hint in result.message, str(result)
    assert exercise_id not in check.passed()


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


def start(exercise_id: str, ns: dict[str, Any]) -> None:
    STARTS_OF_ONE.get(exercise_id, STARTS[exercise_id[:2]])(ns)


# Typical wrong answers, and the words of the hint each must get.
WRONG: dict[str, tuple[str, str]] = {
    "01-yearly-price": ("""
client.v1.prices.create(params={"product": progress.require("product"), "unit_amount": 150,
                                "currency": "usd", "recurring": {"interval": "year"}})
""", "smallest unit"),
    "01-default-price": ("""
yearly = client.v1.prices.create(params={"product": progress.require("product"), "unit_amount": 15000,
                                         "currency": "usd", "recurring": {"interval": "year"}})
client.v1.products.update(progress.require("product"), params={"default_price": yearly.id})
""", "not the monthly price"),
    "02-retrieve-by-id": ("""
client.v1.customers.list(params={"email": progress.GUIDE_CUSTOMER["email"], "limit": 1})
""", "No retrieve by ID yet"),
    "02-missing-customer": ("""
predicted = 200
client.v1.customers.retrieve(progress.require("customer"))
""", "exists (200)"),
    "03-no-return-url": ("""
predicted = 200
client.v1.setup_intents.create(params={
    "confirm": True, "customer": progress.require("customer"), "usage": "off_session",
    "payment_method_data": {"type": "amazon_pay"}, "mandate_data": progress.GUIDE_MANDATE,
    "return_url": "https://www.stripe.com"})
""", "still sent `return_url`"),
    "03-allowed-payment-method-types": ("""
try:
    client.v1.setup_intents.create(params={"customer": progress.require("customer"),
                                           "payment_method_types": ["amazon_pay"]})
except stripe.InvalidRequestError:
    pass
""", "gone since 2026-09-30.endive"),
    "04-confirm-succeeded": ("""
pending = client.v1.setup_intents.create(params={
    "confirm": True, "customer": progress.require("customer"), "usage": "off_session",
    "payment_method_data": {"type": "amazon_pay"}, "mandate_data": progress.GUIDE_MANDATE,
    "return_url": "https://www.stripe.com"})
client.v1.setup_intents.confirm(pending.id)
""", "was not succeeded yet"),
    "04-fail-test-setup": ("""
intent = client.v1.setup_intents.create(params={
    "confirm": True, "customer": progress.require("customer"), "usage": "off_session",
    "payment_method_data": {"type": "amazon_pay"}, "mandate_data": progress.GUIDE_MANDATE,
    "return_url": "https://www.stripe.com"})
progress.authorize_on_sandbox_page(intent.next_action.redirect_to_url.url)
""", "was authorized"),
    "05-before-authorizing": ("""
predicted = 200
client.v1.subscriptions.create(params={
    "customer": progress.require("customer"), "items": [{"price": progress.require("price")}],
    "default_payment_method": progress.require("payment_method"), "off_session": True})
""", "already authorized"),
    "05-eur-price": ("""
client.v1.prices.create(params={"product": progress.require("product"), "unit_amount": 1500,
                                "currency": "eur", "recurring": {"interval": "month"}})
client.v1.subscriptions.create(params={
    "customer": progress.require("customer"), "items": [{"price": progress.require("price")}],
    "default_payment_method": progress.require("payment_method"), "off_session": True})
""", "a USD price"),
    "05-yearly-subscription": ("""
client.v1.subscriptions.create(params={
    "customer": progress.require("customer"), "items": [{"price": progress.require("price")}],
    "default_payment_method": progress.require("payment_method"), "off_session": True})
""", "not a yearly price"),
    "06-only-needed-events": ("""
client.v1.webhook_endpoints.update(progress.require("webhook_endpoint"),
                                   params={"enabled_events": ["invoice.paid"]})
""", "misses `invoice.payment_failed`"),
    "06-list-events": ("""
client.v1.events.list(params={"limit": 100})
""", "Filter on the server"),
    "07-advance-too-far": ("""
clock = client.v1.test_helpers.test_clocks.retrieve(progress.require("test_clock"))
client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": clock.frozen_time + 24 * 3600})
""", "was accepted"),
    "07-next-renewal": ("""
subscription = client.v1.subscriptions.retrieve(progress.require("clock_subscription"))
latest = client.v1.invoices.retrieve(subscription.latest_invoice)
predicted = dt.datetime.fromtimestamp(latest.period_end, dt.UTC).date().isoformat()
""", "period *before*"),
    "08-no-retry": ("""
predicted = 2
subscription = client.v1.subscriptions.retrieve(progress.require("clock_subscription"))
client.v1.invoices.retrieve(subscription.latest_invoice).attempt_count
""", "until a week has passed"),
    "08-recover": ("""
subscription = client.v1.subscriptions.retrieve(progress.require("clock_subscription"))
try:
    client.v1.invoices.pay(subscription.latest_invoice)
except stripe.StripeError:
    pass
""", "First bring the customer back"),
    "02-idempotent-retry": ("""
params = {"email": "double.click@example.com"}
client.v1.customers.create(params=params)
client.v1.customers.create(params=params)
""", "made two customers"),
    "07-trial-ends": ("""
clock = client.v1.test_helpers.test_clocks.retrieve(progress.require("trial_clock"))
client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": clock.frozen_time + 24 * 3600})
while client.v1.test_helpers.test_clocks.retrieve(clock.id).status != "ready":
    time.sleep(0.05)
""", "is still `trialing`"),
    "08-mandate-revoked": ("""
from support.states import authorized_payment_method
pm = client.v1.payment_methods.retrieve(authorized_payment_method(client, progress.require("clock_customer")))
intent = client.v1.setup_intents.list(params={"customer": progress.require("clock_customer"), "limit": 1}).data[0]
client.v1.mandates.retrieve(intent.mandate)
""", "still attached to"),
}
# A second typical wrong answer for the exercises of issue 17, and its hint.
MORE_WRONG: dict[str, tuple[str, str]] = {
    "02-idempotent-retry": ("""
import uuid
key = str(uuid.uuid4())
client.v1.customers.create(params={"email": "one@example.com"}, options={"idempotency_key": key})
try:
    client.v1.customers.create(params={"email": "two@example.com"}, options={"idempotency_key": key})
except stripe.IdempotencyError:
    pass
""", "sent other parameters"),
    "07-trial-ends": ("""
other = client.v1.test_helpers.test_clocks.create(params={"frozen_time": 1798804800})
client.v1.test_helpers.test_clocks.advance(other.id, params={"frozen_time": 1798804800 + 30 * 24 * 3600})
""", "another test clock"),
    "08-mandate-revoked": ("""
subscription = client.v1.subscriptions.retrieve(progress.require("clock_subscription"))
client.v1.invoices.retrieve(subscription.latest_invoice)
""", "No attempt yet"),
}
IN_THE_BROWSER = {"04-fail-test-setup", "08-recover"}  # their solutions click through the redirect


def test_every_exercise_has_a_wrong_answer_and_a_start():
    assert set(WRONG) == set(check.EXERCISES)
    assert {e.split("-")[0] for e in check.EXERCISES} == set(STARTS)


@pytest.mark.parametrize("exercise_id", sorted(set(WRONG) - IN_THE_BROWSER))
def test_the_solution_passes(kernel, exercise_id):
    start(exercise_id, kernel)
    solve(exercise_id, kernel)
    assert_passes(exercise_id, kernel)


@browser
@needs_chromium
@pytest.mark.parametrize("exercise_id", sorted(IN_THE_BROWSER))
def test_the_solution_passes_in_the_browser(kernel, server, exercise_id):
    start(exercise_id, kernel)
    solve(exercise_id, kernel)
    assert_passes(exercise_id, kernel)


@pytest.mark.parametrize("exercise_id", sorted(WRONG))
def test_a_typical_wrong_answer_gets_its_hint(kernel, exercise_id):
    answer_wrongly(kernel, exercise_id, *WRONG[exercise_id])


@pytest.mark.parametrize("exercise_id", sorted(MORE_WRONG))
def test_another_wrong_answer_gets_its_hint(kernel, exercise_id):
    answer_wrongly(kernel, exercise_id, *MORE_WRONG[exercise_id])


def answer_wrongly(kernel: dict[str, Any], exercise_id: str, code: str, hint: str) -> None:
    start(exercise_id, kernel)
    run(code, kernel)
    assert_hint(exercise_id, kernel, hint)


def test_the_list_of_missed_events_wants_the_hour_of_the_outage(kernel):
    """Issue 17.17: "the server was down for an hour" passed on a list of every invoice.paid ever."""
    webhook_endpoint(kernel)
    kernel["client"].v1.events.list(params={"type": "invoice.paid", "limit": 100})
    assert_hint("06-list-events", kernel, "Ask only for the hour your server was down")


def test_recovery_without_paying_is_told_that_stripe_does_not_retry(kernel):
    failed_renewal(kernel)
    client = kernel["client"]
    customer = progress.recall("clock_customer")
    subscription = progress.recall("clock_subscription")
    client.v1.subscriptions.update(subscription, params={
        "default_payment_method": authorized_payment_method(client, customer)})
    assert_hint("08-recover", kernel, "Stripe does not retry Amazon Pay on its own")


def test_no_retry_wants_a_week_not_two_days(kernel):
    failed_renewal(kernel)
    clock = kernel["client"].v1.test_helpers.test_clocks.retrieve(progress.recall("test_clock"))
    advance(kernel["client"], clock.id, clock.frozen_time + 2 * 24 * 3600)
    assert_hint("08-no-retry", kernel, "only 6 day(s) past the failed attempt")


def test_a_prediction_is_answered(kernel):
    progress.catch_up("customer")
    run(check.EXERCISES["02-missing-customer"].solution, kernel)
    assert "right" in check.exercise("02-missing-customer", predicted=404).message
    missed = check.exercise("02-missing-customer", predicted=500).message
    assert "You predicted 500" in missed and "404" in missed
    assert "predicted" not in check.exercise("02-missing-customer").message


def test_next_renewal_wants_a_prediction(kernel):
    renewed(kernel)
    assert_hint("07-next-renewal", kernel, "Write your prediction first")


def test_a_missing_step_is_a_hint(kernel):
    assert_hint("01-yearly-price", kernel, "No product recorded yet")
    assert_hint("08-recover", kernel, "No clock_subscription recorded yet")


def test_a_dead_sandbox_is_a_hint_not_a_traceback(kernel, monkeypatch):
    from helpers.sandbox.client.process import free_port

    progress.remember("product", "prod_x")
    progress.remember("price", "price_x")
    monkeypatch.setenv("TUTORIAL_SANDBOX_URL", f"http://127.0.0.1:{free_port()}")
    assert_hint("01-yearly-price", kernel, "did not answer")


def test_an_object_gone_is_a_hint(kernel):
    progress.remember("product", "prod_doesnotexist")
    progress.remember("price", "price_doesnotexist")
    assert_hint("01-default-price", kernel, "Run the notebook's cells above")


def test_an_unknown_exercise():
    result = check.exercise("99-nothing")
    assert not result.passed and "There is no exercise '99-nothing'" in result.message


def test_result_shows_as_one_line_and_as_html():
    passed = check.Result("01-yearly-price", True, "`price_1` bills yearly.")
    assert str(passed) == "✔ 01-yearly-price: `price_1` bills yearly."
    assert "<code>price_1</code>" in passed._repr_html_() and "#2e7d32" in passed._repr_html_()
    hint = check.Result("01-yearly-price", False, "Use <cents>.")
    assert str(hint).startswith("✘ not yet 01-yearly-price")
    assert "&lt;cents&gt;" in hint._repr_html_() and not hint


def test_the_checker_leaves_the_request_log_alone(kernel):
    progress.catch_up("price")
    before = len(client_mod.entries())
    check.exercise("01-default-price")
    assert len(client_mod.entries()) == before


def test_markdown_block_has_task_check_call_and_collapsed_solution():
    text = check.markdown("03-no-return-url")
    assert text.startswith("### Your turn: Leave out return_url\n")
    assert 'check.exercise("03-no-return-url", predicted=predicted)' in text
    assert "<details><summary>Solution</summary>" in text and text.endswith("</details>")
    assert check.EXERCISES["03-no-return-url"].solution in text
    assert 'check.exercise("01-yearly-price")`' in check.markdown("01-yearly-price")


def test_exercises_are_numbered_by_notebook_and_compile():
    items = check.exercises()
    assert [e.notebook for e in items] == sorted(e.notebook for e in items)
    for item in items:
        assert item.id[:2] == item.notebook[:2]
        assert item.task and item.title
        compile(item.solution, item.id, "exec")
        assert ("predicted" in item.solution) == item.predicts, item.id
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
    "07": """
from helpers.show import request
clock = client.v1.test_helpers.test_clocks.retrieve(progress.require("test_clock"))
to = clock.frozen_time + 32 * 24 * 3600
request({"frozen_time": to})
client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": to})
while client.v1.test_helpers.test_clocks.retrieve(clock.id).status != "ready":
    time.sleep(0.05)
""",
}
THE_NOTEBOOKS_OWN["03"] = """
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
"""
NOT_TRIED_YET = ["03-no-return-url", "05-before-authorizing", "05-eur-price", "05-yearly-subscription",
                 "07-advance-too-far"]
NOTEBOOK_START = {"03": STARTS["03"], "05": STARTS["05"], "07": lambda ns: renewed(ns, months=0)}


@pytest.mark.parametrize("exercise_id", NOT_TRIED_YET)
def test_before_any_attempt_the_notebooks_own_calls_are_not_taken_for_one(kernel, exercise_id):
    """QA: before the learner tried, these checkers described the notebook's own subscription or
    clock advance as the learner's attempt ("That subscription was created: pm_… was already
    authorized", "a USD price", "That advance was accepted")."""
    NOTEBOOK_START[exercise_id[:2]](kernel)
    run(THE_NOTEBOOKS_OWN[exercise_id[:2]], kernel)
    assert_hint(exercise_id, kernel, "No attempt yet: ")
    solve(exercise_id, kernel)  # then the model answer passes
    assert_passes(exercise_id, kernel)


@pytest.mark.parametrize("exercise_id", NOT_TRIED_YET)
def test_after_the_notebooks_own_calls_a_wrong_answer_still_gets_its_hint(kernel, exercise_id):
    NOTEBOOK_START[exercise_id[:2]](kernel)
    run(THE_NOTEBOOKS_OWN[exercise_id[:2]], kernel)
    code, hint = WRONG[exercise_id]
    run(code, kernel)
    assert_hint(exercise_id, kernel, hint)


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


def test_a_missed_prediction_is_said_beside_the_tick(kernel):
    """QA: with `predicted = 200` the check showed a green ✔ for 02-missing-customer, and only a
    sentence at the end said the prediction was off; the tick read as "right"."""
    STARTS["02"](kernel)
    solve("02-missing-customer", kernel)
    right = verdict("02-missing-customer", kernel)
    assert right.passed and right.prediction == "right" and "prediction was off" not in str(right)
    kernel["predicted"] = 200
    off = verdict("02-missing-customer", kernel)
    assert off.passed and off.prediction == "off"
    assert str(off).startswith("✔ 02-missing-customer (your prediction was off): ")
    assert "your prediction was off" in off._repr_html_()
