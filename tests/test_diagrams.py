"""Mermaid diagrams (helpers.diagrams): their text, and that JupyterLab draws them."""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
import stripe

from helpers import autopilot, diagrams, progress
from helpers import client as client_mod
from helpers.client import LogEntry
from support.jupyter import jupyterlab
from support.waiting import PATIENCE

INTENT = {"id": "seti_1Abc234", "object": "setup_intent", "status": "succeeded",
          "payment_method": "pm_1Abc234", "mandate": "mandate_1Abc234",
          "client_secret": "seti_1Abc234_secret_DoNotShowMe"}


def entry(method: str, path: str, object_id: str | None = None, status: int = 200,
          params: tuple[tuple[str, str], ...] = ()) -> LogEntry:
    return LogEntry(time=datetime(2027, 1, 1, tzinfo=UTC), method=method, base="http://127.0.0.1:1",
                    path=path, api_version=None, params=params, status=status, request_id="req_1",
                    idempotency_key=None, duration_ms=1.0, error_code=None, error_message=None,
                    key="sk_test_sandbox", object_id=object_id)


def event(event_type: str, object_id: str) -> dict:
    return {"object": "event", "type": event_type, "data": {"object": {"id": object_id}}}


def test_a_diagram_is_a_mermaid_block_in_markdown_and_its_source_as_text():
    diagram = diagrams.Mermaid("\nflowchart LR\n    a --> b\n")
    assert diagram._repr_markdown_() == "```mermaid\nflowchart LR\n    a --> b\n```"
    assert repr(diagram) == "flowchart LR\n    a --> b"


def test_state_diagram_marks_the_current_state():
    text = repr(diagrams.state_diagram("invoice", "open"))
    assert text.startswith("stateDiagram-v2\n")
    assert "draft --> open: finalized" in text and "open --> paid: payment succeeds" in text
    assert text.endswith("class open current")


def test_state_diagram_of_an_object_uses_its_type_and_status():
    text = repr(diagrams.state_diagram(INTENT | {"status": "requires_action"}))
    assert "requires_action --> requires_payment_method: customer declined: Fail test setup" in text
    assert "class requires_action current" in text
    subscription = repr(diagrams.state_diagram({"object": "subscription", "status": "past_due"}))
    assert "active --> past_due: a renewal payment fails" in subscription
    assert "class past_due current" in subscription


def test_state_diagrams_draw_every_transition_stripe_documents():
    """Issue 17.6: the SetupIntent lacked three of the lifecycle page's transitions (one of them
    the path 04 takes after a decline), the Subscription two."""
    intent = repr(diagrams.state_diagram("setup_intent"))
    for edge in ("requires_confirmation --> canceled", "processing --> requires_payment_method",
                 "requires_payment_method --> requires_action"):
        assert edge in intent
    subscription = repr(diagrams.state_diagram("subscription"))
    assert "trialing --> past_due" in subscription and "unpaid --> active" in subscription


def test_state_diagram_names_a_state_it_does_not_draw_and_refuses_unknown_objects():
    text = repr(diagrams.state_diagram("invoice", "sideways"))
    assert "class " not in text and "now sideways, not drawn here" in text
    with pytest.raises(ValueError, match="No state diagram for 'charge'"):
        diagrams.state_diagram({"object": "charge", "status": "succeeded"})


def test_redirect_sequence_from_this_run():
    log = [
        entry("POST", "/v1/setup_intents", "seti_1Abc234", params=(("usage", "off_session"),)),
        entry("GET", "/v1/setup_intents/seti_1Abc234", "seti_1Abc234"),
    ]
    outcome = SimpleNamespace(redirect_status="succeeded", status="succeeded")
    events = [event("setup_intent.succeeded", "seti_1Abc234"), event("customer.created", "cus_9"),
              event("payment_method.attached", "pm_1Abc234")]
    text = repr(diagrams.redirect_sequence(INTENT, outcome=outcome, events=events, requests=log))
    lines = text.splitlines()
    assert lines[0] == "sequenceDiagram"
    assert "    Server->>API: POST /v1/setup_intents confirm=true usage=off_session" in lines
    assert "    API-->>Server: 200 seti_1Abc234 requires_action" in lines
    assert "    Browser->>Server: GET /secret" in lines
    assert "    JS->>API: POST /v1/setup_intents/seti_1Abc234/confirm with the publishable key" in lines
    assert "    Note over Amazon: the customer clicks Authorize test setup" in lines
    assert ("    Browser->>Server: GET /complete?setup_intent=seti_1Abc234&redirect_status=succeeded"
            in lines)
    assert "    API-->>Server: succeeded pm_1Abc234 mandate_1Abc234" in lines
    webhooks = [line for line in lines if "/webhooks" in line]
    assert webhooks == ["    API--)Server: POST /webhooks setup_intent.succeeded",
                        "    API--)Server: POST /webhooks payment_method.attached"]
    assert "secret_" not in text  # the client_secret never appears


def test_redirect_sequence_takes_an_event_list_from_the_api_newest_first():
    listed = stripe.ListObject.construct_from({"object": "list", "url": "/v1/events", "has_more": False, "data": [
        event("payment_method.attached", "pm_1Abc234"), event("setup_intent.succeeded", "seti_1Abc234")]}, None)
    outcome = SimpleNamespace(redirect_status="succeeded", status="succeeded")
    text = repr(diagrams.redirect_sequence(INTENT, outcome=outcome, events=listed, requests=[]))
    webhooks = [line.split()[-1] for line in text.splitlines() if "/webhooks" in line]
    assert webhooks == ["setup_intent.succeeded", "payment_method.attached"]


def test_redirect_sequence_of_a_decline_and_of_a_customer_not_back_yet():
    declined = SimpleNamespace(redirect_status="failed", status="requires_payment_method")
    text = repr(diagrams.redirect_sequence(INTENT | {"status": "requires_payment_method"},
                                           outcome=declined, requests=[]))
    assert "created earlier, in notebook 03" in text
    assert "clicks Fail test setup" in text and "redirect_status=failed" in text
    waiting = repr(diagrams.redirect_sequence(INTENT | {"status": "requires_action"}, requests=[]))
    assert waiting.endswith("Note over Browser: waiting for the customer to click Set up Amazon Pay")
    assert "confirmAmazonPaySetup" not in waiting


def test_redirect_sequence_of_a_setup_decided_before_this_run():
    """Notebook 04 run again after success: no redirect came back, and none may be drawn (it drew
    the customer clicking *Fail test setup*)."""
    earlier = SimpleNamespace(redirect_status=None, status="succeeded")
    text = repr(diagrams.redirect_sequence(INTENT | {"status": "succeeded"}, outcome=earlier, requests=[]))
    assert "Note over Browser,API: no redirect this time: seti_1Abc234 was already succeeded" in text
    assert "Fail test setup" not in text and "confirmAmazonPaySetup" not in text
    unseen = repr(diagrams.redirect_sequence(INTENT | {"status": "succeeded"}, outcome=None, requests=[]))
    assert "no redirect this time: seti_1Abc234 was already succeeded" in unseen
    assert "waiting for the customer" not in unseen


def test_object_map_shows_the_ids_and_what_is_missing():
    text = repr(diagrams.object_map({"product": "prod_1Abc", "price": "price_1Abc"}))
    assert text.startswith("flowchart TB\n")
    assert '        product["Product<br/>prod_1Abc"]' in text
    assert '        charge["Charge<br/>not yet, notebook 05"]' in text
    assert "    invoice_payment -->|payment.payment_intent| payment_intent" in text
    assert text.endswith("class customer,setup_intent,payment_method,mandate,subscription,"
                         "subscription_item,invoice,invoice_payment,payment_intent,charge missing")
    complete = {node: f"{node}_1" for node in diagrams.NODES}
    assert "missing" not in repr(diagrams.object_map(complete))


def test_the_same_run_draws_the_same_text():
    ids = {"product": "prod_1", "customer": "cus_1"}
    assert diagrams.object_map(ids) == diagrams.object_map(dict(ids))
    assert diagrams.state_diagram("subscription", "active") == diagrams.state_diagram("subscription", "active")


def test_object_ids_follow_the_subscription_to_its_charge(learner_env, monkeypatch):
    monkeypatch.setattr(progress, "authorize", progress.authorize_on_sandbox_page)
    monkeypatch.setitem(progress.GUIDE_CUSTOMER, "email", "object-map@example.com")
    progress.catch_up("subscription")
    client_mod.clear_log()
    ids = diagrams.object_ids()
    assert client_mod.entries() == []  # looked up without being logged
    assert all(ids.values()), ids
    assert ids["subscription_item"].startswith("si_") and ids["invoice_payment"].startswith("inpay_")
    assert ids["payment_intent"].startswith("pi_") and ids["charge"].startswith("ch_")
    assert "not yet" not in repr(diagrams.object_map())


# --- drawn by JupyterLab ----------------------------------------------------------------------------

def _notebook_with(outputs: list[diagrams.Mermaid], path: Path) -> None:
    cells = []
    for diagram in outputs:
        cell = nbformat.v4.new_code_cell("diagram", execution_count=1)
        cell.outputs = [nbformat.v4.new_output("display_data", data={
            "text/markdown": diagram._repr_markdown_(), "text/plain": repr(diagram)})]
        cells.append(cell)
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)


async def _count_drawn(url: str, expected: int) -> tuple[int, int]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=autopilot.chromium_path(),
                                                   args=autopilot.LAUNCH_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1200, "height": 4000})
            await page.goto(url)
            drawn = page.locator(".jp-RenderedMermaid:not(.jp-mod-warning) img")
            warned = page.locator(".jp-RenderedMermaid.jp-mod-warning")
            deadline = time.monotonic() + 2 * PATIENCE  # JupyterLab's page is slow on a busy machine
            while time.monotonic() < deadline and await drawn.count() + await warned.count() < expected:
                await asyncio.sleep(0.5)
            return await drawn.count(), await warned.count()
        finally:
            await browser.close()


@pytest.mark.browser
@pytest.mark.skipif(not autopilot.browser_available(), reason="no Chromium found (set CHROMIUM_PATH)")
def test_jupyterlab_draws_every_kind_of_diagram(tmp_path):
    outcome = SimpleNamespace(redirect_status="succeeded", status="succeeded")
    good = [
        *(diagrams.state_diagram(kind, state) for kind, state in
          (("setup_intent", "requires_action"), ("subscription", "past_due"), ("invoice", "paid"))),
        diagrams.object_map({"product": "prod_1", "price": "price_1", "customer": "cus_1"}),
        diagrams.redirect_sequence(INTENT, outcome=outcome, events=[event("setup_intent.succeeded",
                                   "seti_1Abc234")], requests=[entry("POST", "/v1/setup_intents", "seti_1Abc234")]),
    ]
    broken = diagrams.Mermaid("flowchart LR\n    a -->|unclosed b")  # proves errors are seen
    _notebook_with([*good, broken], tmp_path / "diagrams.ipynb")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path), "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path)}
    with jupyterlab(tmp_path, "diagrams", env=env) as server:
        url = f"{server['url']}lab/tree/diagrams.ipynb?token=diagrams"
        with ThreadPoolExecutor(1) as pool:  # its own event loop: other tests may run one here
            drawn, warned = pool.submit(asyncio.run, _count_drawn(url, len(good) + 1)).result()
    assert (drawn, warned) == (len(good), 1)
