"""The "Your turn" exercises as the room shows them: one column each, in the notebooks' order, and
what the sandbox can see for itself that an exercise was done.

The list mirrors ``helpers/check`` (the kernel's checkers, which the sandbox must not import; a
test keeps the two in step). A pass comes from the learner's kernel and the sandbox cannot
check how it was judged, so it shows as *reported*; it shows as *passed* only where the
sandbox also saw the exercise done in the account's own records:

* an exercise whose answer is an error (``lessons.py``): the account's own request got exactly
  that error, from a cell of that exercise as the learner's kernel reports it (recorded then, so
  it survives a restart; the same error anywhere else, or without kernel reports, is none);
* an exercise that makes something the notebooks' own cells never make: the account's events
  show it (below).

The other exercises (a prediction about a date, reading a list, a recovery in several steps)
stay *reported*: the sandbox has no evidence of its own for them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..state.room import EventRule, Room


@dataclass(frozen=True)
class Exercise:
    id: str
    label: str  # a short name for the room's column header (13 characters at most)


EXERCISES = (
    Exercise("01-yearly-price", "yearly price"),
    Exercise("01-default-price", "default price"),
    Exercise("02-retrieve-by-id", "by ID"),
    Exercise("02-missing-customer", "missing cust."),
    Exercise("02-idempotent-retry", "idempotency"),
    Exercise("03-no-return-url", "no return_url"),
    Exercise("03-allowed-payment-method-types", "allowed types"),
    Exercise("04-confirm-succeeded", "confirm again"),
    Exercise("04-fail-test-setup", "Fail setup"),
    Exercise("05-before-authorizing", "before auth."),
    Exercise("05-eur-price", "EUR price"),
    Exercise("05-yearly-subscription", "yearly sub."),
    Exercise("06-only-needed-events", "needed events"),
    Exercise("06-list-events", "list events"),
    Exercise("07-advance-too-far", "too far"),
    Exercise("07-next-renewal", "next renewal"),
    Exercise("07-trial-ends", "trial ends"),
    Exercise("08-no-retry", "no retry"),
    Exercise("08-recover", "recover"),
    Exercise("08-mandate-revoked", "mandate gone"),
)
IDS = tuple(e.id for e in EXERCISES)

# Exercises that make what no notebook cell makes: the events that show it
# (``state.room.EventRule``), as in ``guide_steps``.
_EVENT_EVIDENCE = {
    # The notebooks make monthly prices (a yearly one picked in 01's form counts here too).
    "01-yearly-price": EventRule(("price.created",), "recurring.interval", "year"),
    # No notebook cell sets a product's default price.
    "01-default-price": EventRule(("product.updated",), "default_price"),
    # The notebooks subscribe to monthly prices only.
    "05-yearly-subscription": EventRule(("customer.subscription.created",),
                                        "items.data[0].price.recurring.interval", "year"),
}


def seen_in_events(room: Room) -> dict[str, set[str]]:
    """For every account: the exercises whose making its events show."""
    return room.accounts_with_events(_EVENT_EVIDENCE)
