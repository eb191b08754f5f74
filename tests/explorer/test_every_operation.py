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
        offered = form.ids_for(id_kind(field.name, form.operation))
        found.fill(offered[0] if offered else TYPED.get(field.name, "explorer"))


def required_only(operation: catalog.Operation, ids: list[str]) -> RequestForm:
    form = RequestForm(operation, lambda: ids)
    names = list(form.path_inputs)
    form.fill([form.ids_for(id_kind(n, operation, i == len(names) - 1))[0] for i, n in enumerate(names)])
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


def test_every_operation_the_sandbox_serves_has_a_form_and_its_required_only_request_is_taken(world):
    operations = sandbox_operations()
    assert len(operations) == len(send.sandbox_routes()) == 64
    answers: dict[str, Any] = {}
    conditional: dict[str, str] = {}  # what the types cannot say: a parameter required in some cases
    for operation in operations:
        form = required_only(operation, world)
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
    succeeded = [call for call, status in answers.items() if status == 200]
    refused = {call: status for call, status in answers.items() if status != 200}
    # Refused for what the objects are (a detached PaymentMethod, a paid invoice), never for the request's shape.
    assert len(succeeded) >= 50, refused
    assert all(code.startswith(("400", "402", "404")) for code in refused.values()), refused
    print(f"{len(succeeded)} of {len(operations)} answered 2xx; refused: {refused}; "
          f"required although the types say optional: {conditional}")


def test_the_not_emulated_are_refused_before_anything_is_sent(learner_env):
    from helpers import client
    from helpers.problems import NextStep

    before = len(client.entries())
    with pytest.raises(NextStep, match=r"^The sandbox does not emulate POST /v1/refunds .*Stripe test mode has it"):
        send.send(catalog.find("refunds.create"), (), {"payment_intent": "pi_1"})
    assert len(client.entries()) == before
