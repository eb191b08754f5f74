"""Problems a learner can fix, shown in a notebook as one clear line instead of a traceback.

Our own exceptions derive from :class:`Problem`: IPython shows only their message (through
``_render_traceback_``), and the cell still fails, so nbval and nbclient see the error.
``helpers/explain.py`` does the same for the errors the Stripe SDK raises in a notebook cell,
and for a name used before the cell that makes it ran (``NameError``). A leaf: it imports
nothing of the tutorial but ``helpers.urls``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager

from helpers.urls import classroom_url

RED, RESET = "\x1b[1;31m", "\x1b[0m"
# JupyterLab shows an error's text with `word-break: break-all`: a line longer than the output
# area is cut anywhere, mid-word. Lines of at most this many characters fit its output area at a
# 1280 px window (13 px monospace), so the message is wrapped here, between words.
WIDTH = 96


def one_line(message: str) -> list[str]:
    """The traceback IPython shows instead of the stack: the message alone, in red, as one entry
    (wrapped between words, so that no word is cut in two)."""
    lines = textwrap.wrap(f"⚠ {message}", WIDTH, subsequent_indent="  ", break_long_words=False,
                          break_on_hyphens=False) or ["⚠"]
    return [RED + "\n".join(lines) + RESET]


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


def sandbox_unreachable(reason: str | None = None, then: str = "run this cell again") -> str:
    """One sentence for a sandbox that does not answer (or not as the sandbox does: ``reason``),
    with what to do: a classroom sandbox (``TUTORIAL_SANDBOX_URL``) is the trainer's to fix; the
    learner's own is started again by the notebook's first cell."""
    classroom = classroom_url()
    if classroom:
        return (f"The classroom sandbox at {classroom} does not answer: tell your trainer "
                f"({reason or 'no connection: it may have stopped, or TUTORIAL_SANDBOX_URL is wrong'}), "
                f"then {then}.")
    return (f"The sandbox does not answer: {reason or 'it is not running'}. Run the first cell of this "
            "notebook again (it starts the sandbox), then this cell; or start it yourself with `make sandbox`.")
