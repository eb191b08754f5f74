"""Your kernel tells the room how you are doing, so that the trainer sees who is stuck before
anyone has to raise a hand. Classroom mode only: when your notebooks use the trainer's sandbox
(``TUTORIAL_SANDBOX_URL`` points at a ``serve --classroom`` sandbox). Nothing to set up.

What is sent, after each cell you run and every 10 seconds as a heartbeat (so that a kernel that
died shows as such): the notebook's file name, the cell's number and the heading of its
section, the exercise you are in, and whether the cell ran, stopped with an error (its class
and the first line of its message, secrets masked), stopped on a form's value, or was a check
(✔ or ✘ and its hint). Never your code, your variables, or a key.

Turn it off before JupyterLab starts: ``TUTORIAL_ROOM_REPORTS=off`` (environment or ``.env``).
The trainer then sees only what the sandbox answers you.

Sticky notes, as in a room with paper ones: ``room.stuck("the redirect never comes back")``,
``room.done()``, ``room.clear_note()``; the first cell of every notebook shows the same as two
buttons (``sticky_notes()``).

IPython's own hooks do the work (``pre_run_cell``/``post_run_cell`` events); the tutorial's
environment loads this module in every kernel (``jupyter-config/ipython_kernel_config.py``), and
every notebook's first cell installs it too.
"""

from __future__ import annotations

import atexit
import collections
import html
import json
import os
import re
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from helpers import settings
from helpers.problems import sandbox_unreachable
from helpers.sandbox.client import control, keys, process
from helpers.sandbox.shared import contract, text
from helpers.urls import classroom_url

OPT_OUT = "TUTORIAL_ROOM_REPORTS"
HEARTBEAT_SECONDS = 10  # the sandbox calls a kernel silent after 35 s without one
QUEUE_LIMIT = 200  # events kept while the sandbox does not answer
# What the classroom sandbox takes in one report; more waits for the next report. The bytes leave
# room for the report's own fields and each event's age.
REPORT_EVENTS = contract.ROOM_REPORT_EVENTS
REPORT_BYTES = contract.ROOM_REPORT_BYTES - 4_000
LINE = contract.ROOM_LINE
# A section's exercise: the id its cells name to the checkers (check.exercise, or the start and
# prediction calls an exercise may begin with).
_CHECK = re.compile(r"""check\.(?:exercise|start|predict)\(\s*["']([0-9]{2}-[a-z0-9-]+)["']""")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$", re.MULTILINE)


def enabled() -> bool:
    """Report to the room? In sandbox mode with a classroom's ``TUTORIAL_SANDBOX_URL``, unless
    ``TUTORIAL_ROOM_REPORTS`` says off."""
    if settings.environment().get(OPT_OUT, "").strip().lower() in ("off", "0", "no", "false"):
        return False
    if not classroom_url():
        return False
    try:
        return settings.resolve_mode() == "sandbox"
    except settings.SettingsProblem:
        return False


# ------------------------------------------------------------------ where a cell is


class Notebook:
    """The notebook this kernel runs (``JPY_SESSION_NAME``, which Jupyter Server sets): a
    cell's number, its section's heading and the exercise that section checks, read from the
    saved file (again when it changes)."""

    def __init__(self, path: str | None) -> None:
        self.path = Path(path) if path else None
        self._read: tuple[float, list[dict]] | None = None

    @property
    def name(self) -> str | None:
        return self.path.name if self.path else None

    def _cells(self) -> list[dict]:
        if self.path is None:
            return []
        try:
            changed = self.path.stat().st_mtime
            if self._read is None or self._read[0] != changed:
                self._read = (changed, json.loads(self.path.read_text(encoding="utf-8")).get("cells", []))
        except (OSError, ValueError):
            return []
        return self._read[1]

    def locate(self, cell_id: str | None) -> dict[str, Any]:
        """``{"cell", "section", "exercise"}`` for a cell (empty when it is not in the saved file)."""
        cells = self._cells()
        index = next((i for i, c in enumerate(cells) if cell_id and c.get("id") == cell_id), None)
        if index is None:
            return {}
        start = next((i for i in range(index, -1, -1) if _heading(cells[i])), None)
        end = next((i for i in range(index + 1, len(cells)) if _heading(cells[i])), len(cells))
        section = _heading(cells[start]) if start is not None else None
        code = "".join(_source(c) for c in cells[(start or 0):end] if c.get("cell_type") == "code")
        found = _CHECK.search(code)
        return {"cell": index + 1, "section": section, "exercise": found.group(1) if found else None}


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _heading(cell: dict) -> str | None:
    """The last heading of a markdown cell, as plain text."""
    if cell.get("cell_type") != "markdown":
        return None
    found = _HEADING.findall(_source(cell))
    return text.one_line(re.sub(r"[*`]", "", found[-1][1]), 120) if found else None


# ------------------------------------------------------------------ what a cell did


def _line(error: BaseException) -> str:
    message = getattr(error, "user_message", None) or str(error)
    return settings.mask_secrets(text.one_line(message.splitlines()[0] if message.strip() else "", LINE))


def _checked(value: Any) -> Any:
    """A check's answer (``helpers.check``'s Result) when a cell's value is one."""
    kind = type(value)
    if kind.__name__ == "Result" and kind.__module__.startswith("helpers.check"):
        return value
    return None


def outcome(result: Any, notebook: Notebook) -> dict[str, Any] | None:
    """The event for one cell run (IPython's ``ExecutionResult``); None for a silent run."""
    info = getattr(result, "info", None)
    if info is None or getattr(info, "silent", False) or not getattr(info, "store_history", True):
        return None
    event: dict[str, Any] = {"kind": "cell", "ok": True, **notebook.locate(getattr(info, "cell_id", None))}
    checked = _checked(getattr(result, "result", None))
    error = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
    if checked is not None:
        message = settings.mask_secrets(text.one_line(str(checked.message), LINE))
        return {**event, "kind": "check", "ok": bool(checked.passed), "exercise": checked.exercise, "line": message}
    if error is not None:
        event["ok"] = False
        event["error"] = {"class": type(error).__name__, "line": _line(error),
                          "request_id": getattr(error, "request_id", None) or None}
    return event


# ------------------------------------------------------------------ sending


class Reporter:
    """Sends this kernel's events to the room: at once after a cell (in a thread of its own,
    so a cell never waits), and a heartbeat every ``HEARTBEAT_SECONDS``. Events wait while the
    sandbox does not answer (up to ``QUEUE_LIMIT``); a report it refuses is dropped; nothing
    that goes wrong reaches a cell."""

    def __init__(self, base: str, notebook: Notebook) -> None:
        self.base, self.notebook = base, notebook
        self.kernel = "k" + uuid.uuid4().hex[:16]
        self._events: collections.deque[tuple[float, dict]] = collections.deque(maxlen=QUEUE_LIMIT)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = False
        self.classroom: bool | None = None  # learned from the sandbox's health document
        self.sent = 0
        self._thread = threading.Thread(target=self._run, name="room-reporter", daemon=True)

    def start(self) -> Reporter:
        self._thread.start()
        return self

    def add(self, event: dict) -> None:
        with self._lock:
            self._events.append((time.time(), event))
        self._wake.set()

    def _run(self) -> None:
        while not self._stopped:
            self._wake.wait(HEARTBEAT_SECONDS)
            self._wake.clear()
            self.send()

    def send(self, timeout: float = 2) -> bool:
        """Send what waits (or a heartbeat), a report at a time; whether the sandbox took it all."""
        if self.classroom is None:
            doc = process.health(self.base)
            if doc is None:
                return False
            self.classroom = bool(doc.get("classroom"))
        if not self.classroom:  # a sandbox of one's own, or a test's: no room to tell
            self._stopped = True
            return False
        took = True
        # One "now" for every report of this send: the sandbox dates an event as its arrival less
        # its age, so ages from one clock keep the events in order however long each post takes.
        now = time.time()
        while True:
            with self._lock:
                batch = self._batch()
            status = self._post(batch, now, timeout)
            if status is None or status == 429 or status >= 500:  # away or busy: the next beat tries again
                with self._lock:
                    self._events.extendleft(reversed(batch))
                return False
            if status == 200:
                self.sent += 1
            else:  # refused (4xx): it would be refused again, so it is dropped and the rest still goes
                took = False
            with self._lock:
                if not self._events:
                    return took

    def _batch(self) -> list[tuple[float, dict]]:
        """The oldest events that fit in one report (at least one, if any wait); taken off the queue."""
        batch: list[tuple[float, dict]] = []
        size = 0
        while self._events and len(batch) < REPORT_EVENTS:
            size += len(json.dumps(self._events[0][1])) + 20  # ASCII-escaped, and room for its age
            if batch and size > REPORT_BYTES:
                break
            batch.append(self._events.popleft())
        return batch

    def _post(self, batch: list[tuple[float, dict]], now: float, timeout: float) -> int | None:
        """The sandbox's status for one report (its events' ages counted to ``now``); None when the
        sandbox did not answer it."""
        report = {"kernel": self.kernel, "notebook": self.notebook.name,
                  "events": [{**event, "age": round(min(3600.0, now - at), 3)} for at, event in batch]}
        try:
            response = httpx.post(f"{self.base}/_sandbox/room", json=report, timeout=timeout,
                                  headers={"Authorization": f"Bearer {keys.keys()[0]}"})
            answered = isinstance(response.json(), dict)
        except Exception:  # noqa: BLE001 - the room is a courtesy: keep the events for the next beat
            return None
        return response.status_code if answered else None  # not JSON: a proxy's page, not the sandbox

    def end(self) -> None:
        """The kernel shuts down: say so (a kernel that dies without it shows as silent)."""
        self._stopped = True
        self.add({"kind": "ended"})
        self.send(timeout=1)


_reporter: Reporter | None = None


def _after_cell(result: Any) -> None:
    try:
        event = outcome(result, _reporter.notebook) if _reporter else None
        if event is not None:
            _reporter.add(event)
    except Exception:  # noqa: BLE001, S110 - reporting must never disturb a cell
        pass


def install(shell: Any = None) -> Reporter | None:
    """Start reporting from this kernel (once; only in classroom mode, only in IPython)."""
    global _reporter
    if _reporter is not None:
        return _reporter
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return None
        shell = get_ipython()
    if shell is None or not enabled():
        return None
    _reporter = Reporter(classroom_url() or "", Notebook(os.environ.get("JPY_SESSION_NAME"))).start()
    shell.events.register("post_run_cell", _after_cell)
    atexit.register(_reporter.end)
    return _reporter


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext helpers.room``; the tutorial's environment loads it in every kernel."""
    install(ipython)


# ------------------------------------------------------------------ sticky notes

NO_ROOM = ("Nobody watches this note: your notebooks use a sandbox of your own, not a classroom's "
           "(TUTORIAL_SANDBOX_URL is not set). Ask the person next to you, or your trainer.")
NOT_A_ROOM = ("Nobody watches this note: TUTORIAL_SANDBOX_URL names a sandbox that is not a classroom's "
              "(it was not started with --classroom). Ask your trainer.")
SHOWN = {"stuck": "⚑ I'm stuck", "done": "✔ Done"}


def why_no_room() -> str | None:
    """None when a note reaches a trainer; else the sentence that says why it would not."""
    url = classroom_url()
    try:
        sandbox = settings.resolve_mode() == "sandbox"
    except settings.SettingsProblem:
        sandbox = False
    if not url or not sandbox:
        return NO_ROOM
    doc = process.health(url)
    if doc is None:
        return sandbox_unreachable()
    return None if doc.get("classroom") else NOT_A_ROOM


def _say(note: dict | None) -> str:
    if not note:
        return "Your note is down: the trainer sees none."
    words = f": {note['text']}" if note.get("text") else ""
    since = time.strftime("%H:%M", time.localtime(note["at"]))
    return f"The trainer sees your note {SHOWN[note['kind']]}{words} (since {since})."


def _note(kind: str, words: str = "") -> str:
    return why_no_room() or _say(control.note(kind, words))


def stuck(words: str = "") -> None:
    """Tell the trainer you are stuck (a few words help: "the redirect never comes back")."""
    print(_note("stuck", words))


def done(words: str = "") -> None:
    """Tell the trainer you are done (with this notebook, or the exercise they set)."""
    print(_note("done", words))


def clear_note() -> None:
    """Take your note down."""
    print(_note("clear"))


def sticky_notes() -> None:
    """In a classroom: show ⚑ I'm stuck / ✔ Done / Take down, for the trainer. Elsewhere:
    nothing (nobody watches). Installs this kernel's reports too."""
    install()
    if why_no_room() is not None:
        return
    import ipywidgets as widgets
    from IPython.display import display

    status = widgets.HTML("Sticky notes for your trainer:")

    def post(kind: str) -> None:
        try:
            status.value = html.escape(_note(kind))
        except Exception as problem:  # noqa: BLE001 - the note's own line says what went wrong
            status.value = html.escape(f"Not sent: {problem}")

    buttons = []
    for kind, label, style in (("stuck", SHOWN["stuck"], "danger"), ("done", SHOWN["done"], "success"),
                               ("clear", "Take down", "")):
        button = widgets.Button(description=label, button_style=style, layout=widgets.Layout(width="auto"))
        button.on_click(lambda _b, kind=kind: post(kind))
        buttons.append(button)
    display(widgets.HBox([status, *buttons]))
