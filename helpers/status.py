"""A live status line for a cell that waits (a redirect, a test clock, webhooks), instead of a bare [*].

It is an output the cell updates in place (``display(..., display_id=True)``), and empties
when the wait ends, so a saved notebook keeps no timing: what the cell found is printed after it.
Outside IPython it does nothing.
"""

from __future__ import annotations

import html
import time
from types import TracebackType


class StatusLine:
    """``with StatusLine() as line: line.update("Waiting for …")``; empty again on exit."""

    def __init__(self) -> None:
        self._handle = None
        self.started = time.monotonic()

    def __enter__(self) -> StatusLine:
        try:
            from IPython import get_ipython
            from IPython.display import HTML, display
        except ImportError:
            return self
        if get_ipython() is not None:
            self._handle = display(HTML(""), display_id=True)
            self._html = HTML
        return self

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def update(self, text: str) -> None:
        """Show ``text`` (plain text) with the seconds waited so far."""
        if self._handle is not None:
            shown = f"⏳ {html.escape(text)} <span style='color:#666'>({self.elapsed:.0f} s)</span>"
            self._handle.update(self._html(f"<div>{shown}</div>"))

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._handle is not None:
            self._handle.update(self._html(""))
