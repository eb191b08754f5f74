"""Renewals over test-clock time: a plot of clock advances, billing periods and invoices, and the
events in order.

    timeline.renewals()             # the clock subscription of the renewals notebook, from the API
    timeline.event_list(server.events)

:func:`plot` draws from plain data (invoices as the API returns them, the times the clock was
advanced to), so it can be tested without a sandbox. The figure is matplotlib's own ``Figure``
(no pyplot, no global state); a :class:`Timeline` shows as a PNG in Jupyter and as one line of
deterministic text elsewhere (nbval compares that line and skips the PNG).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from helpers.client import LogEntry, entries
from helpers.show import to_plain

COLOURS = {"paid": "#2e7d32", "open": "#ef6c00", "void": "#9e9e9e", "draft": "#90caf9",
           "uncollectible": "#6d4c41"}
PAST_DUE = "#c62828"
LANES = ("invoices", "billing periods", "test clock")
ADVANCE = re.compile(r"/v1/test_helpers/test_clocks/([^/]+)/advance")


def _when(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _day(seconds: int) -> str:
    return _when(seconds).date().isoformat()


def failed(invoice: dict[str, Any]) -> bool:
    """An invoice whose payment failed at least once (open after an attempt, or paid later)."""
    attempts = invoice.get("attempt_count") or 0
    return (invoice.get("status") == "open" and bool(invoice.get("attempted"))) or (
        invoice.get("status") == "paid" and attempts >= 2)


def charged_at(invoice: dict[str, Any]) -> int:
    """When the invoice was finalized and charged (a renewal about an hour after it was made, as
    a draft); its creation while it is still a draft."""
    return (invoice.get("status_transitions") or {}).get("finalized_at") or invoice["created"]


def hours_in_draft(invoice: dict[str, Any]) -> float | None:
    """How long the invoice was a draft before it was finalized (None: it still is one)."""
    if invoice.get("status") == "draft":
        return None
    return (charged_at(invoice) - invoice["created"]) / 3600


def _draft_label(invoice: dict[str, Any]) -> str:
    hours = hours_in_draft(invoice)
    if hours is None:
        return "\n(draft)"
    return f"\n+{hours:g} h draft" if hours else ""


@dataclass(frozen=True)
class Timeline:
    """The figure, and a one-line summary that is also its plain-text form."""

    figure: Figure
    summary: str

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()

    def __repr__(self) -> str:
        return self.summary


def plot(invoices: Iterable[Any], advances: Iterable[int] = (), *, start: int | None = None,
         title: str = "Renewals on the test clock") -> Timeline:
    """Draw invoices (with their billing periods and status) and clock advances over clock time.

    ``advances``: the times the clock was advanced to; ``start``: when the clock (and so the
    subscription) started. Each failed renewal is marked where it made the subscription past_due.
    """
    rows = sorted((to_plain(i) for i in invoices), key=lambda i: (i["created"], i.get("number") or ""))
    advances = sorted(advances)
    figure = Figure(figsize=(9, 3.4), layout="constrained")
    axes = figure.add_subplot()
    for invoice in rows:
        colour = COLOURS.get(invoice.get("status"), "#000000")
        lines = (invoice.get("lines") or {}).get("data") or []
        if lines and lines[0].get("period"):
            period = lines[0]["period"]
            begin = mdates.date2num(_when(period["start"]))
            width = mdates.date2num(_when(period["end"])) - begin
            axes.broken_barh([(begin, width)], (0.7, 0.6), facecolors=colour, edgecolor="white",
                             linewidth=2)
        axes.scatter([mdates.date2num(_when(invoice["created"]))], [0], s=70, color=colour, zorder=3)
        label = (invoice.get("billing_reason") or "").removeprefix("subscription_") + _draft_label(invoice)
        axes.annotate(label, (mdates.date2num(_when(invoice["created"])), 0), xytext=(0, -14),
                      textcoords="offset points", ha="center", va="top", fontsize=8)
    if start is not None:
        axes.scatter([mdates.date2num(_when(start))], [2], marker="o", s=50, color="#555555", zorder=3)
        axes.annotate("start", (mdates.date2num(_when(start)), 2), xytext=(0, 8),
                      textcoords="offset points", ha="center", fontsize=8)
    if advances:
        axes.scatter([mdates.date2num(_when(t)) for t in advances], [2] * len(advances), marker=">",
                     s=60, color="#555555", zorder=3)
    failures = [i for i in rows if failed(i)]
    marks = []
    for failure in failures:  # each renewal that failed made the subscription past_due, when charged
        when = mdates.date2num(_when(charged_at(failure)))
        axes.axvline(when, color=PAST_DUE, linestyle="--", linewidth=1.5)
        marks.append(axes.annotate("renewal failed: past_due", (when, 2.75), xytext=(4, 0),
                                   textcoords="offset points", color=PAST_DUE, fontsize=9, va="center",
                                   in_layout=False))
    axes.set_yticks(range(len(LANES)), LANES)
    axes.set_ylim(-0.9, 3.0)
    axes.xaxis.set_major_locator(mdates.MonthLocator())
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    axes.tick_params(axis="x", labelsize=8)
    axes.grid(axis="x", color="#eeeeee")
    axes.set_title(title, fontsize=11)
    statuses = [s for s in COLOURS if any(i.get("status") == s for i in rows)]
    handles = [Patch(color=COLOURS[s], label=s) for s in statuses]
    handles.append(Patch(color="#555555", label="clock advanced to"))
    axes.legend(handles=handles, loc="upper left", fontsize=8, ncols=len(handles), frameon=False,
                bbox_to_anchor=(0, -0.18))
    _keep_apart(figure, axes, marks)
    return Timeline(figure, _summary(rows, advances, failures))


def _keep_apart(figure: Figure, axes: Any, marks: list[Any], row: float = 13) -> None:
    """Lay out the failure labels as drawn (matplotlib's Agg renderer, as the PNG is): one that would
    leave the plot on the right goes to the left of its line; one that would overlap an earlier
    one moves down a row (``row`` points)."""
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw_without_rendering()  # the constrained layout places the axes
    frame, placed = axes.get_window_extent(renderer), []
    for mark in marks:
        if mark.get_window_extent(renderer).x1 > frame.x1:
            mark.set_horizontalalignment("right")
            mark.xyann = (-4, 0)
        while any(mark.get_window_extent(renderer).overlaps(box) for box in placed):
            mark.xyann = (mark.xyann[0], mark.xyann[1] - row)
        placed.append(mark.get_window_extent(renderer))


def _summary(rows: list[dict[str, Any]], advances: list[int], failures: list[dict[str, Any]]) -> str:
    counts = pd.Series([i.get("status") for i in rows], dtype="object").value_counts()
    statuses = ", ".join(f"{counts[s]} {s}" for s in COLOURS if s in counts)
    parts = [f"{len(rows)} invoice(s)" + (f" ({statuses})" if statuses else "")]
    if advances:
        parts.append(f"the clock advanced {len(advances)} time(s), to {_day(advances[-1])}")
    waited = sorted({h for i in rows if (h := hours_in_draft(i))})
    if waited:
        parts.append("renewals charged " + " or ".join(f"{h:g} h" for h in waited) + " after they were made (drafts meanwhile)")
    drafts = sum(1 for i in rows if i.get("status") == "draft")
    if drafts:
        parts.append(f"{drafts} draft(s) not charged yet")
    if failures:
        parts.append("past_due from " + " and from ".join(_day(charged_at(f)) for f in failures))
    return "Timeline: " + "; ".join(parts)


def clock_advances(clock_id: str, requests: Iterable[LogEntry] | None = None) -> list[int]:
    """The times this kernel advanced ``clock_id`` to (successful requests, from the request log)."""
    times = []
    for entry in entries() if requests is None else requests:
        found = ADVANCE.fullmatch(entry.path)
        if entry.method == "POST" and entry.status == 200 and found and found.group(1) == clock_id:
            times += [int(v) for k, v in entry.params if k == "frozen_time"]
    return times


def renewals(subscription_id: str | None = None, clock_id: str | None = None, client: Any = None,
             requests: Iterable[LogEntry] | None = None) -> Timeline:
    """The timeline of a subscription on a test clock (by default the renewals notebook's,
    from progress), looked up through the API without being logged."""
    from helpers import progress
    from helpers.client import get_client

    subscription_id = subscription_id or progress.require("clock_subscription")
    clock_id = clock_id or progress.require("test_clock")
    client = client or get_client(logged=False)
    subscription = client.v1.subscriptions.retrieve(subscription_id)
    invoices = client.v1.invoices.list(params={"subscription": subscription_id, "limit": 100}).data
    advances = clock_advances(clock_id, requests)
    now = client.v1.test_helpers.test_clocks.retrieve(clock_id).frozen_time
    if not advances or advances[-1] != now:
        advances.append(now)  # advanced elsewhere too (another kernel, the Dashboard)
    return plot(invoices, sorted(set(advances)), start=subscription.start_date,
                title=f"Renewals of {subscription_id} on the test clock")


def event_list(events: Any) -> pd.DataFrame:
    """Events in the order they happened: created (UTC; clock time for objects on a test clock),
    type, object and its status.

    Sorted by ``created``; events of the same second keep the order given (the order your server
    received them). A list from ``client.v1.events.list`` (newest first) is put oldest first.
    Stripe does not promise delivery order: handle each event on its own.
    """
    data = to_plain(events) if hasattr(events, "to_dict") else [to_plain(e) for e in events]
    items = list(reversed(data["data"])) if isinstance(data, dict) else data
    rows = []
    for event in items:
        obj = (event.get("data") or {}).get("object") or {}
        rows.append({"created": event.get("created"), "type": event.get("type"),
                     "object": obj.get("id"), "status": obj.get("status")})
    rows.sort(key=lambda r: r["created"] or 0)  # stable: ties keep their order
    frame = pd.DataFrame(rows, columns=["created", "type", "object", "status"])
    created = [_when(r).strftime("%Y-%m-%d %H:%M") if r else "" for r in frame.pop("created")]
    frame.insert(0, "created (UTC)", created)
    return frame.fillna("")
