"""Issue 21: a form for every operation the sandbox serves, built from stripe-python's params
types, and its required-fields-only request sent as a learner fills it."""

from __future__ import annotations

import time
from typing import Any

import pytest

from helpers.explorer import catalog, send
from helpers.explorer.form import Input, Items, Object
from helpers.explorer.params import Field
from helpers.explorer.request_form import RequestForm, id_kind
from support.stripe_objects import authorized_customer, monthly_price, open_invoice

# Answers that mean the form built a request the API does not take (a wrong name, type, or a
# missing required field): never acceptable from a form made from the SDK's types.
SCHEMA_ERRORS = ("parameter_unknown", "parameter_missing", "parameter_invalid_integer", "parameter_invalid_string",
                 "parameter_invalid_boolean", "parameter_invalid_array", "parameter_invalid_object",
                 "parameter_invalid_decimal", "parameter_invalid_empty")
# What a learner types where a required string is not an ID (by the field's name).
TYPED = {"url": "http://127.0.0.1:9/webhooks", "currency": "usd", "return_url": "https://www.stripe.com",
         "query": "email:'nobody@example.com'", "name": "Explorer", "type": "amazon_pay"}


def learner_fills(found: Input, form: RequestForm) -> None:
    """Fill the required fields of ``found`` as a learner would (IDs from those offered)."""
    field: Field = found.field
    if isinstance(found, Object):
        for child in found.inputs.values():
            if child.field.required:
                learner_fills(child, form)
        return
    if isinstance(found, Items):
        learner_fills(found.add(), form)
        return
    if field.kind == "enum":
        found.fill(field.options[0])
    elif field.kind == "boolean":
        found.fill(True)
    elif field.kind == "integer":
        found.fill(int(time.time()) + 3600 if "time" in field.name else 1)
    elif field.kind == "choice":
        found.fill(1)
    else:
        offered = form.ids_for_in_order(id_kind(field.name, form.operation))
        found.fill(offered[0] if offered else TYPED.get(field.name, "explorer"))


def first_offered(form: RequestForm, ids: list[str], kind: str | None) -> list[str]:
    """The IDs the form offers for ``kind``, in the order the test lists them (the form sorts)."""
    offered = set(form.ids_for(kind))
    return [i for i in ids if i in offered]


def required_only(operation: catalog.Operation, ids: list[str]) -> RequestForm:
    form = RequestForm(operation, lambda: ids)
    form.ids_for_in_order = lambda kind: first_offered(form, ids, kind)
    names = list(form.path_inputs)
    form.fill([form.ids_for_in_order(id_kind(n, operation, i == len(names) - 1))[0] for i, n in enumerate(names)])
    for found in form.fields:
        if found.required:
            learner_fills(form.inputs[found.name], form)
    return form


def sandbox_operations() -> list[catalog.Operation]:
    from helpers.sandbox import resources  # noqa: F401 - registers the routes
    from helpers.sandbox.api.router import api

    routes = {catalog.route_of(r.method, r.pattern) for r in api.routes}
    found = [op for op in catalog.operations() if op.route in routes]
    ending = ("delete", "cancel", "void", "detach")  # what ends an object, last
    return sorted(found, key=lambda op: (op.name in ending, op.resource == "customers", op.call))


def in_the_state_it_needs(client) -> dict[str, list[str]]:
    """For the operations that depend on their object's state, an object in a state they accept (a
    learner picks the ID of such an object; the world's own are paid, attached or confirmed)."""
    price = monthly_price(client)
    ready: dict[str, list[str]] = {}
    for call in ("client.v1.invoices.pay", "client.v1.payment_intents.confirm"):
        customer, intent = authorized_customer(client)
        subscription = client.v1.subscriptions.create(params={
            "customer": customer.id, "items": [{"price": price.id}], "payment_behavior": "default_incomplete",
            "default_payment_method": intent.payment_method, "expand": ["latest_invoice.payments"]})
        invoice = subscription.latest_invoice
        ready[call] = [invoice.id] if call.endswith("pay") else [invoice.payments.data[0].payment.payment_intent]
    ready["client.v1.payment_methods.attach"] = [client.v1.payment_methods.create(params={"type": "amazon_pay"}).id]
    ready["client.v1.invoices.void_invoice"] = [open_invoice(client)[1].id]
    waiting = client.v1.payment_methods.create(params={"type": "amazon_pay"})
    ready["client.v1.setup_intents.confirm"] = [client.v1.setup_intents.create(params={"payment_method": waiting.id}).id]
    for call in ("client.v1.setup_intents.update", "client.v1.setup_intents.cancel"):
        ready[call] = [client.v1.setup_intents.create().id]
    # the form's times are an hour from now: a clock frozen now
    ready["client.v1.test_helpers.test_clocks.advance"] = [
        client.v1.test_helpers.test_clocks.create(params={"frozen_time": int(time.time())}).id]
    # Stripe refuses to delete a product that has prices
    ready["client.v1.products.delete"] = [client.v1.products.create(params={"name": "No prices"}).id]
    return ready


def kind_of(identifier: str) -> str:
    return identifier.rsplit("_", 1)[0]


def test_every_operation_the_sandbox_serves_has_a_form_and_its_required_only_request_is_taken(world):
    operations = sandbox_operations()
    assert len(operations) == len(send.sandbox_routes()) == 64
    ready = in_the_state_it_needs(send.sandbox_client())
    answers: dict[str, Any] = {}
    conditional: dict[str, str] = {}  # what the types cannot say: a parameter required in some cases
    for operation in operations:
        chosen = ready.get(operation.call, [])
        offered = chosen + [i for i in world if kind_of(i) not in {kind_of(c) for c in chosen}]
        form = required_only(operation, offered)
        path, params = form.values()
        assert set(params) == {f.name for f in form.fields if f.required}, operation.call
        answer = send.send(operation, path, params)
        code = answer.error.get("code") if answer.error else None
        if code == "parameter_missing":  # required by the API where the types say optional
            assert answer.error["param"] not in form.required, answer.error
            conditional[operation.call] = answer.error["param"]
        else:
            assert code not in SCHEMA_ERRORS, f"{operation.call} {params}: {answer.error}"
        answers[operation.call] = 200 if answer.ok else f"{answer.status} {code or answer.error['type']}"
    refused = {call: status for call, status in answers.items() if status != 200 and call not in conditional}
    assert refused == {}
    # Required by the API although stripe-python's types call them optional (so a form cannot know):
    assert conditional == {"client.v1.payment_methods.create": "type", "client.v1.payment_methods.attach": "customer",
                           "client.v1.prices.create": "product",
                           "client.v1.subscriptions.create": "customer",
                           "client.v1.setup_intents.confirm": "return_url"}
    print(f"{len(answers) - len(conditional)} of {len(operations)} answered 2xx; "
          f"required although the types say optional: {conditional}")


def test_the_not_emulated_are_refused_before_anything_is_sent(learner_env):
    from helpers import client
    from helpers.problems import NextStep

    before = len(client.entries())
    with pytest.raises(NextStep, match=r"^The sandbox does not emulate POST /v1/refunds .*Stripe test mode has it"):
        send.send(catalog.find("refunds.create"), (), {"payment_intent": "pi_1"})
    assert len(client.entries()) == before
