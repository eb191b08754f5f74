"""Issues 12 and 18: the trainer's live view of a room, in headless Chromium at a projector's
1024×768 and at 1280×800. A learner's real kernel (driven as JupyterLab drives it) turns them
stuck within 5 seconds of an exception, a form that stopped a value, or a failed check; a sticky
note appears and is taken down; 30 learners fit one screen and the header stays in view; each
column counts; a row opens the learner's whole error, request log and Dashboard. Plus what
feeds the view: the guide's steps from each account's own objects, passes reported by the
checkers, and errors that are expected only where an exercise asks for them."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import nbformat
import pytest
import stripe
from playwright.sync_api import Page, expect

from helpers import progress
from helpers.check import _core as check_core
from helpers.sandbox.classroom import guide_steps, lessons
from helpers.sandbox.client import process
from support.classroom import account_id, classroom_sandbox, join
from support.kernel import Kernel
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
from support.waiting import PATIENCE

# One worker runs this module's tests (make test runs them in parallel, --dist loadgroup): its
# module-scoped server starts once, not once per worker.
pytestmark = pytest.mark.xdist_group("classroom-sandbox")

ROOT = Path(__file__).resolve().parents[3]
NOTEBOOK_01 = ROOT / "notebooks" / "01_product_and_price.ipynb"
HOSTILE = '<img src=x onerror="window.pwned=1">'
SCREENS = [{"width": 1024, "height": 768}, {"width": 1280, "height": 800}]
STEP_KEYS = [step.key for step in guide_steps.STEPS]
LESSONS = {"02": "02's lesson on idempotency keys", "03": "03's lesson on API versions"}


@pytest.fixture(params=SCREENS, ids=["1024x768", "1280x800"])
def screen(request, page: Page) -> Page:
    page.set_viewport_size(request.param)
    return page


def view(url: str, token: str) -> dict:
    answer = httpx.get(f"{url}/trainer/progress", headers={process.TRAINER_HEADER: token})
    assert answer.status_code == 200, answer.text
    return answer.json()


def learners(url: str, token: str) -> dict[str, dict]:
    return {learner["id"]: learner for learner in view(url, token)["learners"]}


def done(learner: dict) -> list[str]:
    return [key for key in STEP_KEYS if learner["cells"][key] == "done"]


def report(url: str, key: str, passed: list[str], total) -> httpx.Response:
    return httpx.post(f"{url}/_sandbox/exercises", data={"passed": passed, "total": str(total)},
                      headers={"Authorization": f"Bearer {key}"} if key else {})


def kernel_report(url: str, key: str, *events: dict, notebook: str = "03_setup_intent.ipynb") -> None:
    answer = httpx.post(f"{url}/_sandbox/room", json={"kernel": "k" + key[-8:], "notebook": notebook,
                                                       "events": list(events)},
                        headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200, answer.text


def row(page: Page, account: str):
    return page.locator(f'#room tbody tr[data-account="{account}"]')


# --------------------------------------------------------------------------- what feeds the view


def test_every_step_comes_from_the_accounts_own_objects(classroom):
    url, token, _ = classroom
    key, other_key = join(url, "Hopper"), join(url, "Noether")
    client = make_client(url, key)
    receiver = Receiver().start()
    try:
        client.v1.webhook_endpoints.create(params={"url": receiver.url, "enabled_events": ["invoice.paid"]})
        clock = new_clock(client)
        price = monthly_price(client)
        customer, si = authorized_customer(client, test_clock=clock.id)
        assert done(learners(url, token)[account_id(url, key)]) == ["product_price", "customer", "setup_intent",
                                                                    "authorized"]
        sub = subscribe(client, customer.id, price.id, si.payment_method)
        assert "subscription_active" in done(learners(url, token)[account_id(url, key)])
        assert "renewal" not in done(learners(url, token)[account_id(url, key)])
        advance(client, clock, ts(2026, 2, 28))  # one renewal, its invoice a draft for an hour: not paid yet
        assert "renewal" not in done(learners(url, token)[account_id(url, key)])
        advance(client, clock, ts(2026, 2, 28) + HOUR)  # finalized and paid
        receiver.wait_for({e.id for e in client.v1.events.list(params={"type": "invoice.paid"}).data})
        deadline = time.monotonic() + PATIENCE
        while "webhook" not in done(learners(url, token)[account_id(url, key)]):  # recorded after the answer
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        receiver.stop()
    client.v1.subscriptions.cancel(sub.id)
    client.v1.customers.delete(customer.id)  # a clean-up does not undo a step
    rows = learners(url, token)
    assert done(rows[account_id(url, key)]) == STEP_KEYS
    assert done(rows[account_id(url, other_key)]) == []  # another account's objects count for nobody else


def test_a_pass_is_reported_by_the_checker_and_a_failed_report_changes_nothing(classroom, classroom_learner, monkeypatch):
    url, token, _ = classroom
    monkeypatch.setitem(check_core.EXERCISES, "99-always", check_core.Exercise(
        "99-always", "99_test", "Always passes", "Nothing to do.", "pass", judge=lambda look: "Well done."))
    progress.remember(check_core.RECORD_PREFIX + "01-yearly-price", check_core.PASSED)
    from helpers import client as client_mod
    from helpers import focus

    check_core.start("99-always")  # an attempt: only then may a checker pass (issue 16)
    client_mod.get_client().v1.customers.list()
    focus.clear()
    assert check_core.run("99-always").passed
    from helpers.sandbox.client import control

    cells = learners(url, token)[control.account()["id"]]["cells"]
    assert cells["01-yearly-price"] == "reported"  # the kernel says so; no yearly price in the account
    monkeypatch.setenv("TUTORIAL_SANDBOX_URL", f"http://127.0.0.1:{process.free_port()}")  # nobody answers
    again = check_core.run("99-always")
    assert again.passed and again.message == "Well done. (A pass, once earned, stays.)"
    assert check_core.report_to_sandbox() is False


def test_an_exercise_report_is_checked(classroom):
    url, _, _ = classroom
    key = join(url, "Curie")
    assert report(url, key, ["x" * 81], 3).status_code == 400
    assert report(url, key, ["not an exercise"], 3).status_code == 400
    assert report(url, key, ["01-yearly-price"], "many").status_code == 400
    assert report(url, "", ["01-yearly-price"], 3).status_code == 401  # no key
    assert report(url, key, ["02-retrieve-by-id", "01-yearly-price", "01-yearly-price"], 1).json() == {
        "passed": ["01-yearly-price", "02-retrieve-by-id"], "total": 2}


def test_the_tutorials_own_errors_are_expected_only_where_they_are_asked_for(classroom):
    """Notebook 03's lesson and every exercise whose answer is an error: expected in its exercise
    (or the lesson's notebook), as the learner's kernel places it; the same call anywhere else,
    or from a learner without kernel reports, is stuck."""
    url, token, _ = classroom
    key = join(url, "Predicts first")
    client, me = make_client(url, key), account_id(url, key)
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
    signup_key = f"signup-{customer.id}"
    client.v1.customers.create(params={"email": "twice@example.com"}, options={"idempotency_key": signup_key})
    calls = {  # where the error is asked for: (notebook, exercise) -> the call
        ("02", None): lambda: client.v1.customers.create(
            params={"email": "someone.else@example.com"}, options={"idempotency_key": signup_key}),
        ("03", None): lambda: client.v1.setup_intents.create(params={**guide, "payment_method_types": ["amazon_pay"]}),
        ("02", "02-missing-customer"): lambda: client.v1.customers.retrieve("cus_doesnotexist"),
        ("03", "03-no-return-url"): lambda: client.v1.setup_intents.create(
            params={k: v for k, v in guide.items() if k != "return_url"}),
        ("04", "04-confirm-succeeded"): lambda: client.v1.setup_intents.confirm(si.id),
        ("05", "05-before-authorizing"): lambda: client.v1.subscriptions.create(params={
            "customer": customer.id, "items": [{"price": price.id}], "default_payment_method": pending.payment_method,
            "off_session": True}),
        ("05", "05-eur-price"): lambda: client.v1.subscriptions.create(params={
            "customer": customer.id, "items": [{"price": eur.id}], "default_payment_method": si.payment_method}),
        ("07", "07-advance-too-far"): lambda: client.v1.test_helpers.test_clocks.advance(
            clock.id, params={"frozen_time": clock.frozen_time + 92 * 24 * 3600}),
    }

    def state_after(call, notebook: str | None, exercise: str | None) -> dict:
        with pytest.raises(stripe.StripeError) as raised:  # InvalidRequestError, IdempotencyError
            call()
        if notebook is not None:
            kernel_report(url, key, {"kind": "cell", "ok": False, "age": 0, "exercise": exercise, "error": {
                "class": "InvalidRequestError", "line": "…", "request_id": raised.value.request_id}},
                notebook=f"{notebook}_notebook.ipynb")
        deadline = time.monotonic() + PATIENCE
        while (found := learners(url, token)[me])["latest"]["source"] != ("kernel" if notebook else "sandbox"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        return found

    for (notebook, exercise), call in calls.items():
        where = f"{exercise[:2]}'s exercise {exercise}" if exercise else LESSONS[notebook]
        learner = state_after(call, notebook, exercise)
        assert (learner["state"], learner["latest"]["expected"]) == ("expected", where), (notebook, exercise)
        learner = state_after(call, "09", None)  # the same call in another notebook: a mistake
        assert learner["state"] == "stuck", (notebook, exercise)
        kernel_report(url, key, {"kind": "cell", "ok": True, "age": 0}, notebook="09_clean_up.ipynb")
        learner = state_after(call, None, None)  # no kernel to say where: the sandbox's word only
        assert learner["state"] == "stuck" and learner["latest"]["expected"] is None, (notebook, exercise)
        kernel_report(url, key, {"kind": "cell", "ok": True, "age": 0}, notebook="09_clean_up.ipynb")


def test_the_expected_errors_are_the_exercises_that_answer_with_an_error():
    from helpers import check

    answered_with_an_error = {e.id for e in check.EXERCISES.values() if "except stripe." in e.solution}
    assert {e.exercise for e in lessons.EXPECTED if e.exercise} == answered_with_an_error
    for entry in lessons.EXPECTED:
        if entry.exercise:
            assert entry.where.startswith(check.EXERCISES[entry.exercise].notebook[:2] + "'s exercise")


# --------------------------------------------------------------------------- signing in


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
    for path in ("progress", "export.csv", "learner/acct_x"):
        assert httpx.get(f"{url}/trainer/{path}").status_code == 403
        assert httpx.get(f"{url}/trainer/{path}", headers={process.TRAINER_HEADER: "nope"}).status_code == 403
    # A learner's Dashboard session is no trainer's session, nor the other way round.
    key = join(url, "Someone")
    path = httpx.post(f"{url}/_sandbox/dashboard-link", headers={"Authorization": f"Bearer {key}"}).json()["path"]
    page.goto(f"{url}/{path}")
    expect(page.get_by_role("navigation")).to_be_visible()
    assert httpx.get(f"{url}/trainer/progress", cookies={
        c["name"].replace("dashboard", "trainer"): c["value"] for c in page.context.cookies()}).status_code == 403
    page.goto(f"{url}/trainer/")
    expect(page).to_have_url(f"{url}/trainer/login")


# --------------------------------------------------------------------------- the view in Chromium


def test_the_trainer_sees_learners_live_and_their_names_as_text(page: Page, classroom):
    url, token, link = classroom
    ada_key, grace_key = join(url, "Ada Lovelace"), join(url, HOSTILE)
    ada, grace = make_client(url, ada_key), make_client(url, grace_key)
    monthly_price(ada)
    authorized_customer(ada)
    grace.v1.customers.create(params={"email": "grace@example.com"})
    with pytest.raises(stripe.InvalidRequestError):
        grace.v1.customers.retrieve("cus_mytypo1")
    page.goto(link)  # the link serve --classroom printed: signs in, and drops the token from the address
    expect(page).to_have_url(f"{url}/trainer/")
    ada_row, grace_row = row(page, account_id(url, ada_key)), row(page, account_id(url, grace_key))
    expect(ada_row).to_contain_text("Ada Lovelace")
    for step in ("product_price", "customer", "setup_intent", "authorized"):
        expect(ada_row.locator(f'td[data-col="{step}"]')).to_have_class("col done")
    expect(ada_row.locator('td[data-col="renewal"]')).to_have_class("col todo")
    expect(grace_row.locator("td.who")).to_contain_text(HOSTILE)
    expect(grace_row.locator("td.who")).to_have_attribute("title", HOSTILE)  # the whole name, where it is cut
    expect(grace_row.locator("td.state")).to_have_attribute("data-state", "stuck")
    expect(grace_row.locator("td.what")).to_contain_text("404 resource_missing: No such customer: 'cus_mytypo1'")
    expect(grace_row.locator('td[data-col="customer"]')).to_have_class("col done")
    assert page.locator("#room img").count() == 0 and page.evaluate("window.pwned") is None
    assert "token" not in page.evaluate("window.location.href")

    page.evaluate("window.stillTheSamePage = true")
    monthly_price(grace)  # Grace moves on: a call that succeeds
    expect(grace_row.locator('td[data-col="product_price"]')).to_have_class("col done", timeout=PATIENCE * 1000)
    expect(grace_row.locator("td.state")).to_have_attribute("data-state", "working")
    assert page.evaluate("window.stillTheSamePage") is True  # updated without a reload


def test_a_learners_kernel_turns_them_stuck_within_5_seconds(screen: Page, classroom, tmp_path):
    """A kernel exception, a form that stopped a value and a failed check, each from a real
    kernel running notebook 01's own cells; a cell that runs in between makes them work again."""
    url, token, link = classroom
    kernel = Kernel(NOTEBOOK_01, {"TUTORIAL_SANDBOX_URL": url, "TUTORIAL_MODE": "sandbox",
                                  "TUTORIAL_STATE_DIR": str(tmp_path), "TUTORIAL_ENV_FILE": str(tmp_path / "none")})
    cells = {c.id: c.source for c in nbformat.read(NOTEBOOK_01, as_version=4).cells}
    ids = list(cells)
    try:
        name = f"Kernel {screen.viewport_size['width']}"
        assert kernel.run(cells[ids[1]] + f"\nfrom helpers.sandbox.client import control\n"
                          f"control.set_display_name({name!r})", ids[1])["status"] == "ok"
        account = next(i for i, learner in learners(url, token).items() if learner["display_name"] == name)
        screen.goto(link)
        state, what = row(screen, account).locator("td.state"), row(screen, account).locator("td.what")
        expect(state).to_have_attribute("data-state", "working")

        kernel.run("1 / 0", ids[12])  # the learner's own code, in "Your turn: A yearly price"
        expect(state).to_have_attribute("data-state", "stuck", timeout=5000)
        expect(what).to_contain_text("ZeroDivisionError: division by zero (01 · cell 13 · Your turn: A yearly price)")
        kernel.run(cells[ids[3]], ids[3])  # the form: runs
        expect(state).to_have_attribute("data-state", "working", timeout=PATIENCE * 1000)

        kernel.run("form.amount.value = 'abc'", silent=True)  # typed into the form's field
        kernel.run(cells[ids[5]], ids[5])  # the cell that reads the form stops, sending nothing
        expect(state).to_have_attribute("data-state", "stuck", timeout=5000)
        expect(what).to_contain_text("FormError: Amount 'abc' is not a number")
        expect(row(screen, account).locator('td[data-col="product_price"]')).to_have_class("col failed")
        kernel.run("form.amount.value = '15.00'", silent=True)
        kernel.run(cells[ids[5]], ids[5])
        expect(state).to_have_attribute("data-state", "working", timeout=PATIENCE * 1000)

        kernel.run(cells[ids[13]], ids[13])  # check.exercise("01-yearly-price") with nothing done: ✘
        expect(state).to_have_attribute("data-state", "stuck", timeout=5000)
        expect(what).to_contain_text("✘ not yet")
        expect(row(screen, account).locator('td[data-col="01-yearly-price"]')).to_have_class("col failed")
    finally:
        kernel.shutdown()


def test_a_kernel_that_beats_before_its_first_cell_says_so(page: Page, classroom):
    url, _, link = classroom
    key = join(url, "Just started")
    kernel_report(url, key, notebook="00_start_here.ipynb")  # a heartbeat: no events
    page.goto(link)
    what = row(page, account_id(url, key)).locator("td.what")
    expect(what).to_have_text("kernel up, no cell run yet")
    expect(row(page, account_id(url, key)).locator("td.state")).to_have_attribute("data-state", "new")


def test_the_view_says_when_it_is_stale_and_comes_back(page: Page, classroom):
    """Signed out (a restarted sandbox forgets its sessions) or no answer: the table greys out
    under a banner saying since when and what to do, and polling goes on."""
    url, _, link = classroom
    join(url, "Seen before")
    page.goto(link)
    expect(page.locator("#room tbody tr[data-account]").first).to_be_visible()
    banner, table = page.locator("#stale"), page.locator("#room")
    expect(banner).to_be_hidden()
    page.route("**/trainer/progress", lambda route: route.fulfill(status=403, json={"error": {}}))
    expect(banner).to_contain_text("Signed out since ", timeout=PATIENCE * 1000)
    expect(banner.get_by_role("link", name="Sign in again")).to_have_attribute("href", "login")
    expect(table).to_have_class("stale")
    page.unroute("**/trainer/progress")
    page.route("**/trainer/progress", lambda route: route.abort())
    expect(banner).to_contain_text("The sandbox is not answering since ", timeout=PATIENCE * 1000)
    page.unroute("**/trainer/progress")
    expect(banner).to_be_hidden(timeout=PATIENCE * 1000)
    expect(table).not_to_have_class("stale")


def test_a_sticky_note_appears_and_the_trainer_takes_it_down(screen: Page, classroom, classroom_learner, capsys):
    url, token, link = classroom
    from helpers import room
    from helpers.sandbox.client import control

    control.set_display_name("Raises a hand")
    account = control.account()["id"]
    screen.goto(link)
    note = row(screen, account).locator("td.note")
    expect(note).to_be_empty()
    room.stuck("the redirect never comes back")
    assert "The trainer sees your note ⚑ I'm stuck: the redirect never comes back" in capsys.readouterr().out
    expect(note.locator("[data-note=stuck]")).to_have_text("⚑", timeout=PATIENCE * 1000)
    expect(screen.locator("#summary")).to_contain_text("⚑ note")
    row(screen, account).click()
    dialog = screen.locator("dialog#detail")
    expect(dialog).to_contain_text("Note: ⚑ I'm stuck: the redirect never comes back")
    dialog.get_by_role("button", name="Take the note down").click()
    expect(note).to_be_empty(timeout=PATIENCE * 1000)
    assert learners(url, token)[account]["note"] is None


def thirty_learners(url: str) -> list[str]:
    """A room of 30: 22 with a customer, 4 stuck on a call, one ⚑, one name twice."""
    keys = []
    for number in range(30):
        name = "Alice Müller" if number in (7, 8) else f"Learner {number:02d} Mustermann-Beispiel"
        key = join(url, name)
        client = make_client(url, key)
        if number < 22:
            client.v1.customers.create(params={"email": f"l{number}@example.com"})
        if number in (3, 11, 17, 25):
            with pytest.raises(stripe.InvalidRequestError):
                client.v1.customers.retrieve(f"cus_typo{number}")
        keys.append(key)
    httpx.post(f"{url}/_sandbox/note", data={"kind": "stuck"}, headers={"Authorization": f"Bearer {keys[29]}"})
    return keys


def test_thirty_learners_fit_one_screen_with_counts_and_the_header_in_view(screen: Page, tmp_path):
    with classroom_sandbox(tmp_path) as (url, printed):
        link = next(line.strip() for line in printed.splitlines() if "/trainer/login#token=" in line)
        keys = thirty_learners(url)
        screen.goto(link)
        rows = screen.locator("#room tbody tr[data-account]")
        expect(rows).to_have_count(30)
        width, height = screen.viewport_size["width"], screen.viewport_size["height"]
        assert screen.evaluate("document.documentElement.scrollWidth") <= width  # no column cut off
        # One reading of the whole table (it is redrawn every 2 seconds).
        shown = screen.evaluate("""Array.from(document.querySelectorAll('#room tbody tr[data-account]')).map(r => {
            const box = r.getBoundingClientRect();
            return {top: box.top, bottom: box.bottom, account: r.dataset.account,
                    state: r.querySelector('td.state').dataset.state}; })""")
        assert [row for row in shown if row["top"] < 0 or row["bottom"] > height] == []  # all on one screen
        assert [row["state"] for row in shown[:4]] == ["stuck"] * 4  # stuck first
        assert shown[4]["account"] == account_id(url, keys[29])  # then the raised hand
        expect(screen.locator('th[data-count="customer"]')).to_have_text("22")
        cut = screen.evaluate("Array.from(document.querySelectorAll('#room tr.counts th'))"
                              ".filter(c => c.scrollWidth > c.clientWidth).map(c => c.dataset.count)")
        assert cut == [], f"counts cut off: {cut}"
        assert screen.locator('th[data-count="customer"]').get_attribute("aria-label") == "22 of 30 Customer"
        expect(screen.locator("#of")).to_have_text("of 30 learners")
        expect(screen.locator("#summary")).to_have_text("30 learners · 4 stuck · 1 ⚑ note")
        twice = screen.locator("#room tbody tr", has_text="Alice Müller")
        expect(twice).to_have_count(2)
        expect(twice.locator(".same")).to_have_count(2)

        screen.evaluate("window.scrollTo(0, 600)")  # the legend below: the room scrolls, its header stays
        assert screen.evaluate("window.scrollY") > 100
        header = screen.locator('#room th[data-col="customer"]').bounding_box()
        counts = screen.locator('#room th[data-count="customer"]').bounding_box()
        assert 0 <= header["y"] <= 40 and counts["y"] < 200, (header, counts)
        assert screen.evaluate("(e => { const r = e.getBoundingClientRect(); "
                               "return document.elementFromPoint(r.x + 2, r.y + 2) === e })"
                               "(document.querySelector('#room th[data-count=customer]'))")  # on top, not covered


def test_a_row_opens_the_whole_error_the_request_log_and_the_dashboard(screen: Page, classroom):
    url, token, link = classroom
    key = join(url, "Drill Down")
    client = make_client(url, key)
    customer = client.v1.customers.create(params={"email": "drill@example.com"})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.setup_intents.create(params={"customer": customer.id, "payment_method_types": ["amazon_pay"]})
    message = refused.value.user_message
    assert len(message) > 150  # longer than the row can show
    account = account_id(url, key)
    screen.goto(link)
    screen.locator(f'#room tbody tr[data-account="{account}"] td.who').click()
    dialog = screen.locator("dialog#detail")
    expect(dialog).to_be_visible()
    expect(dialog.locator("h2")).to_contain_text("Drill Down")
    expect(dialog.locator(".latest")).to_contain_text(message)  # the whole text, no tooltip
    log = dialog.locator("table").last
    expect(log).to_contain_text("POST /v1/setup_intents")
    expect(log).to_contain_text("POST /v1/customers")
    assert dialog.bounding_box()["width"] <= screen.viewport_size["width"]
    with screen.context.expect_page() as opened:
        dialog.get_by_role("button", name="Open their Dashboard (read-only)").click()
    board = opened.value
    expect(board).to_have_url(f"{url}/dashboard/")
    board.get_by_role("navigation").get_by_role("link", name="Customers").click()
    expect(board.locator('table[data-collection="customers"]')).to_contain_text("drill@example.com")
    board.close()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def test_an_empty_room_spans_the_table_and_the_view_counts_in_words(page: Page, classroom):
    url, _, link = classroom
    page.goto(link)
    columns = page.evaluate("fetch('progress').then(r => r.json()).then(j => j.columns)")
    solo = {"id": "acct_one", "display_name": "Solo", "same_name": False, "state": "working", "since": time.time(),
            "latest": None, "place": None, "stuck_seconds": 0, "stuck_times": 0, "kernel": None, "note": None,
            "cells": {c["key"]: "todo" for c in columns}, "last_error": None, "last_activity": time.time()}
    counts = {c["key"]: {"done": 0, "passed": 0, "reported": 0} for c in columns}
    answers = iter([[], [solo]])

    def progress_of(route):
        shown = next(answers, [solo])
        route.fulfill(json={"now": time.time(), "columns": columns, "counts": counts, "learners": shown,
                            "summary": {"learners": len(shown), "stuck": 0, "notes": 0, "silent": 0}})

    page.route("**/trainer/progress", progress_of)
    page.reload()
    empty = page.locator("#room tbody td")
    expect(empty).to_have_text("No learner has made a request yet.")
    assert empty.get_attribute("colspan") == str(page.locator("#room thead tr.heads th").count())
    expect(page.locator("#summary")).to_have_text("0 learners · 0 stuck")
    expect(page.locator("#summary")).to_have_text("1 learner · 0 stuck", timeout=PATIENCE * 1000)
