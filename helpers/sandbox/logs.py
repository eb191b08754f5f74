"""The sandbox process's log: one line per event, never a traceback, never a request's URL,
and a file that does not grow without bound.

``serve --log FILE`` (what ``process.start`` runs) writes to FILE and moves it to ``FILE.1`` once
it passes ``LOG_MAX_BYTES`` while running (one previous file kept); whatever the process prints
goes the same way. Without ``--log``, the lines go to stderr. httpx's INFO lines (one per webhook
delivery, with the endpoint's URL) are left out.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import sys
from pathlib import Path

from .shared.contract import LOG_MAX_BYTES

QUIET = ("httpx", "httpcore")  # a line per webhook delivery at INFO, the endpoint's URL in it


class OneLine(logging.Formatter):
    """A record as one line: an exception is its type and message, where it was raised, no traceback."""

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord(record.__dict__)
        error = record.exc_info[1] if record.exc_info else None
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        line = super().format(record)
        if error is not None:
            tb = error.__traceback__
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            where = f" ({tb.tb_frame.f_code.co_filename}:{tb.tb_lineno})" if tb else ""
            line += f" [{type(error).__name__}: {str(error)[:300]}{where}]"
        return " ".join(line.split("\n"))


class _Lines(io.TextIOBase):
    """A text stream whose lines become log records (what the process prints)."""

    def __init__(self, logger: logging.Logger, level: int) -> None:
        self.logger, self.level, self.pending = logger, level, ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            if line.strip():
                self.logger.log(self.level, line)
        return len(text)


def configure(log: Path | None) -> logging.Handler:
    """The process's logging: to ``log`` (rotated at LOG_MAX_BYTES, with what it prints), else stderr."""
    if log is None:
        handler: logging.Handler = logging.StreamHandler(sys.stderr)
    else:
        handler = logging.handlers.RotatingFileHandler(log, maxBytes=LOG_MAX_BYTES, backupCount=1, encoding="utf-8")
    handler.setFormatter(OneLine("%(asctime)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    if log is not None:
        printed = logging.getLogger("helpers.sandbox.output")
        sys.stdout = _Lines(printed, logging.INFO)
        sys.stderr = _Lines(printed, logging.ERROR)
    return handler
