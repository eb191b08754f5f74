"""SDK errors and undefined names in a notebook cell, shown as one sentence that says what to do
next (the cell still fails, so nbval and nbclient see the error). :func:`install` sets it up in
an IPython kernel; the tutorial's environment loads it in every kernel
(``jupyter-config/ipython_kernel_config.py``), and ``helpers.client`` installs it too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import stripe

from helpers import focus, settings
from helpers.problems import Problem, one_line, sandbox_unreachable

# Who knows why an object is gone: called with its ID, each returns a sentence or None
# (helpers.progress adds one: it knows what a re-run or the clean-up retired).
_CAUSES: list[Callable[[str], str | None]] = []
_MISSING_ID = re.compile(r"'([a-z]+(?:_[a-z]+)?_[A-Za-z0-9]+)'")


def add_cause(cause: Callable[[str], str | None]) -> None:
    if cause not in _CAUSES:
        _CAUSES.append(cause)


def _why_gone(message: str) -> str | None:
    """The cause of a 404 on an ID (named in Stripe's message, ``No such customer: 'cus_…'``), if
    anyone knows it."""
    for object_id in _MISSING_ID.findall(message or ""):
        for cause in _CAUSES:
            try:
                found = cause(object_id)
            except Exception:  # noqa: BLE001 - a cause is a courtesy; the sentence stands without it
                found = None
            if found:
                return found
    return None


def _expected(error: stripe.StripeError, details: str) -> str | None:
    """The sentence for an error the exercise in focus asks for: the answer, not a problem."""
    now = focus.current()
    param = getattr(error, "param", None)
    if now is None or not now.expects(error.http_status, error.code, param, error.user_message or str(error)):
        return None
    return (f"stripe.{type(error).__name__} (HTTP {error.http_status}{', ' + details if details else ''}): "
            f"{error.user_message or error} This is the kind of error exercise {now.exercise} asks you to "
            f'provoke, not a problem to fix: run its check next, `check.exercise("{now.exercise}")`, to see '
            "whether it is the one the task means.")


def explain(error: stripe.StripeError) -> str:
    """One sentence for an error the Stripe SDK raised, with what to do next."""
    if isinstance(error, Problem):  # ours already says it (e.g. the classroom's sandbox is gone)
        return str(error)
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
    expected = _expected(error, details)
    if expected:
        return expected
    if error.http_status and error.http_status >= 500:
        return f"Stripe answered {status}{where}: {message} Run this cell again in a moment."
    if error.http_status == 404 and error.code == "resource_missing":  # a stored ID whose object is gone
        known = _why_gone(message)
        if known:
            return f"Stripe answered {status}{where}: {message} {known}"
        return (f"Stripe answered {status}{where}: {message} This account has no such object: the ID is "
                "mistyped, from another account or mode, or the object was deleted (a clean-up, a sandbox "
                "reset). Run the cell (or notebook) that creates it again, or run this notebook from the top.")
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
    imports helpers.client, which imports this module), so that even a first cell that stops
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
    """``%load_ext helpers.explain``; the tutorial's environment loads it in every kernel
    (``jupyter-config/ipython_kernel_config.py``), so a cell run before the first one still gets one line."""
    install()
