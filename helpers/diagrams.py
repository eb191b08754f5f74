"""Pictures of the flow as Mermaid diagrams, drawn from this run's objects, requests and events.

A :class:`Mermaid` is displayed as Markdown holding a ```` ```mermaid ```` block, which JupyterLab
(4.1 and later) draws as a diagram; its plain text is the diagram's source. Both are deterministic
text (IDs are the only thing that changes between runs, and nbval's sanitizer replaces them).

    diagrams.redirect_sequence(after, outcome=outcome, events=server.events)   # notebook 04
    diagrams.state_diagram(after)                 # SetupIntent, Subscription or Invoice, state marked
    diagrams.object_map()                         # this run's IDs, from progress and the API

Nothing here makes a request that shows up in the request log (the map uses an unlogged client).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from helpers.client import LogEntry, entries
from helpers.show import to_plain

HIGHLIGHT = "classDef current fill:#ffd54f,stroke:#b26a00,stroke-width:3px"


class Mermaid:
    """A diagram: Markdown with a ```` ```mermaid ```` block for Jupyter, its source as plain text."""

    def __init__(self, source: str) -> None:
        self.source = source.strip()

    def _repr_markdown_(self) -> str:
        return f"```mermaid\n{self.source}\n```"

    def __repr__(self) -> str:
        return self.source

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mermaid) and other.source == self.source

    __hash__ = None  # type: ignore[assignment]


def _text(value: Any) -> str:
    """Text safe inside a Mermaid label or message (no statement separators or entity starts)."""
    return re.sub(r"[;#\"<>{}]", " ", str(value)).strip()


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


def state_diagram(kind: str | Any, current: str | None = None) -> Mermaid:
    """The states of a SetupIntent, Subscription or Invoice, ``current`` highlighted.

    ``kind`` is ``"setup_intent"``, ``"subscription"`` or ``"invoice"``, or the object itself (its
    ``object`` and ``status`` are used).
    """
    if not isinstance(kind, str):
        data = to_plain(kind)
        kind, current = data.get("object"), current or data.get("status")
    if kind not in STATES:
        raise ValueError(f"No state diagram for {kind!r}: use one of {', '.join(STATES)}.")
    lines = ["stateDiagram-v2", "    direction LR"]
    for before, after, why in STATES[kind]:
        lines.append(f"    {before} --> {after}" + (f": {_text(why)}" if why else ""))
    known = {state for edge in STATES[kind] for state in edge[:2]} - {"[*]"}
    if current in known:
        lines += [f"    {HIGHLIGHT}", f"    class {current} current"]
    elif current:
        lines.append(f"    note right of {STATES[kind][0][1]}: now {_text(current)}, not drawn here")
    lines.insert(1, f"    %% {TITLES[kind]}" + (f", now {current}" if current else ""))
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


def redirect_sequence(setup_intent: Any, *, outcome: Any = None, events: Any = (),
                      requests: Iterable[LogEntry] | None = None) -> Mermaid:
    """The redirect of notebook 04 as a sequence diagram, from this run.

    ``setup_intent`` is the SetupIntent as your server last retrieved it; ``outcome`` what came
    back to the return_url (``server.wait_for_redirect()``; None while the customer has not come
    back; a SetupIntent already decided without one is drawn as such); ``events`` the events your server received (``server.events``), or the answer of
    ``client.v1.events.list(...)``; ``requests`` this
    kernel's request log (by default ``helpers.client.entries()``). Steps in the browser are
    drawn from the outcome: Stripe.js is closed source, so its request is drawn as the guide and
    Stripe's mobile SDKs describe it.
    """
    intent = to_plain(setup_intent)
    intent_id = intent["id"]
    log = list(entries() if requests is None else requests)
    created = [e for e in log if e.method == "POST" and e.path == "/v1/setup_intents"
               and e.object_id == intent_id]
    retrieved = [e for e in log if e.method == "GET" and e.path == f"/v1/setup_intents/{intent_id}"]
    lines = [
        "sequenceDiagram",
        "    participant Browser",
        "    participant JS as Stripe.js",
        "    participant Server as Your server",
        "    participant API as Stripe API",
        "    participant Amazon as Amazon Pay page",
    ]
    say = lines.append
    if created:
        entry = created[-1]
        usage = next((v for k, v in entry.params if k == "usage"), "off_session")
        say(f"    Server->>API: POST /v1/setup_intents confirm=true usage={_text(usage)}")
        say(f"    API-->>Server: {entry.status} {intent_id} requires_action")
    else:
        say(f"    Note over Server,API: {intent_id} was created earlier, in notebook 03")
    say("    Browser->>Server: GET / the checkout page, Stripe.js in the head")
    say("    Browser->>Server: GET /secret")
    say("    Server-->>Browser: client_secret, and nothing else")
    if outcome is None and intent.get("status") in ("requires_action", "requires_confirmation", None):
        say("    Note over Browser: waiting for the customer to click Set up Amazon Pay")
        return Mermaid("\n".join(lines))
    redirect_status = _text(getattr(outcome, "redirect_status", "") or "")
    seen = _text(getattr(outcome, "status", "") or intent.get("status") or "unknown")
    if not redirect_status:  # decided before this wait (an earlier run): no redirect came back now
        say(f"    Note over Browser,API: no redirect this time: {intent_id} was already {seen}")
    else:
        button = "Authorize test setup" if redirect_status == "succeeded" else "Fail test setup"
        say("    Browser->>JS: confirmAmazonPaySetup(clientSecret, return_url, mandate_data)")
        say(f"    JS->>API: POST /v1/setup_intents/{intent_id}/confirm with the publishable key")
        say("    API-->>JS: requires_action, next_action.redirect_to_url")
        say("    JS->>Amazon: the browser goes to redirect_to_url.url")
        say(f"    Note over Amazon: the customer clicks {button}")
        say(f"    Amazon-->>Browser: back to return_url?setup_intent={intent_id}&redirect_status={redirect_status}")
        say(f"    Browser->>Server: GET /complete?setup_intent={intent_id}&redirect_status={redirect_status}")
        say(f"    Server->>API: GET /v1/setup_intents/{intent_id} with client_secret")
        say(f"    API-->>Server: {seen}")
    if retrieved:
        found = [intent.get("status"), intent.get("payment_method"), intent.get("mandate")]
        say(f"    Server->>API: GET /v1/setup_intents/{intent_id} with the secret key")
        say(f"    API-->>Server: {' '.join(_text(v) for v in found if v)}")
    ids = {intent_id, *(v for v in (intent.get("payment_method"), intent.get("mandate")) if isinstance(v, str))}
    for event_type in _events_of(events, ids):
        say(f"    API--)Server: POST /webhooks {_text(event_type)}")
    return Mermaid("\n".join(lines))


# --- the object map ------------------------------------------------------------------------------

# node: (label, the step that makes it), grouped as the guide makes them
GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "catalog": ("Product and price, 01", ("product", "price")),
    "saving": ("Amazon Pay saved for the customer, 02 to 04",
               ("customer", "setup_intent", "payment_method", "mandate")),
    "billing": ("Billing, 05", ("subscription", "subscription_item", "invoice", "invoice_payment",
                                "payment_intent", "charge")),
}
NODES: dict[str, tuple[str, str]] = {
    "product": ("Product", "01"), "price": ("Price", "01"), "customer": ("Customer", "02"),
    "setup_intent": ("SetupIntent", "03"), "payment_method": ("PaymentMethod", "04"),
    "mandate": ("Mandate", "04"), "subscription": ("Subscription", "05"),
    "subscription_item": ("SubscriptionItem", "05"), "invoice": ("Invoice", "05"),
    "invoice_payment": ("InvoicePayment", "05"), "payment_intent": ("PaymentIntent", "05"),
    "charge": ("Charge", "05"),
}
# (from, to, the field that links them)
EDGES: tuple[tuple[str, str, str], ...] = (
    ("product", "price", "price.product"),
    ("customer", "setup_intent", "setup_intent.customer"),
    ("customer", "payment_method", "payment_method.customer"),
    ("setup_intent", "payment_method", "setup_intent.payment_method"),
    ("setup_intent", "mandate", "setup_intent.mandate"),
    ("payment_method", "mandate", "mandate.payment_method"),
    ("customer", "subscription", "subscription.customer"),
    ("subscription", "subscription_item", "subscription.items"),
    ("subscription_item", "price", "item.price"),
    ("subscription", "payment_method", "default_payment_method"),
    ("subscription", "invoice", "latest_invoice"),
    ("invoice", "invoice_payment", "invoice.payments"),
    ("invoice_payment", "payment_intent", "payment.payment_intent"),
    ("payment_intent", "charge", "latest_charge"),
)


def object_map(ids: Mapping[str, str | None] | None = None) -> Mermaid:
    """How the guide's objects point at each other, with this run's IDs (``ids``: node → ID;
    by default :func:`object_ids`). A node without an ID is drawn dashed, "not yet"."""
    ids = object_ids() if ids is None else ids
    lines = ["flowchart TB"]
    for group, (title, members) in GROUPS.items():
        lines.append(f'    subgraph {group}["{title}"]')
        for node in members:
            label, step = NODES[node]
            found = ids.get(node)
            shown = _text(found) if found else f"not yet, notebook {step}"
            lines.append(f'        {node}["{label}<br/>{shown}"]')
        lines.append("    end")
    for source, target, field in EDGES:
        lines.append(f"    {source} -->|{field}| {target}")
    missing = [node for node in NODES if not ids.get(node)]
    if missing:
        lines.append("    classDef missing stroke-dasharray:4 4,color:#888")
        lines.append(f"    class {','.join(missing)} missing")
    return Mermaid("\n".join(lines))


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
