"""ipywidgets forms, one per step of the guide, prefilled with the guide's values.

Each form has ``.widget`` (it also displays itself), ``.values`` (the params for the SDK call,
or :class:`FormError` if the input is invalid: no request is made with bad input) and an inline
error line that updates whenever a field changes.
"""

from __future__ import annotations

import html
import ipaddress
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

import ipywidgets as widgets
import stripe

from helpers import search_query
from helpers.limits import (
    AMAZON_PAY_CURRENCIES,
    EMAIL,
    MAX_AMOUNT,
    MAX_INTERVAL_COUNT,
    SANDBOX_ACCOUNT_CURRENCIES,
)
from helpers.problems import Problem, one_line
from helpers.show import as_json

CURRENCIES = AMAZON_PAY_CURRENCIES
INTERVALS = ("month", "year", "week", "day")
MAX_UNIT_AMOUNT = MAX_AMOUNT
GUIDE_DESCRIPTION = "My First Test Customer (created for API docs)"
ENDIVE = "2026-09-30"  # first API version without payment_method_types on SetupIntent create

# Labels get room for the longest one ("Mandate acceptance"); values for the longest option.
_STYLE = {"description_width": "160px"}
_WIDE = {"width": "640px"}


class FormError(Problem, ValueError):
    """Invalid form input; the message names the field and what is allowed.

    In a notebook the cell stops with this one line (no traceback), and no request is made."""

    def _render_traceback_(self) -> list[str]:
        return one_line(f"{self} Change it in the form above, then run this cell again.")


class Form:
    """Base: fields in a VBox with an inline error line below them."""

    def __init__(self, fields: Sequence[widgets.Widget]) -> None:
        self._error = widgets.HTML()
        self.widget = widgets.VBox([*fields, self._error])
        for field in fields:
            field.observe(self._refresh, names="value")
        self._refresh()

    def _collect(self) -> dict[str, Any]:
        raise NotImplementedError

    @property
    def values(self) -> dict[str, Any]:
        """Params for the SDK call; FormError if the input is invalid."""
        return self._collect()

    @property
    def error(self) -> str | None:
        """The current validation message, or None."""
        try:
            self._collect()
        except FormError as problem:
            return str(problem)
        return None

    def _refresh(self, _change: Any = None) -> None:
        problem = self.error
        self._error.value = (
            f"<span style='color:#b00020'>⚠ {html.escape(problem)} Fix it, then run the cell "
            "below.</span>" if problem else ""
        )

    def _repr_mimebundle_(self, **kwargs: Any):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        # Where no widget is drawn (a saved notebook before its cell runs, a viewer): the fields as text.
        bundle["text/plain"] = self.as_text()
        return bundle

    def as_text(self) -> str:
        """The form in one line of text: each field's label and value."""
        fields = [f"{w.description}: {as_json(w.value)}" for w in _fields(self.widget)]
        return "A form (run this cell to fill it in) · " + " · ".join(fields)


def _fields(widget: widgets.Widget) -> list[widgets.Widget]:
    """The labelled input widgets inside ``widget``, in order."""
    if isinstance(widget, widgets.Box):
        return [field for child in widget.children for field in _fields(child)]
    return [widget] if getattr(widget, "description", "") and hasattr(widget, "value") else []


def _text(description: str, value: str) -> widgets.Text:
    return widgets.Text(value=value, description=description, style=_STYLE, layout=_WIDE)


def _dropdown(description: str, options: Sequence[Any], value: Any) -> widgets.Dropdown:
    return widgets.Dropdown(options=options, value=value, description=description, style=_STYLE,
                            layout=_WIDE)


def to_minor_units(amount: str, currency: str) -> int:
    """``"15.00"`` usd -> 1500; FormError if it is not a positive amount with the currency's decimals."""
    decimals = CURRENCIES.get(currency)
    if decimals is None:
        raise FormError(f"Currency {currency!r} is not an Amazon Pay currency: {', '.join(CURRENCIES)}.")
    try:
        value = Decimal(amount.strip())
    except InvalidOperation:
        raise FormError(f"Amount {amount!r} is not a number (use a dot for decimals, e.g. 15.00).") from None
    if not value.is_finite() or value <= 0:
        raise FormError("Amount must be greater than zero.")
    minor = value.scaleb(decimals)
    if minor != minor.to_integral_value():
        places = "no decimals" if decimals == 0 else f"at most {decimals} decimals"
        raise FormError(f"{currency.upper()} amounts have {places}: {amount!r} is not possible.")
    if minor > MAX_UNIT_AMOUNT:
        raise FormError(f"Amount is above Stripe's limit of {MAX_UNIT_AMOUNT} minor units.")
    return int(minor)


def account_currencies(sandbox: bool) -> tuple[str, ...]:
    """The currencies a price form offers: what the account can charge with Amazon Pay.

    The sandbox's US account follows ``limits.US_CURRENCIES`` (USD only). In test mode
    the account's country decides; all of Amazon Pay's currencies are offered, and Stripe refuses
    those your account cannot charge."""
    return SANDBOX_ACCOUNT_CURRENCIES if sandbox else tuple(CURRENCIES)


class ProductPriceForm(Form):
    """Step 1: a product and a recurring price (15.00 USD a month), in one of ``currencies``."""

    def __init__(self, currencies: Sequence[str] = tuple(CURRENCIES)) -> None:
        unknown = [c for c in currencies if c not in CURRENCIES]
        if unknown or not currencies:
            raise ValueError(f"Offer Amazon Pay currencies only, not {unknown or 'none'}.")
        self.name = _text("Product name", "Stock photo service")
        self.amount = _text("Amount", "15.00")
        self.currency = _dropdown("Currency", list(currencies), "usd" if "usd" in currencies else currencies[0])
        self.interval = _dropdown("Interval", INTERVALS, "month")
        self.interval_count = widgets.BoundedIntText(
            value=1, min=1, max=365, description="Interval count", style=_STYLE, layout=_WIDE)
        super().__init__([self.name, self.amount, self.currency, self.interval, self.interval_count])

    def _collect(self) -> dict[str, Any]:
        name = self.name.value.strip()
        if not name:
            raise FormError("Product name is required.")
        unit_amount = to_minor_units(self.amount.value, self.currency.value)
        interval, count = self.interval.value, self.interval_count.value
        if count > MAX_INTERVAL_COUNT[interval]:
            raise FormError(f"At most {MAX_INTERVAL_COUNT[interval]} {interval}s: Stripe bills at least every three years.")
        recurring: dict[str, Any] = {"interval": interval}
        if count != 1:
            recurring["interval_count"] = count
        return {"product": {"name": name},
                "price": {"unit_amount": unit_amount, "currency": self.currency.value,
                          "recurring": recurring}}

    def product_params(self) -> dict[str, Any]:
        """Params for ``client.v1.products.create``."""
        return self.values["product"]

    def price_params(self, product: str) -> dict[str, Any]:
        """Params for ``client.v1.prices.create`` for the product ID given."""
        return {"product": product, **self.values["price"]}


class CustomerForm(Form):
    """Step 2: create a customer, or find one again by email.

    ``values`` are the params of the action chosen: ``customers.create`` for *Create*,
    ``customers.list`` (``email``, ``limit``) for *Find by email*. Both check the email first."""

    def __init__(self) -> None:
        self.action = widgets.ToggleButtons(
            options=[("Create", "create"), ("Find by email", "find")], value="create",
            description="Action", style=_STYLE)
        self.email = _text("Email", "jenny.rosen@example.com")
        self.name = _text("Name", "Jenny Rosen")
        self.description = _text("Description", GUIDE_DESCRIPTION)
        super().__init__([self.action, self.email, self.name, self.description])

    @property
    def mode(self) -> str:
        """``create`` (customers.create) or ``find`` (customers.list by email)."""
        return self.action.value

    def _email(self) -> str:
        email = self.email.value.strip()
        if email and not EMAIL.match(email):
            raise FormError(f"Email {email!r} is not an email address.")
        if self.mode == "find" and not email:
            raise FormError("Finding a customer needs the email address.")
        return email

    def create_params(self) -> dict[str, Any]:
        """Params for ``customers.create``."""
        params = {"email": self._email(), "name": self.name.value.strip(),
                  "description": self.description.value.strip()}
        return {k: v for k, v in params.items() if v}

    def list_params(self) -> dict[str, Any]:
        """Params for ``customers.list``: the email, exact and at once (FormError without one)."""
        email = self._email()
        if not email:
            raise FormError("Finding a customer needs the email address.")
        return {"email": email, "limit": 1}

    def search_params(self) -> dict[str, Any]:
        """Params for ``customers.search``: the email, quoted as the query language wants."""
        return {"query": search_query.clause("email", self.list_params()["email"])}

    def _collect(self) -> dict[str, Any]:
        return self.list_params() if self.mode == "find" else self.create_params()


def _version_before_endive(version: str | None) -> bool:
    return (version or stripe.api_version)[:10] < ENDIVE


class SetupIntentForm(Form):
    """Step 3: the SetupIntent, confirmed at once, with the Amazon Pay mandate data.

    ``restrict`` chooses how the SetupIntent is limited to Amazon Pay: the guide's
    ``payment_method_types[]`` (API versions before 2026-09-30.endive), ``allowed_payment_method_types[]``,
    or nothing besides ``payment_method_data[type]`` (default from 2026-09-30.endive).
    """

    RESTRICT = (("payment_method_data only", "none"),
                ("payment_method_types[] (guide, before endive)", "payment_method_types"),
                ("allowed_payment_method_types[]", "allowed_payment_method_types"))

    def __init__(self, customer: str | None = None, stripe_version: str | None = None) -> None:
        self.customer = customer
        self.usage = _dropdown("Usage", ("off_session", "on_session"), "off_session")
        self.return_url = _text("Return URL", "https://www.stripe.com")
        self.mandate_type = _dropdown("Mandate acceptance", ("online",), "online")
        self.ip_address = _text("IP address", "127.0.0.0")
        self.user_agent = _text("User agent", "device")
        default = "payment_method_types" if _version_before_endive(stripe_version) else "none"
        self.restrict = _dropdown("Restrict with", self.RESTRICT, default)
        super().__init__([self.usage, self.return_url, self.mandate_type, self.ip_address,
                          self.user_agent, self.restrict])

    def _collect(self) -> dict[str, Any]:
        url = urlsplit(self.return_url.value.strip())
        if url.scheme not in ("http", "https") or not url.netloc:
            raise FormError("Return URL must be an absolute http(s) URL, e.g. https://www.stripe.com.")
        try:
            ipaddress.ip_address(self.ip_address.value.strip())
        except ValueError:
            raise FormError(f"IP address {self.ip_address.value!r} is not an IPv4 or IPv6 address.") from None
        if not self.user_agent.value.strip():
            raise FormError("User agent is required for an online mandate acceptance.")
        params: dict[str, Any] = {"confirm": True}
        if self.customer:
            params["customer"] = self.customer
        params["payment_method_data"] = {"type": "amazon_pay"}
        if self.restrict.value != "none":
            params[self.restrict.value] = ["amazon_pay"]
        params["usage"] = self.usage.value
        params["mandate_data"] = {"customer_acceptance": {
            "type": self.mandate_type.value,
            "online": {"ip_address": self.ip_address.value.strip(),
                       "user_agent": self.user_agent.value.strip()}}}
        params["return_url"] = url.geturl()
        return params


class SubscriptionForm(Form):
    """Step 5: the subscription. Options the guide does not send appear only when changed."""

    BEHAVIORS = ("allow_incomplete", "default_incomplete", "error_if_incomplete")

    def __init__(self, prices: Sequence[str | tuple[str, str]], customer: str | None = None,
                 default_payment_method: str | None = None) -> None:
        if not prices:
            raise FormError("SubscriptionForm needs at least one price (create one in notebook 01).")
        self.customer, self.default_payment_method = customer, default_payment_method
        options = [p if isinstance(p, tuple) else (p, p) for p in prices]
        self.price = _dropdown("Price", options, options[0][1])
        self.quantity = widgets.BoundedIntText(value=1, min=1, max=10_000, description="Quantity",
                                               style=_STYLE, layout=_WIDE)
        self.trial_days = widgets.BoundedIntText(value=0, min=0, max=730, description="Trial days",
                                                 style=_STYLE, layout=_WIDE)
        self.payment_behavior = _dropdown("Payment behavior", self.BEHAVIORS, "allow_incomplete")
        super().__init__([self.price, self.quantity, self.trial_days, self.payment_behavior])

    def _collect(self) -> dict[str, Any]:
        if not self.price.value:
            raise FormError("Choose a price.")
        if self.quantity.value < 1:
            raise FormError("Quantity must be at least 1.")
        item: dict[str, Any] = {"price": self.price.value}
        if self.quantity.value != 1:
            item["quantity"] = self.quantity.value
        params: dict[str, Any] = {}
        if self.customer:
            params["customer"] = self.customer
        params["items"] = [item]
        if self.default_payment_method:
            params["default_payment_method"] = self.default_payment_method
        params["off_session"] = True
        if self.trial_days.value:
            params["trial_period_days"] = self.trial_days.value
        if self.payment_behavior.value != "allow_incomplete":
            params["payment_behavior"] = self.payment_behavior.value
        return params


def _as_datetime(value: int | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(value, UTC)


def one_month_and_a_day(start: datetime) -> datetime:
    """The same time one calendar month + one day later (Jan 31 -> Feb 28/29 + 1 day)."""
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    day = start.day
    while True:
        try:
            return start.replace(year=year, month=month, day=day) + timedelta(days=1)
        except ValueError:
            day -= 1


class TestClockAdvanceForm(Form):
    """Step 6: move a test clock; the date keeps the clock's time of day (UTC).

    The form shows where the clock is now; :meth:`refresh` follows the clock after an advance
    (the date moves on to one month and a day after the new time)."""

    __test__ = False  # not a pytest test class

    def __init__(self, frozen_time: int | datetime) -> None:
        self.frozen = _as_datetime(frozen_time).astimezone(UTC)
        self.now = widgets.HTML(description="Clock is at", style=_STYLE, layout=_WIDE)
        self.day = widgets.DatePicker(description="Advance to (UTC)", style=_STYLE)
        self.refresh(self.frozen)
        super().__init__([self.now, self.day])

    def refresh(self, frozen_time: int | datetime) -> None:
        """The clock moved (or may have): show its time, propose one month and a day later."""
        self.frozen = _as_datetime(frozen_time).astimezone(UTC)
        self.now.value = f"<code>{self.frozen:%Y-%m-%d %H:%M} UTC</code>"
        self.day.value = one_month_and_a_day(self.frozen).date()

    def _collect(self) -> dict[str, Any]:
        picked: date | None = self.day.value
        if picked is None:
            raise FormError("Pick a date to advance the clock to.")
        target = datetime.combine(picked, self.frozen.timetz())
        if target <= self.frozen:
            raise FormError(
                f"The clock is at {self.frozen:%Y-%m-%d %H:%M} UTC; a test clock only moves forward: "
                "pick a later date.")
        return {"frozen_time": int(target.timestamp())}
