"""Exercises of notebook 06 · Webhooks (after the guide)."""

from __future__ import annotations

from ._core import Look, NotYet, exercise_definition, no_attempt_yet, param

NOTEBOOK = "06_webhooks"
# What a subscription business must react to: provision, chase a failed payment, follow status
# changes, and the outcome of a setup (the later notebooks wait for setup_intent.setup_failed).
NEEDED = ("invoice.paid", "invoice.payment_failed", "customer.subscription.updated",
          "customer.subscription.deleted", "setup_intent.succeeded", "setup_intent.setup_failed")


@exercise_definition(
    id="06-only-needed-events",
    notebook=NOTEBOOK,
    title="Listen only to what you handle",
    task="""
Your endpoint listens to every event (`enabled_events=["*"]`). A real server subscribes to the
events it handles. Update the endpoint (`progress.require("webhook_endpoint")`) so that it receives
only what a subscription business needs: when to grant access, when a renewal failed, when a
subscription changed or ended, and how a setup ended.

**Predict first:** which event types are those? (Stripe's page *Using webhooks with subscriptions*
lists them.)
""",
    solution="""
check.start("06-only-needed-events")
endpoint = client.v1.webhook_endpoints.update(progress.require("webhook_endpoint"), params={
    "enabled_events": [
        "invoice.paid",                   # grant or extend access
        "invoice.payment_failed",         # bring the customer back (Amazon Pay is not retried)
        "customer.subscription.updated",  # status changes: active, past_due, ...
        "customer.subscription.deleted",  # access ends
        "setup_intent.succeeded",         # Amazon Pay saved
        "setup_intent.setup_failed",      # the customer declined
    ],
})
endpoint.enabled_events
""",
    attempt="Update the endpoint's `enabled_events`: `client.v1.webhook_endpoints.update("
            "progress.require('webhook_endpoint'), params={'enabled_events': [...]})`.",
)
def only_needed_events(look: Look) -> str:
    endpoint_id = look.recorded(
        "webhook_endpoint",
        "register the endpoint in notebook 06 (in Stripe test mode your events come through "
        "`stripe listen --events …` instead, and there is no endpoint to check)")
    updates = look.sent("POST", f"/v1/webhook_endpoints/{endpoint_id}")
    if not updates:
        raise no_attempt_yet("none of your requests updates the endpoint. Update its `enabled_events`: "
                             "`client.v1.webhook_endpoints.update(progress.require('webhook_endpoint'), "
                             "params={'enabled_events': [...]})`.")
    if updates[-1].status != 200:
        last = updates[-1]
        raise NotYet(f"Your update was refused ({last.status} `{last.error_code}`: {last.error_message}). "
                     "Change what it names, then run your cell again.")
    endpoint = look.client.v1.webhook_endpoints.retrieve(endpoint_id)
    events = list(endpoint.enabled_events)
    if "*" in events:
        raise NotYet("The endpoint still receives every event (`*`). Update its `enabled_events` "
                     "to the list of types your server handles.")
    missing = [e for e in NEEDED if e not in events]
    if missing:
        raise NotYet(f"Your list misses {len(missing)} of the {len(NEEDED)}: {_why(missing[0])} "
                     "(Stripe's page *Using webhooks with subscriptions* lists them.)")
    extra = sorted(set(events) - set(NEEDED))
    note = f" You also listen to {', '.join(extra)}: fine, if your server uses them." if extra else ""
    return (f"`{endpoint_id}` now receives {len(events)} event types instead of all of them. Your "
            "server handles less noise, and Stripe still keeps every event for `GET /v1/events`." + note)


# What each needed event is for: the question whose answer is that event.
PURPOSE = {
    "invoice.paid": "which event tells you to grant or extend access?",
    "invoice.payment_failed": "which event tells you that a renewal could not be charged?",
    "customer.subscription.updated": "which event tells you that a subscription's status changed "
                                     "(`active` to `past_due`, …)?",
    "customer.subscription.deleted": "which event tells you that a subscription ended?",
    "setup_intent.succeeded": "which event tells you that a customer saved Amazon Pay?",
    "setup_intent.setup_failed": "which event tells you that a customer declined (notebook 08 waits for it)?",
}


def _why(event: str) -> str:
    return PURPOSE[event]


@exercise_definition(
    id="06-list-events",
    notebook=NOTEBOOK,
    title="Events you missed",
    task="""
Your server was down for an hour: which invoices were paid meanwhile? Stripe also keeps events in
the API. List only the `invoice.paid` events of the last hour with `client.v1.events.list(...)`:
filter on the server by `type` and by `created` (`{"gte": <a Unix time>}`).

**Predict first:** how many `invoice.paid` events did this account get in the last hour? Write the
number down in `check.predict(...)` before you run.
""",
    solution="""
check.predict("06-list-events", 1)
import time

an_hour_ago = int(time.time()) - 3600  # when your server went down
paid = client.v1.events.list(params={"type": "invoice.paid", "created": {"gte": an_hour_ago}, "limit": 100})
[(event.data.object.id, event.data.object.amount_paid) for event in paid.data]
""",
    predicts=True,
    attempt="List the events of one type since a time: `client.v1.events.list(params={'type': "
            "'invoice.paid', 'created': {'gte': an_hour_ago}})`.",
)
def list_events(look: Look) -> str:
    listed = look.sent("GET", "/v1/events", status=200)
    filtered = [e for e in listed if param(e, "type") == "invoice.paid"]
    since = [e for e in filtered if param(e, "created[gte]") or param(e, "created[gt]")]
    if since:
        entry = since[-1]
        bound = {op: int(param(entry, f"created[{op}]")) for op in ("gte", "gt") if param(entry, f"created[{op}]")}
        count = len(look.client.v1.events.list(params={
            "type": "invoice.paid", "created": bound, "limit": 100}).data)
        return (f"`GET /v1/events?type=invoice.paid&created[…]=…` lists {count} event(s) since then, "
                "newest first. After downtime, list what you missed (Stripe keeps events for 30 days) "
                "and handle each one as if it had been delivered; the event IDs you stored tell you "
                "which ones you handled already." + look.prediction_note(count))
    if filtered:
        raise NotYet("You listed every `invoice.paid` so far. Ask only for the hour your server was "
                     "down: add `'created': {'gte': an_hour_ago}` (a Unix time) to the params.")
    other = [param(e, "type") for e in listed if param(e, "type")]
    if other:
        raise NotYet(f"You listed `{other[-1]}` events; the task asks for the paid invoices: "
                     "`params={'type': 'invoice.paid'}`.")
    if listed:
        raise NotYet("You listed every event. Filter on the server: `params={'type': 'invoice.paid'}`.")
    raise no_attempt_yet("none of your requests lists events. Call "
                         "`client.v1.events.list(params={'type': 'invoice.paid'})`.")
