"""Issue 21: the explorer's forms refuse what the API would (before sending), the version diff,
the offline fidelity report, and copy-as-code that runs as copied."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import stripe

from helpers.explorer import catalog, code, compare, send
from helpers.explorer.form import parse_extra
from helpers.explorer.params import read
from helpers.explorer.request_form import RequestForm
from helpers.forms import FormError
from helpers.sandbox.client import keys
from helpers.sandbox.client.process import free_port

pytestmark = pytest.mark.xdist_group("stripe-node")  # one stripe-node install (session fixture) for both modules that run it

ROOT = Path(__file__).resolve().parents[2]
GUIDE_MANDATE = {"customer_acceptance": {"type": "online", "online": {"ip_address": "127.0.0.0", "user_agent": "device"}}}


def test_the_form_reads_stripe_pythons_types():
    fields = {f.name: f for f in read(catalog.find("setup_intents.create").params_class())}
    assert fields["usage"].kind == "enum" and fields["usage"].options == ("off_session", "on_session")
    assert fields["confirm"].kind == "boolean" and fields["mandate_data"].kind == "object"
    assert fields["mandate_data"].unsettable  # Literal[''] | ...: "" unsets it
    assert fields["metadata"].kind == "map" and fields["allowed_payment_method_types"].kind == "list"
    assert "SetupIntent" in fields["confirm"].doc  # the SDK's docstring
    created = {f.name: f for f in read(catalog.find("customers.list").params_class())}["created"]
    assert created.kind == "choice" and [a.kind for a in created.alternatives] == ["object", "integer"]
    assert RequestForm(catalog.find("test_helpers.test_clocks.advance")).required == ["test_clock", "frozen_time"]


@pytest.mark.parametrize(("values", "sentence"), [
    ({"unit_amount": "15.00", "currency": "usd"}, "unit_amount must be an integer (digits only), not '15.00'."),
    ({"currency": "usd", "recurring": {"interval_count": 1}}, "recurring[interval] is required: choose one of day, month, week, year."),
    ({"currency": "usd", "unit_amount_decimal": "1,5"}, "unit_amount_decimal must be a number (use a dot for decimals), not '1,5'."),
    ({}, "currency is required."),
])
def test_wrong_answers_learners_give_are_named_before_sending(values, sentence):
    form = RequestForm(catalog.find("prices.create")).fill(**values)
    with pytest.raises(FormError) as refused:
        form.values()
    assert str(refused.value) == sentence


def test_an_enum_takes_only_its_values_and_an_unknown_name_goes_to_extra_parameters():
    form = RequestForm(catalog.find("setup_intents.create"))
    with pytest.raises(FormError, match="usage must be one of off_session, on_session, not 'offline'"):
        form.fill(usage="offline")
    with pytest.raises(FormError, match="payment_method_types is not a parameter .* extra parameters"):
        form.fill(payment_method_types=["amazon_pay"])


def test_empty_fields_are_not_sent_and_an_optional_checkbox_only_once_clicked():
    form = RequestForm(catalog.find("subscriptions.create"))
    assert form.values() == ((), {})
    off_session = form.inputs["off_session"]
    off_session.box.value = True
    off_session.box.value = False  # clicked twice: false is sent
    assert form.values()[1] == {"off_session": False}
    off_session.clear.click()
    assert form.values()[1] == {}
    assert form.inputs["automatic_tax"].inputs  # an object opened but left empty is not sent
    assert form.values()[1] == {}


def test_extra_parameters_are_read_as_stripe_writes_them():
    assert parse_extra("payment_method_types[]=amazon_pay\n# a comment\nitems[0][price]=price_1\nmetadata[a]=b%20c") == {
        "payment_method_types": ["amazon_pay"], "items": [{"price": "price_1"}], "metadata": {"a": "b c"}}
    with pytest.raises(FormError, match="line 1: write name=value"):
        parse_extra("payment_method_types")


def guide_call(customer: str) -> dict:
    return {"confirm": True, "customer": customer, "payment_method_data": {"type": "amazon_pay"},
            "payment_method_types": ["amazon_pay"], "usage": "off_session", "mandate_data": GUIDE_MANDATE,
            "return_url": "https://www.stripe.com"}


def test_the_version_diff_shows_endives_removal_of_payment_method_types(learner_env):
    customer = send.send(catalog.find("customers.create"), (), {"email": "v@example.com"})
    found = compare.compare_versions(catalog.find("setup_intents.create"), (), guide_call(customer.object_id),
                                     ("2026-07-29.dahlia", stripe.api_version))
    differences = found.differences
    assert differences["status"] == [200, 400] and differences["object_status"] == ["requires_action", None]
    assert differences["error"][1]["code"] == "payment_method_types_no_longer_supported"
    assert differences["error"][1]["param"] == "payment_method_types"
    assert found.table()["what"].tolist() == ["status", "object", "object_status", "error", "fields"]
    older = compare.compare_versions(catalog.find("setup_intents.retrieve"), (found.first.object_id,), {},
                                     ("2026-06-24.dahlia", stripe.api_version))
    assert older.differences["fields_only_in_second"] == ["allowed_payment_method_types"]
    assert older.values()["field"].tolist() == ["allowed_payment_method_types"]
    same = compare.compare_versions(catalog.find("customers.retrieve"), (customer.object_id,), {},
                                    (stripe.api_version, "2026-09-30.endive"))
    assert compare.is_same(same.differences) and "Both answers match" in repr(same.table())


def test_offline_the_fidelity_report_says_test_mode_could_not_be_reached(learner_env, monkeypatch, tmp_path):
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    report = compare.fidelity(catalog.find("customers.create"), params={"email": "f@example.com", "metadata": {"k": "v"}})
    assert report.data["test_mode"] == {"reached": False, "why": (
        "Stripe test mode could not be reached: no test key is configured (STRIPE_SECRET_KEY=sk_test_… in the "
        "environment or .env).")}
    assert report.data["sandbox"] == {"reached": True, "status": 200, "object": "customer", "object_status": None,
                                      "error": None}
    assert report.data["parameters"] == ["email", "metadata[k]"] and report.data["same"] is None
    saved = json.loads(report.save(tmp_path).read_text())
    assert saved == report.data
    # A test key, but Stripe does not answer (no network): the report says so, without the key.
    key = "sk_test_" + "x" * 24
    monkeypatch.setenv("STRIPE_SECRET_KEY", key)
    monkeypatch.setattr(send, "TEST_MODE_BASE", f"http://127.0.0.1:{free_port()}")
    unreachable = compare.fidelity(catalog.find("customers.list"), params={"limit": 1})
    assert not unreachable.reached and unreachable.data["test_mode"]["why"].startswith(
        "Stripe test mode could not be reached: Stripe cannot be reached")
    assert key not in unreachable.text() and "cus_" not in report.text()


def test_the_fidelity_report_compares_what_matters_and_never_carries_ids(learner_env, sandbox, monkeypatch):
    """Two backends that answer alike (the sandbox twice, through the test-mode path): same."""
    monkeypatch.setenv("STRIPE_SECRET_KEY", keys.keys()[0])
    monkeypatch.setattr(send, "TEST_MODE_BASE", sandbox.url)
    customer = send.send(catalog.find("customers.create"), (), {"email": "ids@example.com"})
    report = compare.fidelity(catalog.find("customers.retrieve"), (customer.object_id,), {"expand": ["test_clock"]})
    assert report.reached and report.data["same"] is True and report.data["ids_in_request"] is True
    assert customer.object_id not in report.text() and keys.keys()[0] not in report.text()
    other = compare.differences(customer, send.send(catalog.find("customers.retrieve"), ("cus_missing0000",)))
    assert other["status"] == [200, 404] and other["error"][1] == {
        "type": "invalid_request_error", "code": "resource_missing", "param": "id"}


def _run(command: list[str], env: dict[str, str]) -> dict:
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout[done.stdout.index("{"):])


def test_copy_as_code_runs_as_copied(learner_env, tmp_path):
    """curl and stripe-python, as the explorer shows them, with the key from the environment."""
    answer = send.send(catalog.find("customers.list"), (), {"email": "code@example.com", "limit": 2})
    assert keys.keys()[0] not in code.curl(answer) + code.python(answer) + code.node(answer)
    env = {**os.environ, "STRIPE_SECRET_KEY": keys.keys()[0]}
    script = tmp_path / "request.py"
    script.write_text(code.python(answer).replace("print(answer)", "print(json.dumps(answer.to_dict()))")
                      .replace("import os", "import json\nimport os"))
    assert _run([sys.executable, str(script)], env)["url"] == "/v1/customers"
    assert _run(["bash", "-c", code.curl(answer).replace("python3", sys.executable)], env)["object"] == "list"


@pytest.mark.parametrize("sdk", ["customers.create", "customers.payment_methods.list"])
def test_the_node_program_runs_as_copied(learner_env, stripe_node, tmp_path, sdk):
    customer = send.send(catalog.find("customers.create"), (), {"email": "node@example.com"})
    answer = (customer if sdk == "customers.create" else
              send.send(catalog.find(sdk), (customer.object_id,), {"limit": 3, "type": "amazon_pay"}))
    program = tmp_path / "request.js"
    program.write_text(code.node(answer))
    env = {**os.environ, "STRIPE_SECRET_KEY": keys.keys()[0], "NODE_PATH": str(stripe_node.modules)}
    body = _run(["node", str(program)], env)
    assert body["object"] == ("customer" if sdk == "customers.create" else "list")


def test_node_method_names_match_stripe_node(stripe_node, tmp_path):
    """Every top-level operation's stripe-node name, as stripe-node itself makes the request."""
    program = tmp_path / "names.js"
    program.write_text("""const Stripe = require('stripe'); const stripe = new Stripe('sk_test_x'); const out = {};
for (const name of process.argv.slice(2)) { let target = stripe; const parts = name.split('.');
  for (const part of parts.slice(0, -1)) target = target && target[part];
  out[name] = !!(target && typeof target[parts[parts.length - 1]] === 'function'); }
console.log(JSON.stringify(out));""")
    names = {op.call: code.node_method(op) for op in catalog.operations() if code.node_method(op)}
    found = _run(["node", str(program), *names.values()], {**os.environ, "NODE_PATH": str(stripe_node.modules)})
    assert [call for call, name in names.items() if not found[name]] == []
    assert len(names) > 480
