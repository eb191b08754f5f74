"""The renewals timeline and the event list (helpers.timeline)."""

from __future__ import annotations

from datetime import UTC, datetime

import matplotlib.dates as mdates
import pytest
import stripe
from matplotlib.backends.backend_agg import FigureCanvasAgg

from helpers import client as client_mod
from helpers import progress, timeline
from helpers.client import LogEntry
from support.states import failed_renewal


def at(year: int, month: int, day: int = 1) -> int:
    return int(datetime(year, month, day, 12, tzinfo=UTC).timestamp())


def invoice(number: str, created: int, end: int, status: str, attempts: int = 1,
            reason: str = "subscription_cycle") -> dict:
    return {"object": "invoice", "id": f"in_{number}", "number": number, "created": created,
            "status": status, "attempted": True, "attempt_count": attempts, "billing_reason": reason,
            "lines": {"data": [{"period": {"start": created, "end": end}}]}}


RENEWALS = [
    invoice("A-0001", at(2027, 1), at(2027, 2), "paid", reason="subscription_create"),
    invoice("A-0002", at(2027, 2), at(2027, 3), "paid"),
    invoice("A-0003", at(2027, 3), at(2027, 4), "open"),
]


def test_plot_draws_periods_invoices_advances_and_the_failure():
    drawn = timeline.plot(RENEWALS, [at(2027, 2, 2), at(2027, 3, 3)], start=at(2027, 1))
    axes = drawn.figure.axes[0]
    periods = [bar for collection in axes.collections if type(collection).__name__ == "PolyCollection"
               for bar in collection.get_paths()]
    assert len(periods) == 3
    assert [t.get_text() for t in axes.get_yticklabels()] == ["invoices", "billing periods", "test clock"]
    failure = [line for line in axes.get_lines() if line.get_linestyle() == "--"]
    assert len(failure) == 1 and failure[0].get_xdata()[0] == mdates.date2num(datetime(2027, 3, 1, 12, tzinfo=UTC))
    labels = {text.get_text() for text in axes.texts}
    assert {"renewal failed: past_due", "start", "create", "cycle"} <= labels
    legend = [t.get_text() for t in axes.get_legend().get_texts()]
    assert legend == ["paid", "open", "clock advanced to"]


def test_plot_summary_is_its_text_and_the_png_is_an_image():
    drawn = timeline.plot(RENEWALS, [at(2027, 2, 2), at(2027, 3, 3)], start=at(2027, 1))
    assert repr(drawn) == ("Timeline: 3 invoice(s) (2 paid, 1 open); the clock advanced 2 time(s), "
                           "to 2027-03-03; past_due from 2027-03-01")
    assert drawn._repr_png_().startswith(b"\x89PNG\r\n\x1a\n")


def charged_an_hour_later(row: dict) -> dict:
    """A renewal as Stripe makes it: a draft for an hour, then finalized (and charged)."""
    return {**row, "status_transitions": {"finalized_at": row["created"] + 3600}}


def test_the_renewal_hour_in_draft_is_drawn_and_said():
    """Issue 17/19: a renewal is a draft for an hour before it is charged; the timeline labels
    each renewal with its hour, marks a failure when it was charged, and counts a draft."""
    rows = [RENEWALS[0], charged_an_hour_later(RENEWALS[1]), charged_an_hour_later(RENEWALS[2]),
            invoice("A-0004", at(2027, 4), at(2027, 5), "draft", attempts=0)]
    rows[3]["attempted"] = False
    drawn = timeline.plot(rows, [at(2027, 4)], start=at(2027, 1))
    labels = [text.get_text() for text in drawn.figure.axes[0].texts]
    assert labels.count("cycle\n+1 h draft") == 2 and "cycle\n(draft)" in labels and "create" in labels
    failure = [line for line in drawn.figure.axes[0].get_lines() if line.get_linestyle() == "--"]
    assert failure[0].get_xdata()[0] == mdates.date2num(datetime(2027, 3, 1, 13, tzinfo=UTC))
    assert repr(drawn) == (
        "Timeline: 4 invoice(s) (2 paid, 1 open, 1 draft); the clock advanced 1 time(s), to 2027-04-01; "
        "renewals charged 1 h after they were made (drafts meanwhile); 1 draft(s) not charged yet; "
        "past_due from 2027-03-01")


def test_a_recovered_invoice_still_marks_when_it_failed():
    recovered = [*RENEWALS[:2], invoice("A-0003", at(2027, 3), at(2027, 4), "paid", attempts=2)]
    assert repr(timeline.plot(recovered)).endswith("(3 paid); past_due from 2027-03-01")
    assert "past_due" not in repr(timeline.plot(RENEWALS[:2]))


def test_each_failed_renewal_is_marked():
    """Notebook 08: paid on its page, the next renewal failed again; only the first was drawn."""
    twice = [*RENEWALS[:2], invoice("A-0003", at(2027, 3), at(2027, 4), "paid", attempts=2),
             invoice("A-0004", at(2027, 4), at(2027, 5), "open")]
    drawn = timeline.plot(twice)
    assert repr(drawn).endswith("(3 paid, 1 open); past_due from 2027-03-01 and from 2027-04-01")
    dashed = [line for line in drawn.figure.axes[0].get_lines() if line.get_linestyle() == "--"]
    assert [line.get_xdata()[0] for line in dashed] == [
        mdates.date2num(datetime(2027, month, 1, 12, tzinfo=UTC)) for month in (3, 4)]


def test_labels_neither_overlap_nor_leave_the_plot():
    """QA, notebook 08: two "renewal failed: past_due" labels overlapped, the second ran past the
    plot's right edge."""
    half_year = [*RENEWALS[:2], *(invoice(f"A-000{m}", at(2027, m), at(2027, m + 1), "paid") for m in (3, 4)),
                 invoice("A-0005", at(2027, 5), at(2027, 6), "paid", attempts=2),
                 invoice("A-0006", at(2027, 6), at(2027, 7), "open")]  # as 08 leaves it
    for drawn in (timeline.plot(half_year, [at(2027, 5, 5), at(2027, 6, 6)], start=at(2027, 1)),
                  timeline.plot(RENEWALS, [at(2027, 2, 2), at(2027, 3, 3)], start=at(2027, 1))):
        figure, axes = drawn.figure, drawn.figure.axes[0]
        canvas = FigureCanvasAgg(figure)  # what savefig(format="png") draws with
        canvas.draw()
        renderer = canvas.get_renderer()
        texts = [t for t in axes.texts if t.get_text()]
        boxes = [t.get_window_extent(renderer) for t in texts]
        for i, box in enumerate(boxes):
            for other_text, other in zip(texts[i + 1:], boxes[i + 1:], strict=True):
                assert not box.overlaps(other), (texts[i].get_text(), other_text.get_text())
        inside = axes.get_window_extent(renderer)
        for text, box in zip(texts, boxes, strict=True):
            assert inside.x0 <= box.x0 and box.x1 <= inside.x1 and inside.y0 <= box.y0 and box.y1 <= inside.y1, \
                text.get_text()
    assert [t.get_text() for t in axes.texts].count("renewal failed: past_due") == 1


def test_clock_advances_come_from_successful_requests_for_that_clock():
    def advance(clock: str, to: int, status: int = 200) -> LogEntry:
        return LogEntry(time=datetime(2027, 1, 1, tzinfo=UTC), method="POST", base="http://x",
                        path=f"/v1/test_helpers/test_clocks/{clock}/advance", api_version=None,
                        params=(("frozen_time", str(to)),), status=status, request_id=None,
                        idempotency_key=None, duration_ms=1.0, error_code=None, error_message=None,
                        key="", object_id=clock)

    log = [advance("clock_1", 100), advance("clock_2", 200), advance("clock_1", 300, 400), advance("clock_1", 400)]
    assert timeline.clock_advances("clock_1", log) == [100, 400]


def test_event_list_is_in_time_order_and_keeps_ties_in_arrival_order():
    events = [
        {"type": "invoice.paid", "created": at(2027, 2), "data": {"object": {"id": "in_2", "status": "paid"}}},
        {"type": "invoice.created", "created": at(2027, 1), "data": {"object": {"id": "in_1", "status": "draft"}}},
        {"type": "invoice.finalized", "created": at(2027, 1), "data": {"object": {"id": "in_1", "status": "open"}}},
        {"type": "customer.created", "created": at(2027, 1), "data": {"object": {"id": "cus_1"}}},
    ]
    frame = timeline.event_list(events)
    assert list(frame.columns) == ["created (UTC)", "type", "object", "status"]
    assert list(frame["type"]) == ["invoice.created", "invoice.finalized", "customer.created", "invoice.paid"]
    assert frame.iloc[0]["created (UTC)"] == "2027-01-01 12:00"
    assert frame.iloc[2]["status"] == ""


@pytest.fixture
def kernel(learner_env, monkeypatch):
    monkeypatch.setattr(progress, "authorize", progress.authorize_on_sandbox_page)
    return {"client": client_mod.get_client()}


def test_renewals_of_a_subscription_that_went_past_due(kernel):
    failed_renewal(kernel)
    drawn = timeline.renewals()
    assert repr(drawn) == ("Timeline: 5 invoice(s) (4 paid, 1 open); the clock advanced 4 time(s), "
                           "to 2027-05-05; renewals charged 1 h after they were made (drafts meanwhile); "
                           "past_due from 2027-05-01")
    client: stripe.StripeClient = kernel["client"]
    customer = progress.recall("clock_customer")
    events = [e for e in client.v1.events.list(params={"limit": 100}).data
              if e.data.object.to_dict().get("customer") == customer]
    frame = timeline.event_list(reversed(events))  # the API lists newest first
    failed = frame[frame["type"] == "invoice.payment_failed"]
    # The renewal's period ended at 12:00; its invoice was a draft for an hour, then charged.
    assert list(failed["created (UTC)"]) == ["2027-05-01 13:00"]
    created = frame[(frame["type"] == "invoice.created") & (frame["created (UTC)"] >= "2027-05-01")]
    assert list(created["created (UTC)"]) == ["2027-05-01 12:00"]
    assert list(frame["created (UTC)"]) == sorted(frame["created (UTC)"])
