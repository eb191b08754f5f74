"""Response views on real sandbox objects (helpers.show)."""

from __future__ import annotations

import json
import re

import pytest
import stripe

from helpers import client as client_mod
from helpers import show


@pytest.fixture
def shown(monkeypatch):
    """Captures what show() hands to IPython's display()."""
    out: list = []
    monkeypatch.setattr(show, "display", out.append)
    return out


@pytest.fixture
def price(client):
    product = client.v1.products.create(params={"name": "Stock photo service"})
    return client.v1.prices.create(params={
        "product": product.id, "unit_amount": 1500, "currency": "usd",
        "recurring": {"interval": "month"}})


def test_to_plain_accepts_stripe_objects_dicts_and_lists(price, client):
    plain = show.to_plain(price)
    assert type(plain) is dict and plain["unit_amount"] == 1500
    assert isinstance(plain["recurring"], dict)
    listed = show.to_plain(client.v1.prices.list(params={"limit": 1}))
    assert listed["object"] == "list" and isinstance(listed["data"][0], dict)
    assert show.to_plain([{"a": 1}]) == [{"a": 1}]


def test_flat_uses_dotted_paths_in_a_stable_order():
    fields = show.flat({"object": "x", "b": {"z": 1, "a": [{"k": None}]}, "id": "x_1", "e": {}})
    assert list(fields) == ["id", "object", "b.a.0.k", "b.z", "e"]
    assert fields["e"] == {}


def test_show_displays_summary_and_tree_and_the_table_on_request(price, shown):
    """Issue 10: the flat table of every field is opt-in (``table=True``)."""
    show.show(price)
    assert "<b>price</b>" in shown[0].data and "Table (" not in shown[0].data
    shown.clear()
    assert show.show(price, table=True) is None
    (output,) = shown
    page = output.data
    assert "<b>price</b>" in page and price.id in page
    assert "recurring.interval" in page and "<details><summary>JSON" in page  # the tree starts closed
    created = show.utc(price.created)
    assert f"{price.created} ({created})" in page  # summary/table: integer and UTC time
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created)
    assert not re.search(r" at 0x[0-9a-f]+", page)  # no memory addresses (IDs may hold "0x")
    assert "Table (" in page
    shown.clear()
    show.show(price, table=True)
    assert shown[0].data == page  # deterministic


def test_show_setup_intent_summary(client, shown):
    customer = client.v1.customers.create(params={"email": "jenny.rosen@example.com"})
    try:
        intent = client.v1.setup_intents.create(params={
            "confirm": True, "customer": customer.id, "payment_method_data": {"type": "amazon_pay"},
            "usage": "off_session", "return_url": "https://www.stripe.com",
            "mandate_data": {"customer_acceptance": {"type": "online", "online": {
                "ip_address": "127.0.0.0", "user_agent": "device"}}}})
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            pytest.skip("sandbox has no /v1/setup_intents yet")
        raise
    show.show(intent)
    page = shown[0].data
    for path in ("status", "next_action.type", "next_action.redirect_to_url.url", "mandate", "usage"):
        assert f">{path}<" in page
    assert intent.next_action.redirect_to_url.url.replace("&", "&amp;") in page


def test_flatten_table(price):
    frame = show.flatten(price)
    assert list(frame.columns) == ["field", "value"]
    values = dict(zip(frame["field"], frame["value"], strict=True))
    assert values["recurring.interval"] == "month"
    assert values["created"].startswith(f"{price.created} (")


def test_diff_lists_changed_fields(client):
    before = client.v1.customers.create(params={"name": "Jenny Rosen", "email": "a@example.com"})
    after = client.v1.customers.update(before.id, params={"name": "Jenny R.", "metadata": {"k": "v"}})
    changes = show.diff(before, after)
    rows = {r.field: (r.before, r.after) for r in changes.itertuples()}
    assert rows["name"] == ("Jenny Rosen", "Jenny R.")
    assert rows["metadata.k"] == ("(absent)", "v")  # absent before, not null
    assert "email" not in rows and "id" not in rows


def test_table_of_a_list(client):
    client.v1.customers.create(params={"email": "table@example.com", "name": "Table Row"})
    customers = client.v1.customers.list(params={"email": "table@example.com"})
    frame = show.table(customers)
    assert list(frame.columns) == ["id", "email", "name", "created"]
    assert frame.iloc[0]["email"] == "table@example.com"
    assert frame.iloc[0]["created"].endswith("Z)")
    chosen = show.table(customers.data, columns=["id", "name"])
    assert list(chosen.columns) == ["id", "name"] and chosen.iloc[0]["name"] == "Table Row"


def test_table_of_unknown_objects_uses_scalar_fields():
    frame = show.table([{"id": "x_1", "object": "thing", "n": 1, "nested": {"a": 1}}])
    assert list(frame.columns) == ["id", "object", "n"]


def test_log_and_curl_views(sandbox, monkeypatch, tmp_path, shown):
    monkeypatch.setenv("TUTORIAL_MODE", "sandbox")
    monkeypatch.setenv("TUTORIAL_SANDBOX_URL", sandbox.url)
    monkeypatch.setenv("TUTORIAL_STATE_DIR", str(tmp_path))
    client_mod.clear_log()
    client_mod.get_client().v1.products.create(params={"name": "Logged"})
    frame = show.log()
    assert list(frame["path"]) == ["/v1/products"] and "error_message" not in frame.columns
    assert len(show.log(last=1)) == 1
    show.curl()
    assert "<pre>curl " in shown[0].data and "-d name=Logged" in shown[0].data
    client_mod.clear_log()


def test_the_logs_params_are_json(sandbox, monkeypatch, tmp_path):
    """Issue 9.15: the log's params column showed Python's `{'limit': '1'}`, in HTML and text."""
    monkeypatch.setenv("TUTORIAL_MODE", "sandbox")
    monkeypatch.setenv("TUTORIAL_SANDBOX_URL", sandbox.url)
    monkeypatch.setenv("TUTORIAL_STATE_DIR", str(tmp_path))
    client_mod.clear_log()
    client_mod.get_client().v1.products.list(params={"limit": 1, "active": True})
    frame = show.log()
    assert json.loads(frame.iloc[-1]["params"]) == {"limit": "1", "active": "true"}
    for view in (frame._repr_html_(), frame.to_string()):
        assert '{"limit": "1", "active": "true"}' in view and "'limit'" not in view
    client_mod.clear_log()


def test_views_speak_json(client):
    """Issue 9.15: `True` beside `null`, and `None` in tables."""
    product = client.v1.products.create(params={"name": "JSON words"})
    values = dict(zip(*show.flatten(product).to_dict("list").values(), strict=True))
    assert values["active"] == "true" and values["default_price"] == "null"
    frame = show.table([{"id": "x_1", "object": "thing", "flag": False, "gone": None}])
    assert list(frame.iloc[0]) == ["x_1", "thing", "false", "null"]
    changes = show.diff({"id": "x", "a": True}, {"id": "x", "a": None})
    assert list(changes.iloc[0]) == ["a", "true", "null"]
    assert [show.as_json(v) for v in (None, True, "pm_1", 3, {"a": None})] == [
        "null", "true", "pm_1", 3, '{"a": null}']
    page = show.flatten(product)._repr_html_() + frame._repr_html_() + changes._repr_html_()
    assert "True" not in page and "None" not in page and "False" not in page


def test_tables_are_left_aligned():
    """Issue 9.15: field names were right-aligned."""
    frame = show.diff({"id": "x", "a": 1, "b": 2}, {"id": "x", "a": 2, "b": 3})
    page = frame[frame["field"] == "a"]._repr_html_()  # filtering keeps the view
    assert page.count('<td style="text-align:left;overflow-wrap:anywhere">') == 3
    assert '<th style="text-align:left">field</th>' in page
    assert "text-align: right" not in page


def test_request_prints_the_params_as_python_source(capsys):
    params = {"confirm": True, "customer": "cus_1", "payment_method_data": {"type": "amazon_pay"},
              "usage": None, "mandate_data": {"customer_acceptance": {"type": "online", "online": {
                  "ip_address": "127.0.0.0", "user_agent": "device"}}}, "items": [{"price": "price_1"}]}
    show.request(params)
    printed = capsys.readouterr().out
    assert printed.startswith("params = {\n    \"confirm\": True,\n")
    assert all(len(line) <= 96 for line in printed.splitlines())
    assert eval(printed.split("=", 1)[1]) == params  # noqa: S307 - our own output: valid Python, same dict
    show.request({"name": "Stock photo service"})
    assert capsys.readouterr().out == 'params = {"name": "Stock photo service"}\n'


def test_a_diff_with_no_change_says_so_in_one_line():
    """QA: 04's "Before and after" showed only a header row when the SetupIntent was already authorized."""
    from IPython.core.formatters import HTMLFormatter, PlainTextFormatter

    same = {"id": "seti_1", "object": "setup_intent", "status": "succeeded", "usage": "off_session"}
    changes = show.diff(same, dict(same))
    sentence = "No change: both versions are the same (its status was already succeeded)."
    assert PlainTextFormatter()(changes) == sentence  # what a notebook shows as text/plain
    assert HTMLFormatter()(changes) == f"<p>{sentence}</p>"
    assert changes.empty and list(changes.columns) == ["field", "before", "after"]  # still a frame
    assert str(show.diff({"a": 1}, {"a": 1})) == "No change: both versions are the same."
    moved = show.diff(same, {**same, "usage": "on_session"})  # a change still shows as a table
    assert "<table" in HTMLFormatter()(moved) and "No change" not in PlainTextFormatter()(moved)
    nothing_matches = moved[moved["field"] == "status"]  # a filter that leaves no rows is not "no change"
    assert "No change" not in HTMLFormatter()(nothing_matches) + PlainTextFormatter()(nothing_matches)
