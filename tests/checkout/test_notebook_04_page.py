"""Notebook 04's own page, script and return page (issue 17, items 10 and 12), run as the notebook
defines them: the authorization text before the button, an error shown by type with the button
back for another try, and a return page for each status the retrieved SetupIntent can have."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from playwright.sync_api import Page, expect

from helpers import autopilot
from helpers.checkout import CheckoutServer
from support.stripe_objects import PUBLISHABLE, setup_intent

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "04_redirect_with_stripe_js.ipynb"


@pytest.fixture
def checkout(sandbox):
    server = CheckoutServer(PUBLISHABLE, f"{sandbox.url}/js/stripe.js", sandbox.url, "sandbox").start()
    yield server
    server.stop()


def notebook_code(start: str, **names) -> dict:
    """Run the code cell of notebook 04 that starts with ``start``, with ``names`` around it."""
    cells = [c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells if c.cell_type == "code"]
    source = next(s for s in cells if s.startswith(start))
    namespace = dict(names)
    exec(compile(source, "<notebook 04>", "exec"), namespace)  # noqa: S102 - the notebook's own code
    return namespace


class Served:
    """Stands in for the checkout server where a cell only hands it its code."""

    def __init__(self) -> None:
        self.code: dict[str, object] = {}

    def serve(self, path: str, what: object) -> None:
        self.code[path] = what

    def link(self, *_: object) -> None:
        pass


def intent_with(status: str) -> SimpleNamespace:
    retrieve = lambda _id: SimpleNamespace(status=status)  # noqa: E731 - what Stripe answered
    return SimpleNamespace(v1=SimpleNamespace(setup_intents=SimpleNamespace(retrieve=retrieve)))


@pytest.mark.parametrize(("status", "heading", "words"), [
    ("succeeded", "Thank you", "Amazon Pay is set up"),
    ("processing", "Almost done", "being set up"),
    ("requires_payment_method", "Not set up", "Try again"),
    ("requires_action", "One moment", "requires_action"),
])
def test_the_return_page_answers_each_status_of_the_retrieved_setup_intent(status, heading, words):
    served = Served()
    notebook_code("def complete(", server=served, client=intent_with(status))
    page = served.code["/complete"]("seti_1", "succeeded")  # redirect_status is not what it trusts
    assert f"<h1>{heading}</h1>" in page and words in page


@pytest.mark.browser
@pytest.mark.skipif(not autopilot.browser_available(), reason="no Chromium found (set CHROMIUM_PATH)")
def test_the_page_shows_the_authorization_and_an_error_with_the_button_back(checkout, client, page: Page):
    served = Served()
    page_html = notebook_code("checkout_html = ", server=served)["checkout_html"]
    script = notebook_code("client_js = ", server=served)["client_js"]
    intent = setup_intent(client, checkout.url + "complete")
    client.v1.setup_intents.cancel(intent.id)  # confirming it now fails: an error, no redirect
    checkout.register_setup_intent(client.v1.setup_intents.retrieve(intent.id))
    checkout.serve("/", page_html)
    checkout.serve("/client.js", script)
    checkout.serve("/secret", lambda: {"client_secret": intent.client_secret})

    page.goto(checkout.url)
    notice = page.locator("#mandate")
    expect(notice).to_contain_text("you authorize Stock Photo Service to debit your Amazon Pay account")
    assert notice.bounding_box()["y"] < page.locator("#setup").bounding_box()["y"]
    page.locator("#setup").click()
    expect(page.locator("#error")).not_to_be_empty()
    assert "canceled" in page.locator("#error").inner_text()  # the invalid_request_error's message
    expect(page.locator("#setup")).to_be_enabled()  # back, for another try
    assert page.url.rstrip("/") == checkout.url.rstrip("/")  # no redirect happened
