"""Which "Your turn" exercise this kernel is working on, and which errors its task asks for.

``check.start`` / ``check.predict`` (the first line of an exercise's cell) put an exercise in
focus; ``helpers.client`` tags every request sent meanwhile with it (the learner's attempt at that
exercise, and nothing else is), and ``helpers.explain`` tells an error the task asks for from a
problem to fix. One exercise at a time, per kernel: a restart ends the focus (the attempts already
sent are kept on disk by ``helpers.check``). A leaf: it imports nothing of ours.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Expected:
    """An error an exercise asks the learner to provoke: its HTTP status, and the ``code`` or
    ``param`` that name it (None: any)."""

    status: int
    code: str | None = None
    param: str | None = None
    unless: str | None = None  # words of another error with the same status and param

    def matches(self, status: int | None, code: str | None, param: str | None, message: str = "") -> bool:
        return (status == self.status and (self.code is None or code == self.code)
                and (self.param is None or param == self.param)
                and not (self.unless and self.unless in (message or "")))


@dataclass(frozen=True)
class Focus:
    exercise: str
    expected: tuple[Expected, ...] = ()

    def expects(self, status: int | None, code: str | None, param: str | None, message: str = "") -> bool:
        return any(e.matches(status, code, param, message) for e in self.expected)


_current: Focus | None = None


def start(exercise: str, expected: tuple[Expected, ...] = ()) -> Focus:
    """Work on ``exercise`` from now on (in this kernel)."""
    global _current
    _current = Focus(exercise, tuple(expected))
    return _current


def current() -> Focus | None:
    return _current


def clear() -> None:
    global _current
    _current = None
