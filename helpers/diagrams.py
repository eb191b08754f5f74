"""Pictures of the flow as Mermaid diagrams, drawn from this run's objects, requests and events.

A :class:`Mermaid` is displayed as Markdown holding a ```` ```mermaid ```` block, which JupyterLab
(4.1 and later) draws as a diagram; its plain text is the diagram's source. Both are deterministic
text (IDs are the only thing that changes between runs, and nbval's sanitizer replaces them).

Drawn to be read in JupyterLab at a 1280 px window without zooming (tests/test_diagrams.py
measures it in Chromium): labels of at least 11 px, none overlapping, no edge behind a box. So
the diagrams grow downwards (``TB``), states are drawn as a flowchart (whose edges can be made
longer, so that two labels between the same states never meet), and the object map names the
objects in its boxes and lists their IDs in a table below.

    diagrams.redirect_sequence(after, visits=server.visits_of(after.id))  # notebook 04
    diagrams.state_diagram(after)                 # SetupIntent, Subscription or Invoice, state marked
    diagrams.object_map()                         # this run's IDs, from progress and the API

Nothing here makes a request that shows up in the request log (the map uses an unlogged client).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Mapping
from types import SimpleNamespace
from typing import Any

from helpers.client import LogEntry, entries
from helpers.show import to_plain

HIGHLIGHT = "classDef current fill:#ffd54f,stroke:#b26a00,stroke-width:3px"


class Mermaid:
    """A diagram: Markdown with a ```` ```mermaid ```` block for Jupyter (and ``caption``, Markdown
    shown below it), its source (and caption) as plain text."""

    def __init__(self, source: str, caption: str = "") -> None:
        self.source = source.strip()
        self.caption = caption.strip()

    def _repr_markdown_(self) -> str:
        below = f"\n\n{self.caption}" if self.caption else ""
        return f"```mermaid\n{self.source}\n```{below}"

    def __repr__(self) -> str:
        return self.source + (f"\n\n{self.caption}" if self.caption else "")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mermaid) and (other.source, other.caption) == (self.source, self.caption)

    __hash__ = None  # type: ignore[assignment]


def _text(value: Any) -> str:
    """Text safe inside a Mermaid label or message (no statement separators or entity starts)."""
    return re.sub(r"[;#\"<>{}|]", " ", str(value)).strip()


# --- state diagrams ------------------------------------------------------------------------------

# (from, to, what makes it happen), as Stripe describes each object's life:
# SetupIntent: docs.stripe.com/payments/setupintents/lifecycle ("How SetupIntents work": a failed
#   setup returns to requires_payment_method; cancel "at any point before it is processing or
#   succeeded") and the API reference of confirm;
# Subscription: the `status` docstring of stripe-python's Subscription (16.1: past_due "when payment
#   is required but cannot be paid", also at a trial's end; unpaid: "you may choose to reopen and
#   pay their closed invoices") and docs.stripe.com/billing/subscriptions/overview (statuses);
# Invoice: docs.stripe.com/invoicing/overview (invoice lifecycle).
STATES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "setup_intent": (
        ("[*]", "requires_payment_method", "created without a payment method"),
        ("[*]", "requires_action", "created with confirm=true, as the guide does"),
        ("requires_payment_method", "requires_confirmation", "payment method given"),
        ("requires_confirmation", "requires_action", "confirm: a redirect is needed"),
        ("requires_action", "processing", "customer authorized"),
        ("processing", "succeeded", "setup completes"),
        ("requires_action", "succeeded", "customer authorized"),
        ("requires_action", "requires_payment_method", "customer declined: Fail test setup"),
        ("requires_payment_method", "requires_action", "confirmed again: a redirect (04, after a decline)"),
        ("processing", "requires_payment_method", "setup fails"),
        ("requires_payment_method", "canceled", "cancel"),
        ("requires_confirmation", "canceled", "cancel"),
        ("requires_action", "canceled", "cancel"),
        ("succeeded", "[*]", ""),
    ),
    "subscription": (
        ("[*]", "active", "first invoice paid, as in the guide"),
        ("[*]", "trialing", "trial_period_days"),
        ("[*]", "incomplete", "first payment not made"),
        ("incomplete", "active", "first invoice paid within 23 hours"),
        ("incomplete", "incomplete_expired", "not paid within 23 hours"),
        ("trialing", "active", "trial ends, invoice paid"),
        ("trialing", "past_due", "trial ends, invoice not paid"),
        ("trialing", "paused", "trial ends without a payment method"),
        ("active", "paused", "paused with the pause endpoint"),
        ("paused", "active", "resumed"),
        ("active", "past_due", "a renewal payment fails"),
        ("past_due", "active", "the open invoice is paid"),
        ("past_due", "unpaid", "retries exhausted, per your settings"),
        ("unpaid", "active", "the open invoice is paid"),
        ("past_due", "canceled", "retries exhausted, per your settings, or cancel"),
        ("active", "canceled", "cancel"),
        ("canceled", "[*]", ""),
    ),
    "invoice": (
        ("[*]", "draft", "created"),
        ("draft", "open", "finalized"),
        ("open", "paid", "payment succeeds"),
        ("open", "void", "voided"),
        ("open", "uncollectible", "marked uncollectible"),
        ("uncollectible", "paid", "paid later"),
        ("uncollectible", "void", "voided"),
        ("paid", "[*]", ""),
        ("void", "[*]", ""),
    ),
}
TITLES = {"setup_intent": "SetupIntent", "subscription": "Subscription", "invoice": "Invoice"}


LABEL_WIDTH = 18  # characters per line of a transition's label: narrow labels keep the diagram narrow


def _label(why: str) -> str:
    """A transition's label, on lines of at most LABEL_WIDTH characters (``<br/>`` between them)."""
    return "<br/>".join(textwrap.wrap(_text(why), LABEL_WIDTH, break_long_words=False))


def _arrow(length: int) -> str:
    return "-" * (1 + length) + ">"


def state_diagram(kind: str | Any, current: str | None = None) -> Mermaid:
    """The states of a SetupIntent, Subscription or Invoice, ``current`` highlighted.

    ``kind`` is ``"setup_intent"``, ``"subscription"`` or ``"invoice"``, or the object itself (its
    ``object`` and ``status`` are used). Drawn top-down as a flowchart: a transition back (b to a
    after a to b) and each further one into the same state is one rank longer, so that labels
    between the same states never sit side by side.
    """
    if not isinstance(kind, str):
        data = to_plain(kind)
        kind, current = data.get("object"), current or data.get("status")
    if kind not in STATES:
        raise ValueError(f"No state diagram for {kind!r}: use one of {', '.join(STATES)}.")
    edges = STATES[kind]
    states = list(dict.fromkeys(state for edge in edges for state in edge[:2] if state != "[*]"))
    lines = ["flowchart TB", f"    %% {TITLES[kind]}" + (f", now {current}" if current else ""),
             "    begin(( ))", *(f'    {state}(["{state}"])' for state in states), "    finish((( )))"]
    done: set[tuple[str, str]] = set()
    into: dict[str, int] = {}
    for before, after, why in edges:
        length = 1 + ((after, before) in done) + min(into.get(after, 0), 2)
        done.add((before, after))
        into[after] = into.get(after, 0) + 1
        source = "begin" if before == "[*]" else before
        target = "finish" if after == "[*]" else after
        lines.append(f"    {source} {_arrow(length)}" + (f'|"{_label(why)}"|' if why else "") + f" {target}")
    if current in states:
        lines += [f"    {HIGHLIGHT}", f"    class {current} current"]
    elif current:
        lines += [f'    now["now {_text(current)}, not drawn here"]',
                  "    classDef note stroke-dasharray:4 4", "    class now note"]
    return Mermaid("\n".join(lines))


# --- the redirect, as it happened ----------------------------------------------------------------

def _events_of(events: Any, ids: set[str]) -> list[str]:
    """Event types whose object is one of ``ids``, oldest first: in the order given, or for a list
    from ``client.v1.events.list`` (newest first), reversed."""
    if hasattr(events, "to_dict"):  # a ListObject
        events = list(reversed(to_plain(events)["data"]))
    found = []
    for event in events:
        data = to_plain(event)
        obj = (data.get("data") or {}).get("object") or {}
        if obj.get("id") in ids:
            found.append(str(data.get("type")))
    return found


# Messages wrap at 150 px, so that no long one spreads the participants beyond the page's width.
SEQUENCE_LAYOUT = "%%{init: {'sequence': {'wrap': true, 'width': 150}}}%%"


def _returned(say, intent_id: str, redirect_status: str | None, seen: str) -> None:
    """One return of the browser to your return_url, and the confirm and click that led to it."""
    button = {"succeeded": "Authorize test setup", "failed": "Fail test setup"}.get(redirect_status or "")
    status = _text(redirect_status or "none")
    say("    Browser->>JS: confirmAmazonPaySetup(…)")
    say("    JS->>API: POST confirm, with the publishable key")
    say("    API-->>JS: requires_action, redirect_to_url")
    say("    JS->>Amazon: the browser goes to redirect_to_url")
    if button:
        say(f"    Note over Amazon: the customer clicks {button}")
    say(f"    Amazon-->>Browser: back to your return_url, redirect_status={status}")
    say(f"    Browser->>Server: GET /complete, redirect_status={status}")
    say("    Server->>API: GET the SetupIntent, with its client_secret")
    say(f"    API-->>Server: {_text(seen)}")


def redirect_sequence(setup_intent: Any, *, visits: Iterable[Any] | None = None, outcome: Any = None,
                      events: Any = (), requests: Iterable[LogEntry] | None = None) -> Mermaid:
    """The redirect of notebook 04 as a sequence diagram: only what happened in this run.

    ``setup_intent`` is the SetupIntent as your server last retrieved it; ``visits`` what browsers
    did at your server for it (``server.visits_of(id)``: the page loaded, the client secret
    fetched, each return to your return_url, a declined one included), in order; none drawn when
    no browser came. ``outcome`` (older callers: ``server.outcome_of(id)``) stands for one return
    when ``visits`` is not given. ``events`` the events your server received (``server.events``), or
    the answer of ``client.v1.events.list(...)``; ``requests`` this kernel's request log (by
    default ``helpers.client.entries()``). Stripe.js is closed source: its request is drawn as the
    guide and Stripe's mobile SDKs describe it.
    """
    intent = to_plain(setup_intent)
    intent_id = intent["id"]
    log = list(entries() if requests is None else requests)
    created = [e for e in log if e.method == "POST" and e.path == "/v1/setup_intents"
               and e.object_id == intent_id]
    retrieved = [e for e in log if e.method == "GET" and e.path == f"/v1/setup_intents/{intent_id}"]
    if visits is None:
        status = getattr(outcome, "redirect_status", None)
        visits = [SimpleNamespace(kind="returned", redirect_status=status)] if status else []
    visits = list(visits)
    lines = [
        SEQUENCE_LAYOUT,
        "sequenceDiagram",
        "    participant Browser",
        "    participant JS as Stripe.js",
        "    participant Server as Your server",
        "    participant API as Stripe API",
        "    participant Amazon as Amazon Pay",
    ]
    say = lines.append
    if created:
        entry = created[-1]
        usage = next((v for k, v in entry.params if k == "usage"), "off_session")
        say(f"    Server->>API: POST /v1/setup_intents, confirm=true, usage={_text(usage)}")
        say(f"    API-->>Server: {entry.status} {intent_id} requires_action")
    else:
        say(f"    Note over Server,API: {intent_id} was created earlier (notebook 03)")
    status = intent.get("status") or "unknown"
    if not visits:
        if status in ("requires_action", "requires_confirmation"):
            say("    Note over Browser,Server: no browser yet: waiting for the customer")
            return Mermaid("\n".join(lines))
        say(f"    Note over Browser,Server: no browser came in this run: {intent_id} was already {_text(status)}")
    returns = [v for v in visits if v.kind == "returned"]
    for visit in visits:
        if visit.kind == "page":
            say("    Browser->>Server: GET / (the checkout page)")
        elif visit.kind == "secret":
            say("    Browser->>Server: GET /secret")
            say("    Server-->>Browser: the client_secret only")
        elif visit.kind == "returned":
            last = visit is returns[-1]
            seen = status if last else ("requires_payment_method" if visit.redirect_status == "failed"
                                        else visit.redirect_status or "unknown")
            _returned(say, intent_id, visit.redirect_status, seen)
    if retrieved:
        found = [field for field in ("payment_method", "mandate") if intent.get(field)]
        say("    Server->>API: GET the SetupIntent, with the secret key")
        say(f"    API-->>Server: {_text(status)}" + (f", with its {' and '.join(found)}" if found else ""))
    ids = {intent_id, *(v for v in (intent.get("payment_method"), intent.get("mandate")) if isinstance(v, str))}
    for event_type in _events_of(events, ids):
        say(f"    API--)Server: POST /webhooks {_text(event_type)}")
    return Mermaid("\n".join(lines))


# --- the object map ------------------------------------------------------------------------------

# node: (label, the notebook that makes it), in the order the map lays them out (the saved
# payment method on the left, billing on the right: no edge crosses a box)
NODES: dict[str, tuple[str, str]] = {
    "setup_intent": ("SetupIntent", "03"), "mandate": ("Mandate", "04"),
    "payment_method": ("PaymentMethod", "04"), "customer": ("Customer", "02"),
    "subscription": ("Subscription", "05"), "subscription_item": ("SubscriptionItem", "05"),
    "price": ("Price", "01"), "product": ("Product", "01"), "invoice": ("Invoice", "05"),
    "invoice_payment": ("InvoicePayment", "05"), "payment_intent": ("PaymentIntent", "05"),
    "charge": ("Charge", "05"),
}
# (the object holding the reference, the object it names, the holder's field): every arrow
# leaves the object whose field it is
EDGES: tuple[tuple[str, str, str], ...] = (
    ("setup_intent", "mandate", "mandate"),
    ("setup_intent", "payment_method", "payment_method"),
    ("setup_intent", "customer", "customer"),
    ("mandate", "payment_method", "payment_method"),
    ("payment_method", "customer", "customer"),
    ("subscription", "payment_method", "default_payment_method"),
    ("subscription", "customer", "customer"),
    ("subscription", "subscription_item", "items"),
    ("subscription", "invoice", "latest_invoice"),
    ("subscription_item", "price", "price"),
    ("price", "product", "product"),
    ("invoice", "invoice_payment", "payments"),
    ("invoice_payment", "payment_intent", "payment.payment_intent"),
    ("payment_intent", "charge", "latest_charge"),
)


def object_map(ids: Mapping[str, str | None] | None = None) -> Mermaid:
    """How the guide's objects point at each other (each arrow leaves the object holding the
    field), with this run's IDs in a table below (``ids``: node → ID; by default
    :func:`object_ids`). A node without an ID is drawn dashed, "not yet"."""
    ids = object_ids() if ids is None else ids
    lines = ["flowchart TB", *(f'    {node}["{label}"]' for node, (label, _) in NODES.items())]
    lines += [f"    {source} -->|{field}| {target}" for source, target, field in EDGES]
    missing = [node for node in NODES if not ids.get(node)]
    if missing:
        lines.append("    classDef missing stroke-dasharray:4 4,color:#888")
        lines.append(f"    class {','.join(missing)} missing")
    rows = ["| object | ID in this run |", "|---|---|"]
    for node, (label, step) in NODES.items():
        found = ids.get(node)
        rows.append(f"| {label} | `{_text(found)}` |" if found else f"| {label} | not yet (notebook {step}) |")
    return Mermaid("\n".join(lines), "\n".join(rows))


def object_ids(client: Any = None) -> dict[str, str | None]:
    """This run's IDs: what progress recorded, and what the subscription's latest invoice leads
    to (its item, InvoicePayment, PaymentIntent and Charge), looked up without being logged."""
    from helpers import progress
    from helpers.client import get_client

    recorded = progress.recorded()
    ids: dict[str, str | None] = {node: recorded.get(node) for node in NODES}
    if not ids["subscription"]:
        return ids
    client = client or get_client(logged=False)
    subscription = client.v1.subscriptions.retrieve(ids["subscription"])
    ids["subscription_item"] = subscription["items"].data[0].id if subscription["items"].data else None
    if not subscription.latest_invoice:
        return ids
    invoice = client.v1.invoices.retrieve(subscription.latest_invoice, params={"expand": ["payments"]})
    ids["invoice"] = invoice.id
    payments = invoice.payments.data if invoice.payments else []
    if payments:
        ids["invoice_payment"] = payments[0].id
        ids["payment_intent"] = payments[0].payment.payment_intent
        if ids["payment_intent"]:
            ids["charge"] = client.v1.payment_intents.retrieve(ids["payment_intent"]).latest_charge
    return ids
