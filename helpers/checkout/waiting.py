"""The cell that waits for the customer: it says what it waits for and how to go on, lets the
autopilot click when asked, shows a live status line, and never waits on what cannot happen."""

from __future__ import annotations

import concurrent.futures

from IPython.display import display

from helpers.problems import NextStep
from helpers.status import StatusLine

from .outcome import BUTTON, RedirectOutcome
from .server import DECIDED, CheckoutServer


def await_redirect(server: CheckoutServer, *, autopilot: str | None = None, click: str = "authorize",
                   timeout: float = 600.0) -> RedirectOutcome:
    """Wait until the customer is back from the authorization page (or the SetupIntent is decided).

    ``autopilot``: ``"authorize"`` or ``"fail"`` lets headless Chromium click (helpers.autopilot);
    None waits for a person. ``click``: the button the instructions ask a person to click.
    A SetupIntent that is already decided (an earlier run) returns at once, saying so."""
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
        return server.wait_for_redirect(timeout=timeout, on_tick=tick)


def _autopilot(url: str, action: str) -> concurrent.futures.Future:
    from helpers import autopilot

    return autopilot.start(url, action)  # type: ignore[arg-type]
