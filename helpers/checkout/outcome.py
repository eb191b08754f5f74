"""What came back from the redirect, in words: a lesson when the customer declined, not a crash."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from helpers.problems import NextStep

# What the customer can do on the authorization page, as its buttons say it.
BUTTON = {"authorize": "Authorize test setup", "fail": "Fail test setup"}


@dataclass(frozen=True)
class RedirectOutcome:
    """What came back to the return_url (or was seen on the SetupIntent), and the SetupIntent
    as then retrieved with the publishable key. ``redirect_status`` is None when the SetupIntent
    was decided by another route (an earlier run, or a return_url that is not this server)."""

    setup_intent: str
    redirect_status: str | None
    status: str | None
    error_message: str | None = None
    payment_method: str | None = None
    retrieved: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_retrieved(cls, intent_id: str, redirect_status: str | None,
                       retrieved: dict[str, Any]) -> RedirectOutcome:
        """The outcome as the SetupIntent retrieved (publishable key) shows it."""
        error = retrieved.get("last_setup_error") or {}
        payment_method = retrieved.get("payment_method")
        return cls(
            setup_intent=intent_id,
            redirect_status=redirect_status,
            status=retrieved.get("status"),
            error_message=error.get("message"),
            payment_method=payment_method if isinstance(payment_method, str) else None,
            retrieved=retrieved,
        )

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    def __str__(self) -> str:
        came_back = (f"The customer came back with redirect_status={self.redirect_status}"
                     if self.redirect_status else "No redirect came back to this server")
        if self.succeeded:
            return (f"{came_back}: SetupIntent {self.setup_intent} is succeeded, with PaymentMethod "
                    f"{self.payment_method} attached to the customer and a Mandate.")
        if self.status == "requires_payment_method":
            code = (self.retrieved.get("last_setup_error") or {}).get("code")
            return (f"{came_back}: the customer declined. SetupIntent {self.setup_intent} is back in "
                    f"requires_payment_method, with last_setup_error.code={code} "
                    f"({self.error_message}). Nothing was saved. To try again, run this cell again "
                    f"and click '{BUTTON['authorize']}'.")
        return f"{came_back}: SetupIntent {self.setup_intent} is {self.status}."

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # the cell's value, in words
        printer.text(str(self))


def authorized_payment_method(intent: Any) -> str:
    """The PaymentMethod of a succeeded SetupIntent; NextStep saying what to do otherwise."""
    status = intent["status"]
    if status == "succeeded":
        return intent["payment_method"]
    if status == "requires_payment_method":
        error = intent["last_setup_error"] or {}
        reason = (f"the customer declined ({error['code']}: {error['message']})" if error
                  else "no customer has authorized it yet")
        raise NextStep(
            f"SetupIntent {intent['id']} has no authorized PaymentMethod: {reason}. Run the cell that "
            f"waits for the customer again and click '{BUTTON['authorize']}', then this cell.")
    if status in ("requires_action", "requires_confirmation", "processing"):
        raise NextStep(
            f"SetupIntent {intent['id']} is {status}: the customer has not authorized it yet. Run the "
            f"cell that waits for the customer, click '{BUTTON['authorize']}', then run this cell again.")
    raise NextStep(
        f"SetupIntent {intent['id']} is {status}: it cannot be authorized any more. Make a new one "
        "(notebook 03, or re-run this notebook from the top: its catch-up cell makes one).")
