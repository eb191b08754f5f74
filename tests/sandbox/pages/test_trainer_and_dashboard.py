"""Issue 12, the classroom's two pages, in headless Chromium: the trainer's live view of the
room (signed in with the trainer token) and each learner's read-only Dashboard of their own
account (signed in with a link from their helpers); plus what feeds them (the guide's steps
read from each account's objects, exercise passes reported by the checkers)."""

from __future__ import annotations

import re
import time

import httpx
import pytest
import stripe
from playwright.sync_api import Page, expect

from helpers import dashboard, progress
from helpers.check import _core as check_core
from helpers.sandbox.client import process
from helpers.sandbox.pages import signin
from helpers.sandbox.shared.ids import random_token
from support.classroom import classroom_sandbox
from support.receiver import Receiver
from support.stripe_objects import (
    HOUR,
    advance,
    authorized_customer,
    make_client,
    monthly_price,
    new_clock,
    subscribe,
    ts,
)

HOSTILE = '<img src=x onerror="window.pwned=1">'  # 35 characters: fits a display name too
SCRIPT = "<script>window.pwned=1</script>"


def new_key() -> str:
    return "sk_test_" + random_token(32)  # built at run time, never a literal


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """``serve --classroom``: its URL, trainer token and the trainer's sign-in link, as printed."""
    with classroom_sandbox(tmp_path_factory.mktemp("room")) as (url, printed):
        token = re.search(r"Trainer token[^:]*: (\S+)", printed).group(1)
        yield url, token, re.search(r"(\S+/trainer/login#token=\S+)", printed).group(1)


@pytest.fixture
def learner_env(classroom, monkeypatch, tmp_path):
    """A learner's kernel on the classroom sandbox (their own state directory and key)."""
    url, _, _ = classroom
    monkeypatch.setenv("TUTORIAL_MODE", "sandbox")
    monkeypatch.setenv("TUTORIAL_ENV_FILE", str(tmp_path / "none.env"))
    monkeypatch.setenv("TUTORIAL_STATE_DIR", str(tmp_path / "learner"))
    monkeypatch.setenv("TUTORIAL_SANDBOX_URL", url)
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX", raising=False)
    from helpers.sandbox.client import keys as learner

    return url, learner.keys()[0]


def join(url: str, name: str) -> tuple[str, stripe.StripeClient]:
    """A learner with a key of their own and a display name."""
    key = new_key()
    named = httpx.post(f"{url}/_sandbox/account", data={"display_name": name},
                       headers={"Authorization": f"Bearer {key}"})
    assert named.status_code == 200, named.text
    return key, make_client(url, key)


def account_id(url: str, key: str) -> str:
    return httpx.get(f"{url}/_sandbox/account", headers={"Authorization": f"Bearer {key}"}).json()["id"]


def room(url: str, token: str) -> dict[str, dict]:
    answer = httpx.get(f"{url}/trainer/progress", headers={process.TRAINER_HEADER: token})
    assert answer.status_code == 200, answer.text
    return {learner["id"]: learner for learner in answer.json()["learners"]}


def guide_until_subscription(client) -> stripe.Subscription:
    """Steps 1-5 of the guide: price, customer, SetupIntent, authorized, active subscription."""
    price = monthly_price(client)
    customer, si = authorized_customer(client)
    return subscribe(client, customer.id, price.id, si.payment_method)


def report(url: str, key: str, passed: list[str], total: int) -> httpx.Response:
    return httpx.post(f"{url}/_sandbox/exercises", data={"passed": passed, "total": str(total)},
                      headers={"Authorization": f"Bearer {key}"} if key else {})


# --------------------------------------------------------------------------- what the view shows


def test_every_step_comes_from_the_accounts_own_objects(classroom):
    url, token, _ = classroom
    key, client = join(url, "Hopper")
    other_key, _ = join(url, "Noether")
    receiver = Receiver().start()
    try:
        client.v1.webhook_endpoints.create(params={"url": receiver.url, "enabled_events": ["invoice.paid"]})
        clock = new_clock(client)
        price = monthly_price(client)
        customer, si = authorized_customer(client, test_clock=clock.id)
        assert room(url, token)[account_id(url, key)]["done"] == ["product_price", "customer", "setup_intent",
                                                                   "authorized"]
        sub = subscribe(client, customer.id, price.id, si.payment_method)
        assert "subscription_active" in room(url, token)[account_id(url, key)]["done"]
        assert "renewal" not in room(url, token)[account_id(url, key)]["done"]
        advance(client, clock, ts(2026, 2, 28))  # one renewal, its invoice a draft for an hour: not paid yet
        assert "renewal" not in room(url, token)[account_id(url, key)]["done"]
        advance(client, clock, ts(2026, 2, 28) + HOUR)  # finalized and paid
        receiver.wait_for({e.id for e in client.v1.events.list(params={"type": "invoice.paid"}).data})
        deadline = time.monotonic() + 10
        while "webhook" not in room(url, token)[account_id(url, key)]["done"]:  # the attempt is recorded after the answer
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        receiver.stop()
    client.v1.subscriptions.cancel(sub.id)
    client.v1.customers.delete(customer.id)  # a clean-up does not undo a step
    learners = room(url, token)
    assert learners[account_id(url, key)]["done"] == ["product_price", "customer", "setup_intent", "authorized",
                                                      "subscription_active", "renewal", "webhook"]
    assert learners[account_id(url, other_key)]["done"] == []  # another account's objects count for nobody else


def test_a_pass_is_reported_by_the_checker_and_a_failed_report_changes_nothing(classroom, learner_env, monkeypatch):
    url, token, _ = classroom
    monkeypatch.setitem(check_core.EXERCISES, "99-always", check_core.Exercise(
        "99-always", "99_test", "Always passes", "Nothing to do.", "pass", judge=lambda look: "Well done."))
    progress.remember(check_core.RECORD_PREFIX + "01-yearly-price", check_core.PASSED)
    result = check_core.run("99-always")
    assert result.passed
    from helpers.sandbox.client import control

    exercises = room(url, token)[control.account()["id"]]["exercises"]
    assert exercises == {"passed": ["01-yearly-price", "99-always"], "total": len(check_core.EXERCISES)}

    monkeypatch.setenv("TUTORIAL_SANDBOX_URL", f"http://127.0.0.1:{process.free_port()}")  # nobody answers
    again = check_core.run("99-always")
    assert again.passed and again.message == "Well done."
    assert check_core.report_to_sandbox() is False


def test_an_exercise_report_is_checked(classroom):
    url, _, _ = classroom
    key, _ = join(url, "Curie")
    assert report(url, key, ["x" * 81], 3).status_code == 400
    assert report(url, key, ["a"], "many").status_code == 400  # type: ignore[arg-type]
    assert report(url, "", ["a"], 3).status_code == 401  # no key
    assert report(url, key, ["b", "a", "a"], 1).json() == {"passed": ["a", "b"], "total": 2}


# --------------------------------------------------------------------------- the trainer's view in Chromium


def test_the_trainer_sees_two_learners_progress_and_last_error_live(page: Page, classroom):
    url, token, link = classroom
    ada_key, ada = join(url, "Ada Lovelace")
    grace_key, grace = join(url, HOSTILE)  # a hostile display name is shown as text
    guide_until_subscription(ada)
    grace.v1.customers.create(params={"email": "grace@example.com"})
    # A mistake of her own (cus_doesnotexist would be exercise 02-missing-customer: expected, not stuck).
    with pytest.raises(stripe.InvalidRequestError):
        grace.v1.customers.retrieve("cus_mytypo1")
    page.goto(link)  # the link serve --classroom printed: signs in, and drops the token from the address
    expect(page).to_have_url(f"{url}/trainer/")
    ada_row = page.locator(f'tr[data-account="{account_id(url, ada_key)}"]')
    grace_row = page.locator(f'tr[data-account="{account_id(url, grace_key)}"]')
    expect(ada_row).to_contain_text("Ada Lovelace")
    for step in ("product_price", "customer", "setup_intent", "authorized", "subscription_active"):
        expect(ada_row.locator(f'td[data-step="{step}"]')).to_have_class("done")
    for step in ("renewal", "webhook"):
        expect(ada_row.locator(f'td[data-step="{step}"]')).to_have_class("todo")
    expect(grace_row).to_contain_text(HOSTILE)
    expect(grace_row.locator('td[data-step="customer"]')).to_have_class("done")
    expect(grace_row.locator('td[data-step="product_price"]')).to_have_class("todo")
    error = grace_row.locator('td[data-step="last_error"]')
    expect(error).to_contain_text("404 resource_missing: No such customer: 'cus_mytypo1'")
    expect(error).to_contain_text("GET /v1/customers/cus_mytypo1")
    expect(error).to_have_class("stuck")
    assert page.locator("#room img").count() == 0 and page.evaluate("window.pwned") is None
    assert "token" not in page.evaluate("window.location.href")

    page.evaluate("window.stillTheSamePage = true")
    monthly_price(grace)  # Grace moves on: a recurring price, and her first exercise
    assert report(url, grace_key, ["01-yearly-price"], 20).status_code == 200
    expect(grace_row.locator('td[data-step="product_price"]')).to_have_class("done", timeout=10_000)
    expect(grace_row.locator('td[data-step="exercises"]')).to_have_text("1 / 20")
    expect(error).to_have_class("resolved")  # later requests succeeded
    assert page.evaluate("window.stillTheSamePage") is True  # updated without a reload


def test_a_wrong_trainer_token_is_refused(page: Page, classroom):
    url, token, _ = classroom
    page.goto(f"{url}/trainer/")
    expect(page).to_have_url(f"{url}/trainer/login")
    page.get_by_label("Trainer token").fill(token[:-1] + ("x" if token[-1] != "x" else "y"))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("That is not the trainer token")
    with page.expect_response(lambda answer: answer.request.method == "POST") as posted:
        page.goto(f"{url}/trainer/login#token=not-the-token")  # a link with a wrong token
    assert posted.value.status == 403
    expect(page.get_by_role("alert")).to_contain_text("That is not the trainer token")
    page.goto(f"{url}/trainer/")
    expect(page).to_have_url(f"{url}/trainer/login")
    assert httpx.get(f"{url}/trainer/progress").status_code == 403
    assert httpx.get(f"{url}/trainer/progress", headers={process.TRAINER_HEADER: "nope"}).status_code == 403
    # A learner's Dashboard session is no trainer's session, nor the other way round.
    key, _ = join(url, "Someone")
    path = httpx.post(f"{url}/_sandbox/dashboard-link", headers={"Authorization": f"Bearer {key}"}).json()["path"]
    page.goto(f"{url}/{path}")
    expect(page.get_by_role("navigation")).to_be_visible()
    assert httpx.get(f"{url}/trainer/progress", cookies={
        c["name"].replace("dashboard", "trainer"): c["value"] for c in page.context.cookies()}).status_code == 403
    page.goto(f"{url}/trainer/")
    expect(page).to_have_url(f"{url}/trainer/login")


# --------------------------------------------------------------------------- the learner's Dashboard in Chromium


def relative_links(page: Page) -> list[str]:
    """Every href and src of the page as written; none may name a host or start at the root."""
    found = page.eval_on_selector_all("[href], [src]", "nodes => nodes.map(n => n.getAttribute('href') || n.getAttribute('src'))")
    assert found
    assert not [x for x in found if x.startswith(("/", "http:", "https:", "javascript:"))], found
    return found


def test_the_dashboard_shows_the_learners_own_objects_linked_and_escaped(page: Page, learner_env):
    url, key = learner_env
    mine = make_client(url, key)
    product = mine.v1.products.create(params={"name": SCRIPT, "metadata": {"note": HOSTILE}})
    price = mine.v1.prices.create(params={"product": product.id, "unit_amount": 1500, "currency": "usd",
                                          "recurring": {"interval": "month"}})
    customer, si = authorized_customer(mine, name=HOSTILE)
    sub = subscribe(mine, customer.id, price.id, si.payment_method)
    invoice = mine.v1.invoices.retrieve(sub.latest_invoice)
    _, theirs = join(url, "Another learner")
    their_customer = theirs.v1.customers.create(params={"name": "Not yours"})

    shown = dashboard.link(customer)  # what a notebook shows after creating the customer
    assert shown.text == f"{customer.id} in your Dashboard" and key not in shown.url
    assert shown.url.startswith(f"{url}/dashboard/login#token=") and shown.url.endswith(f"&next={customer.id}")
    page.goto(shown.url)
    expect(page).to_have_url(f"{url}/dashboard/{customer.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(HOSTILE)
    relative_links(page)

    page.get_by_role("link", name=sub.id).first.click()  # customer -> its subscription
    expect(page).to_have_url(f"{url}/dashboard/{sub.id}")
    expect(page.locator("pre.json")).to_contain_text('"status": "active"')
    page.locator("pre.json").get_by_role("link", name=f'"{invoice.id}"').click()  # subscription -> invoice
    expect(page).to_have_url(f"{url}/dashboard/{invoice.id}")
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Hosted invoice page").click()
    hosted = opened.value
    expect(hosted.get_by_role("heading", level=1)).to_have_text("15.00 USD paid")
    hosted.close()

    page.get_by_role("navigation").get_by_role("link", name="Products").click()
    expect(page).to_have_url(f"{url}/dashboard/products")
    page.get_by_role("link", name=SCRIPT).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SCRIPT)
    expect(page.locator("pre.json")).to_contain_text(HOSTILE.replace('"', '\\"'))
    expect(page.locator('table[data-collection="prices"]')).to_contain_text("15.00 USD / month")
    relative_links(page)

    page.get_by_role("navigation").get_by_role("link", name="Customers").click()
    customers = page.locator('table[data-collection="customers"]')
    expect(customers).to_contain_text(HOSTILE)
    expect(customers).not_to_contain_text("Not yours")
    page.get_by_role("navigation").get_by_role("link", name="Request log").click()
    expect(page.locator('table[data-collection="logs"]')).to_contain_text("POST /v1/subscriptions")
    page.get_by_role("navigation").get_by_role("link", name="Events").click()
    expect(page.locator('table[data-collection="events"]')).to_contain_text("customer.subscription.created")
    assert page.locator("main img, main script").count() == 0 and page.evaluate("window.pwned") is None

    page.goto(f"{url}/dashboard/{their_customer.id}")  # another account's object: not there
    expect(page.get_by_role("heading", level=1)).to_have_text("No such object in your account")
    assert httpx.get(f"{url}/dashboard/{their_customer.id}", cookies={
        c["name"]: c["value"] for c in page.context.cookies()}).status_code == 404


def test_the_dashboard_needs_a_link_and_an_old_link_needs_a_session(page: Page, learner_env):
    url, key = learner_env
    for path in ("dashboard/", "dashboard/customers", "dashboard/cus_anything1"):
        assert httpx.get(f"{url}/{path}").status_code == 303  # to the sign-in page, nothing shown
    page.goto(f"{url}/dashboard/")
    expect(page).to_have_url(f"{url}/dashboard/login")
    expect(page.get_by_text("dashboard.open()")).to_be_visible()
    page.goto(f"{url}/dashboard/login#token=forged.token&next=customers")
    expect(page.get_by_role("alert")).to_contain_text("expired")
    expect(page.get_by_role("navigation")).to_have_count(0)

    page.goto(dashboard.open().url)  # signed in: a session for this browser
    expect(page).to_have_url(f"{url}/dashboard/")
    page.goto(f"{url}/dashboard/login#token=forged.token&next=customers")  # a stale link, but signed in
    expect(page).to_have_url(f"{url}/dashboard/customers")
    cookie = next(c for c in page.context.cookies() if c["name"].startswith("sandbox_dashboard_"))
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/dashboard"
    assert key not in cookie["value"]


# --------------------------------------------------------------------------- without a browser


def test_links_in_stripe_test_mode_go_to_stripes_dashboard(monkeypatch, tmp_path):
    monkeypatch.setenv("TUTORIAL_MODE", "stripe")
    monkeypatch.setenv("TUTORIAL_ENV_FILE", str(tmp_path / "none.env"))
    monkeypatch.setenv("STRIPE_SECRET_KEY", new_key())
    assert dashboard.url("cus_123") == "https://dashboard.stripe.com/test/customers/cus_123"
    assert dashboard.url({"id": "seti_1", "object": "setup_intent"}) == \
        "https://dashboard.stripe.com/test/setup_intents/seti_1"
    assert dashboard.url({"id": "pm_1", "object": "payment_method"}) == \
        "https://dashboard.stripe.com/test/search?query=pm_1"
    shown = dashboard.link("evt_1")
    assert shown.text == "evt_1 in the Stripe Dashboard"
    assert shown._repr_html_() == ('<a href="https://dashboard.stripe.com/test/events/evt_1" target="_blank" '
                                   'rel="noopener">evt_1 in the Stripe Dashboard ↗</a>')
    assert dashboard.open().url == "https://dashboard.stripe.com/test"


def test_dashboard_links_go_through_jupyter_server_proxy(learner_env, monkeypatch):
    url, _ = learner_env
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/ada/")
    port = url.rsplit(":", 1)[1]
    assert dashboard.url("cus_1").startswith(f"/user/ada/proxy/{port}/dashboard/login#token=")


def test_a_token_is_good_for_its_purpose_only_and_until_it_expires(monkeypatch):
    signer = signin.Signer()
    token, _ = signer.issue("dashboard-link", "acct_1", 60)
    assert signer.subject("dashboard-link", token) == "acct_1"
    assert signer.subject("dashboard", token) is None
    assert signin.Signer().subject("dashboard-link", token) is None  # another process's key
    payload, _, mac = token.partition(".")
    assert signer.subject("dashboard-link", f"{payload}x.{mac}") is None
    monkeypatch.setattr(time, "time", lambda: 10**10)
    assert signer.subject("dashboard-link", token) is None


# --------------------------------------------------------------------------- QA fixes (trainer's pass)


def test_a_subscriptions_page_lists_its_invoices(page: Page, learner_env):
    """An invoice names its subscription under ``parent.subscription_details`` (no top-level field)."""
    url, key = learner_env
    client = make_client(url, key)
    sub = guide_until_subscription(client)
    invoice = client.v1.invoices.retrieve(sub.latest_invoice)
    assert invoice.parent.subscription_details.subscription == sub.id
    page.goto(dashboard.link(sub).url)
    expect(page).to_have_url(f"{url}/dashboard/{sub.id}")
    invoices = page.locator('table[data-collection="invoices"]')
    expect(invoices).to_contain_text("paid")
    invoices.get_by_role("link", name=invoice.number).click()
    expect(page).to_have_url(f"{url}/dashboard/{invoice.id}")
    expect(page.locator("p.kind")).to_have_text("invoice")


LONG_NAME = "Maximiliane" + "-von" * 9 + "-Hohenzollern"  # 60 characters, one word


def api_version_error(client) -> None:
    """Notebook 03's lesson: ``payment_method_types`` refused, the longest message a learner sees."""
    customer = client.v1.customers.create(params={"email": "wide@example.com"})
    with pytest.raises(stripe.InvalidRequestError, match="payment_method_types"):
        client.v1.setup_intents.create(params={"customer": customer.id, "payment_method_types": ["amazon_pay"]})


def fits(page: Page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide in a {widths[1]} px window"


def test_the_trainer_view_and_the_request_log_fit_a_1280_px_window(page: Page, classroom, learner_env):
    url, token, link = classroom
    assert len(LONG_NAME) == 60
    key, client = join(url, LONG_NAME)
    api_version_error(client)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(link)
    row = page.locator(f'tr[data-account="{account_id(url, key)}"]')
    error = row.locator('td[data-step="last_error"]')
    expect(error).to_contain_text("payment_method_types_no_longer_supported")
    german = page.locator('#room th[data-step="customer"] small')  # the guide's title, shown, not on hover
    expect(german).to_have_text("Kundinnen/Kunden erstellen oder abrufen")
    fits(page)
    message = error.locator("[title]").first
    assert "make this request with an earlier `Stripe-Version`" in message.get_attribute("title")  # all of it
    assert message.evaluate("m => m.scrollHeight > m.clientHeight")  # clamped: the rest is hidden
    assert message.bounding_box()["height"] < 3 * 20  # to two lines, not ten

    _, mine = learner_env
    api_version_error(make_client(url, mine))
    page.goto(dashboard.link("logs").url)
    expect(page.locator('table[data-collection="logs"]')).to_contain_text("payment_method_types_no_longer_supported")
    fits(page)


def test_the_tutorials_own_errors_are_expected_not_stuck(page: Page, classroom):
    """Notebook 03's lesson and every exercise whose answer is an error, as a learner runs them."""
    url, token, link = classroom
    key, client = join(url, "Predicts first")
    me = account_id(url, key)

    def last_error_after(call) -> dict:
        with pytest.raises(stripe.InvalidRequestError):
            call()
        return room(url, token)[me]["last_error"]

    customer, si = authorized_customer(client)
    price = monthly_price(client)
    guide = {"customer": customer.id, "confirm": True, "payment_method_data": {"type": "amazon_pay"},
             "usage": "off_session", "mandate_data": progress.GUIDE_MANDATE, "return_url": progress.GUIDE_RETURN_URL}
    pending = client.v1.setup_intents.create(params=guide)
    eur = client.v1.prices.create(params={"product": price.product, "unit_amount": 1000, "currency": "eur",
                                          "recurring": {"interval": "month"}})
    clock = new_clock(client)
    on_clock, clock_si = authorized_customer(client, test_clock=clock.id)
    subscribe(client, on_clock.id, price.id, clock_si.payment_method)
    calls = {
        "03's lesson on API versions": lambda: client.v1.setup_intents.create(
            params={**guide, "payment_method_types": ["amazon_pay"]}),
        "02's exercise 02-missing-customer": lambda: client.v1.customers.retrieve("cus_doesnotexist"),
        "03's exercise 03-no-return-url": lambda: client.v1.setup_intents.create(
            params={k: v for k, v in guide.items() if k != "return_url"}),
        "04's exercise 04-confirm-succeeded": lambda: client.v1.setup_intents.confirm(si.id),
        "05's exercise 05-before-authorizing": lambda: client.v1.subscriptions.create(params={
            "customer": customer.id, "items": [{"price": price.id}], "default_payment_method": pending.payment_method,
            "off_session": True}),
        "05's exercise 05-eur-price": lambda: client.v1.subscriptions.create(params={
            "customer": customer.id, "items": [{"price": eur.id}], "default_payment_method": si.payment_method}),
        "07's exercise 07-advance-too-far": lambda: client.v1.test_helpers.test_clocks.advance(
            clock.id, params={"frozen_time": clock.frozen_time + 92 * 24 * 3600}),
    }
    for where, call in calls.items():
        assert last_error_after(call)["expected"] == where
    # The same calls gone wrong in other ways are not what the lessons cause.
    assert last_error_after(lambda: client.v1.customers.retrieve("cus_mytypo1"))["expected"] is None
    assert last_error_after(lambda: client.v1.test_helpers.test_clocks.advance(
        "clock_mytypo1", params={"frozen_time": clock.frozen_time + 60}))["expected"] is None

    page.goto(link)
    cell = page.locator(f'tr[data-account="{me}"] td[data-step="last_error"]')
    expect(cell).to_have_class("stuck")
    last_error_after(calls["03's lesson on API versions"])
    expect(cell).to_have_class("expected", timeout=10_000)
    expect(cell).to_contain_text("expected: 03's lesson on API versions")
    expect(cell).to_contain_text("payment_method_types_no_longer_supported")


def test_the_expected_errors_are_the_exercises_that_answer_with_an_error():
    from helpers import check
    from helpers.sandbox.classroom import lessons

    answered_with_an_error = {e.id for e in check.EXERCISES.values() if "except stripe." in e.solution}
    assert {e.exercise for e in lessons.EXPECTED if e.exercise} == answered_with_an_error
    for entry in lessons.EXPECTED:
        if entry.exercise:
            assert entry.where.startswith(check.EXERCISES[entry.exercise].notebook[:2] + "'s exercise")


def test_the_trainer_view_counts_in_words_and_an_empty_room_spans_the_table(page: Page, classroom):
    url, _, link = classroom
    answers = iter([[], [{"id": "acct_one", "display_name": "Solo", "done": [], "exercises": None,
                          "last_error": None, "last_request": None}]])

    def progress_of(route):
        route.fulfill(json={"now": time.time(), "steps": [], "learners": next(answers, [])})

    page.route("**/trainer/progress", progress_of)
    page.goto(link)
    empty = page.locator("#room tbody td")
    expect(empty).to_have_text("No learner has made a request yet.")
    assert empty.get_attribute("colspan") == str(page.locator("#room thead th").count())
    expect(page.locator("#status")).to_contain_text("0 learners")
    expect(page.locator("#status")).to_contain_text("1 learner ·", timeout=10_000)


def test_a_missing_page_highlights_nothing_and_the_favicon_is_answered(page: Page, learner_env):
    url, _ = learner_env
    page.goto(dashboard.open().url)
    expect(page.get_by_role("navigation").locator('[aria-current="page"]')).to_have_text("Home")
    page.goto(f"{url}/dashboard/cus_nothere1")
    expect(page.get_by_role("heading", level=1)).to_have_text("No such object in your account")
    expect(page.get_by_role("navigation").locator('[aria-current="page"]')).to_have_count(0)
    assert page.locator('link[rel="icon"]').get_attribute("href") == "../_sandbox/static/sandbox-icon.svg"
    assert httpx.get(f"{url}/favicon.ico").status_code in (200, 204)


def test_a_sign_in_link_says_it_signs_in_as_you_and_a_bad_one_says_what_to_do(page: Page, learner_env):
    url, _ = learner_env
    shown = dashboard.open()
    assert repr(shown).endswith("(signs in as you: do not share it)")
    assert "signs in as you: do not share it" in shown._repr_html_()
    good = shown.url.split("#token=", 1)[1]
    altered = good[:-10] + ("A" if good[-10] != "A" else "B") + good[-9:]  # one character of its MAC
    page.goto(f"{url}/dashboard/login#token={altered}")
    expect(page.get_by_role("alert")).to_have_text(
        "This Dashboard link is not valid: expired, altered, or from a sandbox that has restarted. "
        "In your notebook, run dashboard.open() again: from helpers import dashboard; dashboard.open()")


def test_only_ids_of_objects_are_linked_in_the_request_log():
    from helpers.sandbox.pages.dashboard import ID_PATTERN

    for name in ("setup_intents", "payment_methods", "test_clocks", "webhook_endpoints", "subscription_items"):
        assert not ID_PATTERN.fullmatch(name)
    for object_id in ("cus_NffrFeUfNV2Hib", "seti_1Mm8s8LkdIwHu7ix", "in_1MtHbELkdIwHu7ix", "clock_1Mr3I2LkdIwHu7ix"):
        assert ID_PATTERN.fullmatch(object_id)
