"""Issue 12, the learner's read-only Dashboard of their own account, in headless Chromium (signed
in with a link from their helpers), on a classroom sandbox. The trainer's view of the room:
``test_trainer_view.py``."""

from __future__ import annotations

import time

import httpx
import pytest
import stripe
from playwright.sync_api import Page, expect

from helpers import dashboard
from helpers.sandbox.pages import signin
from support.classroom import join, new_key
from support.stripe_objects import authorized_customer, make_client, monthly_price, subscribe

# One worker runs this module's tests (make test runs them in parallel, --dist loadgroup): its
# module-scoped server starts once, not once per worker.
pytestmark = pytest.mark.xdist_group("classroom-sandbox")

HOSTILE = '<img src=x onerror="window.pwned=1">'  # 35 characters: fits a display name too
SCRIPT = "<script>window.pwned=1</script>"


def guide_until_subscription(client) -> stripe.Subscription:
    """Steps 1-5 of the guide: price, customer, SetupIntent, authorized, active subscription."""
    price = monthly_price(client)
    customer, si = authorized_customer(client)
    return subscribe(client, customer.id, price.id, si.payment_method)


# --------------------------------------------------------------------------- the learner's Dashboard in Chromium


def relative_links(page: Page) -> list[str]:
    """Every href and src of the page as written; none may name a host or start at the root."""
    found = page.eval_on_selector_all("[href], [src]", "nodes => nodes.map(n => n.getAttribute('href') || n.getAttribute('src'))")
    assert found
    assert not [x for x in found if x.startswith(("/", "http:", "https:", "javascript:"))], found
    return found


def test_the_dashboard_shows_the_learners_own_objects_linked_and_escaped(page: Page, classroom_learner):
    url, key = classroom_learner
    mine = make_client(url, key)
    product = mine.v1.products.create(params={"name": SCRIPT, "metadata": {"note": HOSTILE}})
    price = mine.v1.prices.create(params={"product": product.id, "unit_amount": 1500, "currency": "usd",
                                          "recurring": {"interval": "month"}})
    customer, si = authorized_customer(mine, name=HOSTILE)
    sub = subscribe(mine, customer.id, price.id, si.payment_method)
    invoice = mine.v1.invoices.retrieve(sub.latest_invoice)
    theirs = make_client(url, join(url, "Another learner"))
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
    # issue 16.16: the guide's sentence is about the Dashboard showing the status (Aktiv, Active)
    expect(page.locator("main p.status")).to_have_text("Status: Active (status: active)")
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
    page.locator('table[data-collection="prices"]').get_by_role("link", name="15.00 USD / month").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("15.00 USD / month")  # issue 16.16: not "recurring"
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


def test_the_dashboard_needs_a_link_and_an_old_link_needs_a_session(page: Page, classroom_learner):
    url, key = classroom_learner
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


def test_dashboard_links_go_through_jupyter_server_proxy(classroom_learner, monkeypatch):
    url, _ = classroom_learner
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


def test_a_subscriptions_page_lists_its_invoices(page: Page, classroom_learner):
    """An invoice names its subscription under ``parent.subscription_details`` (no top-level field)."""
    url, key = classroom_learner
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


def api_version_error(client) -> None:
    """Notebook 03's lesson: ``payment_method_types`` refused, the longest message a learner sees."""
    customer = client.v1.customers.create(params={"email": "wide@example.com"})
    with pytest.raises(stripe.InvalidRequestError, match="payment_method_types"):
        client.v1.setup_intents.create(params={"customer": customer.id, "payment_method_types": ["amazon_pay"]})


def fits(page: Page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide in a {widths[1]} px window"


def test_the_request_log_fits_a_1280_px_window(page: Page, classroom_learner):
    url, mine = classroom_learner
    page.set_viewport_size({"width": 1280, "height": 800})
    api_version_error(make_client(url, mine))
    page.goto(dashboard.link("logs").url)
    expect(page.locator('table[data-collection="logs"]')).to_contain_text("payment_method_types_no_longer_supported")
    fits(page)


def test_a_missing_page_highlights_nothing_and_the_favicon_is_answered(page: Page, classroom_learner):
    url, _ = classroom_learner
    page.goto(dashboard.open().url)
    expect(page.get_by_role("navigation").locator('[aria-current="page"]')).to_have_text("Home")
    page.goto(f"{url}/dashboard/cus_nothere1")
    expect(page.get_by_role("heading", level=1)).to_have_text("No such object in your account")
    expect(page.get_by_role("navigation").locator('[aria-current="page"]')).to_have_count(0)
    assert page.locator('link[rel="icon"]').get_attribute("href") == "../_sandbox/static/sandbox-icon.svg"
    assert httpx.get(f"{url}/favicon.ico").status_code in (200, 204)


def test_a_sign_in_link_says_it_signs_in_as_you_and_a_bad_one_says_what_to_do(page: Page, classroom_learner):
    url, _ = classroom_learner
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
