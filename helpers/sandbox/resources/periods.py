"""Billing-period arithmetic: calendar intervals in UTC, month ends clamped, the anchor kept."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

DAY = 86400
# customer.subscription.trial_will_end "Occurs three days before a subscription's trial period is
# scheduled to end" (Stripe's event types; stripe-ruby's V1CustomerSubscriptionTrialWillEndEvent:
# "If a trial is shortened so that fewer than three days remain, this event can fire immediately").
TRIAL_NOTICE = 3 * DAY


def add_interval(anchor: int, interval: str, count: int) -> int:
    """``anchor`` plus ``count`` intervals. Months keep the anchor's day (Jan 31 → Feb 28 → Mar 31)."""
    start = datetime.fromtimestamp(anchor, UTC)
    if interval == "day":
        return anchor + count * DAY
    if interval == "week":
        return anchor + count * 7 * DAY
    months = count * (12 if interval == "year" else 1)
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return int(start.replace(year=year, month=month, day=day).timestamp())


def period_end(anchor: int, recurring: dict, index: int) -> int:
    """The end of the ``index``-th period (1-based) counted from the billing cycle anchor."""
    return add_interval(anchor, recurring["interval"], recurring["interval_count"] * index)


def two_years(now: int) -> int:
    return add_interval(now, "year", 2)

