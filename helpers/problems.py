"""Problems a learner can fix, shown in a notebook as one clear line instead of a traceback.

Our own exceptions derive from :class:`Problem`: IPython shows only their message (through
``_render_traceback_``), and the cell still fails, so nbval and nbclient see the error.
:func:`install` does the same for the errors the Stripe SDK raises in a notebook cell, and for
a name used before the cell that makes it ran (``NameError``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import stripe

RED, RESET = "\x1b[1;31m", "\x1b[0m"


def one_line(message: str) -> list[str]:
    """The traceback IPython shows instead of the stack: the message alone, in red."""
    return [f"{RED}⚠ {message}{RESET}"]


class Problem(Exception):
    """An error whose message says what to do next; a notebook shows only that message."""

    def _render_traceback_(self) -> list[str]:
        return one_line(str(self))


class NextStep(Problem, RuntimeError):
    """A step cannot go on yet (not authorized, declined, not running); the message says why and what to do."""


class StoppedWaiting(Problem):
    """The learner interrupted a cell that waits (■, as the cell suggests): not a fault, but the
    cell did not finish, so it still fails; the message says how to wait again."""


@contextmanager
def stoppable(what: str) -> Iterator[None]:
    """Inside it, interrupting the kernel (■) stops the wait ``what`` ("for …") with one line
    instead of a KeyboardInterrupt traceback through our helpers."""
    try:
        yield
    except KeyboardInterrupt:
        raise StoppedWaiting(f"Stopped waiting {what}. Run this cell again to wait again.") from None


def sandbox_unreachable(reason: str | None = None) -> str:
    """One sentence for a sandbox that does not answer (or not as the sandbox does: ``reason``),
    with what to do: a classroom sandbox (``TUTORIAL_SANDBOX_URL``) is the trainer's to fix; the
    learner's own is started again by the notebook's first cell."""
    from helpers import settings

    classroom = settings.classroom_url()
    if classroom:
        return (f"The classroom sandbox at {classroom} does not answer: tell your trainer "
                f"({reason or 'no connection: it may have stopped, or TUTORIAL_SANDBOX_URL is wrong'}), "
                "then run this cell again.")
    return (f"The sandbox does not answer: {reason or 'it is not running'}. Run the first cell of this "
            "notebook again (it starts the sandbox), then this cell; or start it yourself with `make sandbox`.")


def explain(error: stripe.StripeError) -> str:
    """One sentence for an error the Stripe SDK raised, with what to do next."""
    from helpers import settings

    if isinstance(error, stripe.APIConnectionError):
        try:
            sandbox = settings.resolve_mode() == "sandbox"
        except settings.SettingsProblem:
            sandbox = False
        if sandbox:
            return sandbox_unreachable()
        return ("Stripe cannot be reached (no connection to api.stripe.com). Check your internet "
                "connection and run this cell again, or work offline: unset STRIPE_SECRET_KEY to use the sandbox.")
    if isinstance(error, stripe.AuthenticationError):
        return (f"The API key was refused: {error.user_message or error}. Check STRIPE_SECRET_KEY "
                "(environment or .env), then run the first cell of this notebook again.")
    status = f"HTTP {error.http_status}" if error.http_status else "an error"
    details = ", ".join(f"{name} {value}" for name, value in
                        (("code", error.code), ("param", getattr(error, "param", None))) if value)
    message = error.user_message or str(error)
    where = f" ({details})" if details else ""
    if error.http_status and error.http_status >= 500:
        return f"Stripe answered {status}{where}: {message} Run this cell again in a moment."
    if error.http_status == 404 and error.code == "resource_missing":  # a stored ID whose object is gone
        return (f"Stripe answered {status}{where}: {message} The object no longer exists (deleted by the "
                "clean-up, or a sandbox reset; or the ID is mistyped): run the cell (or notebook) that creates "
                "it again, or run this notebook from the top.")
    return (f"Stripe refused the request, {status}{where}: {message} "
            "Change what it names (in the form or the cell above), then run this cell again.")


def undefined(error: NameError) -> str:
    """One sentence for a name a cell uses before the cell that makes it ran (or when it stopped)."""
    name = getattr(error, "name", None) or (re.findall(r"'([^']+)'", str(error)) or ["a name"])[0]
    return (f"`{name}` is not defined yet: the cell above that makes it has not run, or stopped with an "
            "error. Run the cells above (Run ▸ Run All Above Selected Cell), then this one; if it is a "
            "typo in your own code, fix the name.")


def _show_in_one_line(shell: Any, etype, value, tb, tb_offset=None) -> list[str]:
    lines = one_line(undefined(value) if isinstance(value, NameError) else explain(value))
    value._render_traceback_ = lambda: lines  # shown by IPython's own showtraceback
    shell.showtraceback((etype, value, tb))
    return lines


SHOWN_IN_ONE_LINE = (stripe.StripeError, NameError)


def install() -> None:
    """In an IPython kernel, show Stripe SDK errors and undefined names as one sentence; the cell
    still fails. Idempotent; a no-op elsewhere. Runs on import (every notebook's first cell
    imports helpers.settings, which imports this module), so that even a first cell that stops
    leaves the next cells' errors readable."""
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python
        return
    shell = get_ipython()
    if shell is not None and tuple(getattr(shell, "custom_exceptions", ())) != SHOWN_IN_ONE_LINE:
        shell.set_custom_exc(SHOWN_IN_ONE_LINE, _show_in_one_line)


install()


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext helpers.problems``; the tutorial's environment loads it in every kernel
    (``jupyter-config/ipython_kernel_config.py``), so a cell run before the first one still gets one line."""
    install()
