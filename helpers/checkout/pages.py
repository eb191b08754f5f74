"""HTML of "your server": the checkout page (checkout.html of the guide) and the return_url page.

Pages carry only what a browser may see: the publishable key, the Stripe.js URL, and the
SetupIntent's id, status and redirect link. All links are relative (jupyter-server-proxy).
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; }
code { background: #f3f3f3; padding: 0 .2em; }
button { font-size: 1rem; padding: .5em 1em; }
.error { color: #b00020; } .ok { color: #0a7a2f; } .muted { color: #666; font-size: .9em; }
"""


# The written notice of authorization Stripe asks a custom payment form to show before confirming,
# in the text Stripe recommends (docs.stripe.com/payments/amazon-pay/set-up-future-payments,
# "Present authorization terms on your payment form"), with this tutorial's business name.
BUSINESS = "Stock Photo Service"
MANDATE_TEXT = (f"By continuing, you authorize {BUSINESS} to debit your Amazon Pay account for this payment "
                f"and future payments in accordance with {BUSINESS}'s terms, until this authorization is "
                "revoked.")


def _doc(title: str, head: str, body: str) -> str:
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>"
        f"<style>{STYLE}</style>{head}</head><body>{body}</body></html>"
    )


def _json_script(element_id: str, data: dict[str, Any]) -> str:
    text = json.dumps(data).replace("<", "\\u003c")
    return f'<script id="{element_id}" type="application/json">{text}</script>'


def checkout_page(
    publishable_key: str, stripe_js_url: str, mode: str, intent: dict[str, Any] | None
) -> str:
    """The page with the button that runs stripe.confirmAmazonPaySetup."""
    head = f'<script src="{escape(stripe_js_url)}"></script>'
    button = (f'<p id="mandate">{escape(MANDATE_TEXT)}</p>'
              '<button id="setup" type="button">Set up Amazon Pay</button>')
    if intent:
        about = (
            f'<p id="intent">SetupIntent <code>{escape(intent["id"])}</code>, status now: '
            f'<code>{escape(str(intent.get("status")))}</code></p>'
        )
        if intent.get("status") in ("succeeded", "canceled"):
            button = (
                f'<p id="done" class=ok>This SetupIntent is already {escape(intent["status"])}: there is '
                "nothing left to authorize. Go back to the notebook.</p>"
            )
        elif intent.get("redirect_url"):
            about += (
                f'<p class=muted>The guide\'s other path: the server-side confirm already returned '
                f'<code>next_action.redirect_to_url.url</code>. <a id="redirect-link" '
                f'href="{escape(intent["redirect_url"])}">Open it directly</a>.</p>'
            )
        else:
            about += (
                "<p class=muted>The server-side confirm's own link "
                "(<code>next_action.redirect_to_url.url</code>) would send the customer back to the "
                "<code>return_url</code> sent then, not to this server, so it is not offered here: "
                "the button confirms again with this page's address as <code>return_url</code>.</p>"
            )
    else:
        about = (
            '<p id="intent" class=error>No SetupIntent registered yet: run the notebook cell that '
            "creates it and calls <code>register_setup_intent(...)</code>.</p>"
        )
    if mode == "sandbox":
        webhooks = "<p class=muted>Webhooks: the sandbox posts events to <code>webhooks</code> on this server.</p>"
    else:  # Stripe cannot reach 127.0.0.1: the Stripe CLI forwards events
        webhooks = (
            "<p class=muted>Webhooks: Stripe cannot reach this machine. Forward test-mode events with "
            "the Stripe CLI: <code>stripe listen --forward-to &lt;this page's address&gt;webhooks</code>, "
            "and give the notebook the <code>whsec_…</code> it prints.</p>"
        )
    body = (
        "<h1>Checkout</h1>"
        f"<p class=muted>Mode: <code>{escape(mode)}</code>. Stripe.js from "
        f"<code>{escape(stripe_js_url)}</code>.</p>{about}"
        f"{button}"
        '<p id="error" class=error role=alert hidden></p>'
        f"{webhooks}"
        + _json_script("checkout-config", {"publishableKey": publishable_key})
        + '<script src="static/checkout.js"></script>'
    )
    return _doc("Checkout", head, body)


def complete_page(outcome: Any) -> str:
    """The return_url page: what came back in the query and what the SetupIntent says now."""
    title = "Setup complete" if outcome.status == "succeeded" else "Setup not completed"
    if outcome.status == "succeeded":
        verdict = '<p id="outcome" class=ok>Amazon Pay is set up: the SetupIntent is <code>succeeded</code>.</p>'
    else:
        reason = outcome.error_message or f"the SetupIntent is {outcome.status}"
        verdict = f'<p id="outcome" class=error>The setup did not succeed: {escape(reason)}</p>'
    body = (
        f"<h1>{title}</h1>"
        f"{verdict}<ul>"
        f"<li>setup_intent: <code>{escape(outcome.setup_intent)}</code></li>"
        f"<li>redirect_status: <code id=redirect-status>{escape(outcome.redirect_status)}</code></li>"
        f"<li>status (retrieved with the publishable key): <code id=status>{escape(str(outcome.status))}</code></li>"
        "</ul><p class=muted>The notebook has been told; go back to it. "
        '<a href="./">Back to the checkout page</a></p>'
    )
    return _doc(title, "", body)


def problem_page(title: str, message: str) -> str:
    return _doc(title, "", f"<h1>{escape(title)}</h1><p class=error>{escape(message)}</p>")
