"""Mermaid diagrams (helpers.diagrams): their text, and that JupyterLab draws them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
import stripe

from helpers import autopilot, diagrams, progress
from helpers import client as client_mod
from helpers.client import LogEntry

pytestmark = pytest.mark.xdist_group("diagrams-jupyterlab")  # one JupyterLab for the module

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
    assert text.startswith("flowchart TB\n    %% Invoice, now open\n")
    assert arrow(text, "draft", "open", "finalized") and arrow(text, "open", "paid", "payment succeeds")
    assert arrow(text, "begin", "draft", "created") and arrow(text, "paid", "finish")
    assert text.endswith("class open current")


def arrow(text: str, before: str, after: str, why: str = "") -> str | None:
    """The arrow (``-->``, ``--->`` …) drawn from ``before`` to ``after`` (with label ``why``), or None."""
    words = r"(?: |<br/>)".join(re.escape(word) for word in why.split())  # labels wrap onto lines
    label = rf'\|"{words}"\|' if why else r"(\|[^|]*\|)?"
    found = re.search(rf"\n    {before} (-+>){label} {after}\n", text + "\n")
    return found.group(1) if found else None


def test_state_diagram_of_an_object_uses_its_type_and_status():
    text = repr(diagrams.state_diagram(INTENT | {"status": "requires_action"}))
    assert arrow(text, "requires_action", "requires_payment_method", "customer declined: Fail test setup")
    assert "class requires_action current" in text
    subscription = repr(diagrams.state_diagram({"object": "subscription", "status": "past_due"}))
    assert arrow(subscription, "active", "past_due", "a renewal payment fails")
    assert "class past_due current" in subscription


def test_a_way_back_is_drawn_longer_so_two_labels_never_sit_side_by_side():
    """Issue 16.12: 08's stacked past_due labels, 05's "within 23 hours" over its neighbour."""
    text = repr(diagrams.state_diagram("subscription", "active"))
    there, back = arrow(text, "active", "past_due"), arrow(text, "past_due", "active")
    assert len(back) > len(there)


def test_state_diagrams_draw_every_transition_stripe_documents():
    """Issue 17.6: the SetupIntent lacked three of the lifecycle page's transitions (one of them
    the path 04 takes after a decline), the Subscription two."""
    def drawn(kind: str, before: str, after: str) -> bool:
        return arrow(repr(diagrams.state_diagram(kind)), before, after) is not None

    for before, after in (("requires_confirmation", "canceled"), ("processing", "requires_payment_method"),
                          ("requires_payment_method", "requires_action")):
        assert drawn("setup_intent", before, after), (before, after)
    assert drawn("subscription", "trialing", "past_due") and drawn("subscription", "unpaid", "active")


def test_state_diagram_names_a_state_it_does_not_draw_and_refuses_unknown_objects():
    text = repr(diagrams.state_diagram("invoice", "sideways"))
    assert "class sideways" not in text and 'now["now sideways, not drawn here"]' in text
    with pytest.raises(ValueError, match="No state diagram for 'charge'"):
        diagrams.state_diagram({"object": "charge", "status": "succeeded"})


def visits(*kinds: str) -> list[SimpleNamespace]:
    """``"page"``, ``"secret"``, ``"returned:failed"`` …, as ``server.visits_of`` answers."""
    return [SimpleNamespace(kind=k.split(":")[0], redirect_status=(k.split(":") + [None])[1]) for k in kinds]


AUTHORIZED = visits("page", "secret", "returned:succeeded")


def test_redirect_sequence_from_this_run():
    log = [
        entry("POST", "/v1/setup_intents", "seti_1Abc234", params=(("usage", "off_session"),)),
        entry("GET", "/v1/setup_intents/seti_1Abc234", "seti_1Abc234"),
    ]
    events = [event("setup_intent.succeeded", "seti_1Abc234"), event("customer.created", "cus_9"),
              event("payment_method.attached", "pm_1Abc234")]
    text = repr(diagrams.redirect_sequence(INTENT, visits=AUTHORIZED, events=events, requests=log))
    lines = text.splitlines()
    assert lines[0] == diagrams.SEQUENCE_LAYOUT and lines[1] == "sequenceDiagram"
    assert "    Server->>API: POST /v1/setup_intents, confirm=true, usage=off_session" in lines
    assert "    API-->>Server: 200 seti_1Abc234 requires_action" in lines
    assert "    Browser->>Server: GET / (the checkout page)" in lines
    assert "    Browser->>Server: GET /secret" in lines
    assert "    JS->>API: POST confirm, with the publishable key" in lines
    assert "    Note over Amazon: the customer clicks Authorize test setup" in lines
    assert "    Browser->>Server: GET /complete, redirect_status=succeeded" in lines
    assert "    API-->>Server: succeeded, with its payment_method and mandate" in lines
    webhooks = [line for line in lines if "/webhooks" in line]
    assert webhooks == ["    API--)Server: POST /webhooks setup_intent.succeeded",
                        "    API--)Server: POST /webhooks payment_method.attached"]
    assert "secret_" not in text  # the client_secret never appears


def test_redirect_sequence_takes_an_event_list_from_the_api_newest_first():
    listed = stripe.ListObject.construct_from({"object": "list", "url": "/v1/events", "has_more": False, "data": [
        event("payment_method.attached", "pm_1Abc234"), event("setup_intent.succeeded", "seti_1Abc234")]}, None)
    text = repr(diagrams.redirect_sequence(INTENT, visits=AUTHORIZED, events=listed, requests=[]))
    webhooks = [line.split()[-1] for line in text.splitlines() if "/webhooks" in line]
    assert webhooks == ["setup_intent.succeeded", "payment_method.attached"]


def test_redirect_sequence_draws_a_declined_first_attempt():
    """Issue 16.13: a decline, then the retry that was authorized: both drawn, in order."""
    text = repr(diagrams.redirect_sequence(
        INTENT, visits=visits("page", "secret", "returned:failed", "page", "secret", "returned:succeeded"),
        requests=[]))
    assert "created earlier (notebook 03)" in text
    assert text.count("GET / (the checkout page)") == 2 and text.count("GET /secret") == 2
    fail, authorize = text.index("clicks Fail test setup"), text.index("clicks Authorize test setup")
    assert fail < text.index("API-->>Server: requires_payment_method") < authorize


def test_redirect_sequence_draws_no_browser_where_none_came():
    """Issue 16.13: `GET /` and `GET /secret` were drawn after a re-run that loaded no page."""
    earlier = repr(diagrams.redirect_sequence(INTENT | {"status": "succeeded"}, visits=[], requests=[]))
    assert "no browser came in this run: seti_1Abc234 was already succeeded" in earlier
    for step in ("GET /", "GET /secret", "Fail test setup", "confirmAmazonPaySetup"):
        assert step not in earlier
    waiting = repr(diagrams.redirect_sequence(INTENT | {"status": "requires_action"}, visits=[], requests=[]))
    assert waiting.endswith("Note over Browser,Server: no browser yet: waiting for the customer")
    assert "GET /" not in waiting
    old_style = repr(diagrams.redirect_sequence(INTENT | {"status": "succeeded"},  # an outcome, no visits
                                                outcome=SimpleNamespace(redirect_status=None), requests=[]))
    assert "no browser came in this run" in old_style and "GET /secret" not in old_style


def test_object_map_shows_the_ids_and_what_is_missing():
    text = repr(diagrams.object_map({"product": "prod_1Abc", "price": "price_1Abc"}))
    assert text.startswith("flowchart TB\n")
    assert '    product["Product"]' in text and "| Product | `prod_1Abc` |" in text
    assert "| Charge | not yet (notebook 05) |" in text
    assert "    invoice_payment -->|payment.payment_intent| payment_intent" in text
    assert "class setup_intent,mandate,payment_method,customer,subscription,subscription_item,invoice," \
           "invoice_payment,payment_intent,charge missing" in text
    complete = {node: f"{node}_1" for node in diagrams.NODES}
    assert "missing" not in repr(diagrams.object_map(complete))


# The stripe-python class of each node: every arrow leaves the object whose field it is.
CLASSES = {"setup_intent": stripe.SetupIntent, "mandate": stripe.Mandate, "payment_method": stripe.PaymentMethod,
           "customer": stripe.Customer, "subscription": stripe.Subscription,
           "subscription_item": stripe.SubscriptionItem, "price": stripe.Price, "product": stripe.Product,
           "invoice": stripe.Invoice, "invoice_payment": stripe.InvoicePayment,
           "payment_intent": stripe.PaymentIntent, "charge": stripe.Charge}


def test_every_arrow_of_the_object_map_leaves_the_object_holding_the_field():
    """Issue 16.12: arrows pointed both ways (product → price for price.product, setup_intent →
    payment_method for setup_intent.payment_method)."""
    for source, target, field in diagrams.EDGES:
        declared = {name for cls in CLASSES[source].__mro__ for name in getattr(cls, "__annotations__", {})}
        assert field.split(".")[0] in declared, (source, field)
        assert target in CLASSES and source != target


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


# --- drawn by JupyterLab, read at a 1280 px window ----------------------------------------------

FULL = {"product": "prod_mlXolTNOBxni8P", "price": "price_DYL2yqr0PWBWp1LwnqEObr6V",
        "customer": "cus_IdWTEYSsCQHyxM", "setup_intent": "seti_7rd9TjA3mHN905CKogOBxAwQ",
        "payment_method": "pm_I1yFZDmJ6CX7uiHqHGpjbgBx", "mandate": "mandate_1xQzxaHDAF1ePVtCjPIRrJYi",
        "subscription": "sub_NyFpnSBUegf3FpkWU69gLuBR", "subscription_item": "si_dxKM58GM4YAsRK",
        "invoice": "in_PQ8OYV8UVTm9kiZEos5mH66H", "invoice_payment": "inpay_TnQ2Q6m3BxdqnSffJd0QKYL7",
        "payment_intent": "pi_YAnxR0UuGl7HFRuCBHtUpXo9", "charge": "ch_pJ49krlX9Y91jV8ock5b96ti"}
SMALLEST_LABEL_PX = 11  # issue 16.12: "readable without zooming"


def every_diagram() -> dict[str, diagrams.Mermaid]:
    """Each diagram the notebooks draw, as long as a real run makes it."""
    intent = INTENT | {"id": FULL["setup_intent"], "payment_method": FULL["payment_method"], "mandate": FULL["mandate"]}
    drawn = {f"{kind} {state}": diagrams.state_diagram(kind, state) for kind, state in
             (("setup_intent", "requires_action"), ("setup_intent", "succeeded"),
              ("subscription", "active"), ("subscription", "past_due"), ("invoice", "paid"))}
    drawn["object map"] = diagrams.object_map(FULL)
    drawn["object map, 01 only"] = diagrams.object_map({"product": FULL["product"], "price": FULL["price"]})
    drawn["redirect, declined then authorized"] = diagrams.redirect_sequence(
        intent, visits=visits("page", "secret", "returned:failed", "page", "secret", "returned:succeeded"),
        events=[event("setup_intent.succeeded", intent["id"])],
        requests=[entry("POST", "/v1/setup_intents", intent["id"], params=(("usage", "off_session"),)),
                  entry("GET", f"/v1/setup_intents/{intent['id']}", intent["id"])])
    return drawn


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


METRICS = "\n".join(line for line in (Path(__file__).parent / "support" / "mermaid_metrics.js").read_text()
                    .splitlines() if not line.startswith("//"))


@pytest.fixture(scope="module")
def drawn(tmp_path_factory, browser):
    """Every diagram, drawn by a real JupyterLab in Chromium at 1280 × 800 and measured; and a
    broken one, to prove that a diagram JupyterLab cannot draw is seen."""
    from support.jupyterlab import running_lab

    home = tmp_path_factory.mktemp("diagrams")
    (home / "root").mkdir()
    diagrams_ = every_diagram()
    broken = diagrams.Mermaid("flowchart LR\n    a -->|unclosed b")
    _notebook_with([*diagrams_.values(), broken], home / "root" / "diagrams.ipynb")
    with running_lab(home, flags=[f"--ServerApp.root_dir={home / 'root'}"]) as lab:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(lab.notebook_url("diagrams.ipynb"))
        page.wait_for_function(
            "document.querySelectorAll('.jp-RenderedMermaid img, .jp-RenderedMermaid.jp-mod-warning').length"
            f" >= {len(diagrams_) + 1}", timeout=120_000)
        warned = page.locator(".jp-RenderedMermaid.jp-mod-warning").count()
        measured = page.evaluate(METRICS)
        page.close()
    return dict(zip(diagrams_, measured, strict=True)), warned


@pytest.mark.browser
@pytest.mark.skipif(not autopilot.browser_available(), reason="no Chromium found (set CHROMIUM_PATH)")
def test_jupyterlab_draws_every_diagram_and_shows_a_broken_one(drawn):
    measured, warned = drawn
    assert len(measured) == len(every_diagram()) and warned == 1


@pytest.mark.browser
@pytest.mark.skipif(not autopilot.browser_available(), reason="no Chromium found (set CHROMIUM_PATH)")
@pytest.mark.parametrize("name", list(every_diagram()))
def test_a_diagram_is_readable_at_1280_px_without_zooming(drawn, name):
    """Issue 16.12: labels were 6 to 9 px (state diagrams, 04's sequence, the object map), an edge
    ran behind a box (the object map's default_payment_method), labels overlapped (05's "within 23
    hours", 08's stacked past_due labels). Measured on the SVG as JupyterLab shows it."""
    found = drawn[0][name]
    assert found["labels"], name
    small = [(label["text"], label["px"]) for label in found["labels"] if label["px"] < SMALLEST_LABEL_PX]
    assert small == [], f"{name}: labels under {SMALLEST_LABEL_PX} px at {found['width']:.0f} px wide"
    assert found["overlaps"] == [], name
    assert found["behind"] == [], name
