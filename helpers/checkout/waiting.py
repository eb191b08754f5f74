"""The cells that wait for the customer (back from the authorization page, or done paying an
invoice on its hosted page): each says what it waits for and how to go on, lets the autopilot click
when asked, shows a live status line, and never waits on what cannot happen."""

from __future__ import annotations

import concurrent.futures
import time

from IPython.display import display

from helpers.problems import NextStep, stoppable
from helpers.status import StatusLine

from .outcome import BUTTON, RedirectOutcome
from .server import DECIDED, RETURN_GRACE, WAITING_FOR_REDIRECT, CheckoutServer, Link


@stoppable(WAITING_FOR_REDIRECT)  # interrupting the kernel (■) stops it with one line
def await_redirect(server: CheckoutServer, *, autopilot: str | None = None, click: str = "authorize",
                   timeout: float = 600.0) -> RedirectOutcome:
    """Wait until the customer is back from the authorization page (or the SetupIntent is decided).

    ``autopilot``: ``"authorize"`` or ``"fail"`` lets headless Chromium click (helpers.autopilot);
    None waits for a person. ``click``: the button the instructions ask a person to click.
    A SetupIntent that is already decided (an earlier run) returns at once, saying so. With
    ``click="fail"`` (a lesson about a decline) an authorized SetupIntent stops the cell with
    NextStep: there is no decline to show, and what follows the cell would describe one."""
    return _as_asked(_awaited(server, autopilot, click, timeout), click)


def _as_asked(outcome: RedirectOutcome, click: str) -> RedirectOutcome:
    if click == "fail" and outcome.succeeded:
        raise NextStep(
            f"SetupIntent {outcome.setup_intent} succeeded: the customer clicked '{BUTTON['authorize']}', so "
            f"there is no decline to look at. This lesson needs '{BUTTON['fail']}': run this cell again (it "
            "makes a new SetupIntent) and click that. (The PaymentMethod just authorized stays attached to "
            "the customer; nothing below uses it.)")
    return outcome


def _awaited(server: CheckoutServer, autopilot: str | None, click: str, timeout: float) -> RedirectOutcome:
    came_back = server.take_outcome()  # the customer may have clicked before this cell ran
    if came_back is not None:
        return came_back
    seen = server.retrieve_registered()
    if "error" in seen:
        raise NextStep(
            f"Stripe did not answer about the SetupIntent ({seen['error'].get('message')}). In sandbox "
            "mode the sandbox may have stopped: run the first cell of this notebook again (it starts "
            "the sandbox), then the cells down to this one.")
    if seen.get("status") in DECIDED:
        print(f"Already done: SetupIntent {seen['id']} is {seen['status']} (decided before this cell "
              "ran); nothing to wait for.")
        return RedirectOutcome.from_retrieved(seen["id"], None, seen)
    button = BUTTON[click]
    print(f"Waiting for the customer to come back to your return_url ({server.public_url}complete).")
    if autopilot:
        print(f"The autopilot (headless Chromium) opens the checkout page and clicks '{BUTTON[autopilot]}'.")
        clicking = _autopilot(server.url, autopilot)
    else:
        print(f"Open the checkout page, click 'Set up Amazon Pay', then '{button}':")
        display(server.link("Open the checkout page"))
        print("This cell ends by itself once the browser is back. To stop waiting, interrupt the kernel "
              "(■); run this cell again to wait again.")
        clicking = None

    def tick(elapsed: float, now: dict) -> None:
        if clicking is not None and clicking.done() and clicking.exception() is not None:
            raise clicking.exception()
        line.update(f"Waiting for the customer at {server.public_url} … the SetupIntent is "
                    f"{now.get('status', 'not reachable')}")

    with StatusLine() as line:
        line.update("Waiting for the customer …")
        return server.wait_for_redirect(timeout=timeout, on_tick=tick, click=click)


def _autopilot(url: str, action: str) -> concurrent.futures.Future:
    from helpers import autopilot

    return autopilot.start(url, action)  # type: ignore[arg-type]


class InvoiceNotPaid(NextStep, TimeoutError):
    """Nobody paid the invoice on its page in time; the message says what to do."""


@stoppable("for the invoice to be paid on its page")  # interrupting the kernel (■): one line
def await_invoice_paid(invoice_id: str, *, autopilot: str | None = None, timeout: float = 600.0,
                       poll: float = 1.0) -> str:
    """Wait until the customer has paid an open invoice on its hosted page (``hosted_invoice_url``):
    *Pay with Amazon Pay*, then *Authorize test payment*. Returns the invoice's status.

    ``autopilot``: ``"authorize"`` lets headless Chromium click. An invoice already paid returns at
    once, saying so; one that cannot be paid (draft, void) stops with what to do. The invoice is
    looked up with a client that leaves the request log alone (the wait polls)."""
    from helpers.client import get_client

    invoices = get_client(logged=False).v1.invoices
    invoice = invoices.retrieve(invoice_id)
    if invoice.status == "paid":
        print(f"Already done: invoice {invoice.number} is paid; nothing to wait for.")
        return invoice.status
    if invoice.status != "open" or not invoice.hosted_invoice_url:
        raise NextStep(f"Invoice {invoice.id} is {invoice.status}: only an open, finalized invoice can be "
                       "paid on its page. Run the cells above that make the renewal fail, then this one.")
    print(f"Waiting for the customer to pay invoice {invoice.number} on its page (hosted_invoice_url).")
    if autopilot:
        print("The autopilot (headless Chromium) opens the invoice's page, clicks 'Pay with Amazon Pay', "
              "then 'Authorize test payment'.")
        clicking = _autopilot(invoice.hosted_invoice_url, autopilot)
    else:
        print("Open the invoice's page, click 'Pay with Amazon Pay', then 'Authorize test payment':")
        display(Link(invoice.hosted_invoice_url, "The invoice's page"))
        print("This cell ends by itself once the invoice is paid. To stop waiting, interrupt the kernel (■).")
        clicking = None
    started, back = time.monotonic(), None
    with StatusLine() as line:
        while (status := invoices.retrieve(invoice_id).status) != "paid":
            if clicking is not None and clicking.done():
                if clicking.exception() is not None:
                    raise clicking.exception()
                back = back or time.monotonic()
                if time.monotonic() - back > RETURN_GRACE:
                    raise InvoiceNotPaid(
                        f"The browser came back from the invoice's page, but invoice {invoice.number} is "
                        f"{status}: the payment was not authorized. Run this cell again.")
            if time.monotonic() - started > timeout:
                raise InvoiceNotPaid(
                    f"Invoice {invoice.number} was not paid within {timeout:.0f} s. Open its page "
                    "(hosted_invoice_url), click 'Pay with Amazon Pay', then 'Authorize test payment'; "
                    "then run this cell again.")
            line.update(f"Waiting for the customer to pay invoice {invoice.number} … it is {status}")
            time.sleep(poll)
    return status
