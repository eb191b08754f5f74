"""The client factory, the request log and curl rendering (helpers.client), against the sandbox."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

import pytest
import stripe

from helpers import client as client_mod
from helpers import settings
from helpers import show as show_mod
from helpers.sandbox.client import process

FAKE_SECRET = "sk_test_" + "Fake" * 6 + "4xYz"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def sandbox_env(learner_env):
    """Sandbox mode pointed at the test sandbox, state in tmp_path, empty log."""
    return learner_env


def test_get_client_logs_a_request(sandbox_env):
    client = client_mod.get_client()
    customer = client.v1.customers.create(params={"description": "log me"})
    log = client_mod.request_log()
    assert len(log) == 1
    row = log.iloc[0]
    assert (row["method"], row["path"], row["status"]) == ("POST", "/v1/customers", 200)
    assert row["api_version"] == stripe.api_version
    assert row["params"] == {"description": "log me"}
    assert row["request_id"].startswith("req_")
    assert row["idempotency_key"]  # the SDK adds one to every POST
    assert row["duration_ms"] >= 0
    assert row["time"].tzinfo is not None and row["time"].utcoffset().total_seconds() == 0
    assert abs((datetime.now(UTC) - row["time"]).total_seconds()) < 60
    assert customer.id.startswith("cus_")
    assert stripe.app_info["name"] == client_mod.APP_NAME


def test_log_keeps_the_id_of_the_answered_object(sandbox_env):
    client = client_mod.get_client()
    customer = client.v1.customers.create(params={"description": "find my id"})
    client.v1.customers.retrieve(customer.id)
    client.v1.customers.list(params={"limit": 1})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.retrieve("cus_doesnotexist")
    assert [e.object_id for e in client_mod.entries()] == [customer.id, customer.id, None, None]


def test_an_unlogged_client_leaves_the_log_alone(sandbox_env):
    client_mod.get_client(logged=False).v1.customers.list(params={"limit": 1})
    assert client_mod.entries() == []


def test_get_request_params_come_from_the_query(sandbox_env):
    client = client_mod.get_client()
    client.v1.customers.list(params={"email": "nobody@example.com", "limit": 2})
    entry = client_mod.entries()[-1]
    assert entry.method == "GET"
    assert entry.params == (("email", "nobody@example.com"), ("limit", "2"))
    assert entry.idempotency_key is None


def test_pinned_version_is_sent_and_logged(sandbox_env):
    client = client_mod.get_client("2025-03-31.basil")
    try:
        client.v1.customers.list(params={"limit": 1})
    except stripe.StripeError:
        pass  # whatever the sandbox thinks of the version, the header was sent
    assert client_mod.entries()[-1].api_version == "2025-03-31.basil"
    assert "-H 'Stripe-Version: 2025-03-31.basil'" in client_mod.as_curl()


def test_error_code_from_the_envelope(sandbox_env):
    client = client_mod.get_client()
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.retrieve("cus_doesnotexist")
    row = client_mod.request_log().iloc[-1]
    assert row["status"] == 404
    assert row["error_code"] == "resource_missing"
    assert "cus_doesnotexist" in row["error_message"]


def test_connection_error_is_logged(sandbox_env, tmp_path):
    url = f"http://127.0.0.1:{process.free_port()}"
    dead = settings.Settings("sandbox", "sk_test_sandbox", "pk_test_sandbox", url,
                             f"{url}/js/stripe.js", "sandbox")
    with pytest.raises(stripe.APIConnectionError):
        client_mod.get_client(settings=dead).v1.customers.list()
    entry = client_mod.entries()[-1]
    assert entry.status is None and entry.error_code == "connection_error"


def test_a_classroom_that_does_not_answer_says_to_tell_the_trainer(sandbox_env, monkeypatch):
    """Issue 18: the learner's first call on a room's sandbox that is gone said Stripe's "let us
    know at support@stripe.com"; it says what to tell the trainer, in the log's view too."""
    url = f"http://127.0.0.1:{process.free_port()}"
    monkeypatch.setenv("TUTORIAL_SANDBOX_URL", url)
    with pytest.raises(stripe.APIConnectionError) as raised:
        client_mod.get_client().v1.customers.list()
    assert str(raised.value) == (f"The classroom sandbox at {url} does not answer: tell your trainer (no connection: "
                                 "it may have stopped, or TUTORIAL_SANDBOX_URL is wrong), then run this cell again.")
    assert "support@stripe.com" not in str(raised.value)
    from helpers import explain

    assert explain.explain(raised.value) == str(raised.value)


def test_a_page_in_the_classroom_sandboxs_place_is_named(sandbox_env, monkeypatch):
    """A hub's proxy answering HTML where the room's sandbox should be."""
    import http.server
    import threading

    class Proxy(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            self.send_response(503)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html>Service Unavailable</html>")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("TUTORIAL_SANDBOX_URL", f"http://127.0.0.1:{server.server_port}")
        with pytest.raises(stripe.APIConnectionError, match=r"tell your trainer \(its address answered HTTP 503 "
                                                             r"with text/html, not as the sandbox does\)"):
            client_mod.get_client().v1.customers.list()
    finally:
        server.shutdown()
        server.server_close()


def test_secrets_are_masked_everywhere(sandbox_env):
    url = sandbox_env.url
    own_key = settings.Settings("sandbox", FAKE_SECRET, None, url, url, "sandbox")
    client = client_mod.get_client(settings=own_key)
    client.v1.customers.create(params={"metadata": {
        "signing": "whsec_" + "Fake" * 5 + "5WhS",
        "cs": "seti_1AbCd_secret_" + "Fake" * 5 + "8CsC",
        "api_key": FAKE_SECRET,
    }})
    entry = client_mod.entries()[-1]
    everything = repr(entry) + client_mod.request_log().to_string() + client_mod.as_curl()
    assert "FakeFake" not in everything
    assert dict(entry.params) == {
        "metadata[signing]": "whsec_…5WhS",
        "metadata[cs]": "seti_1AbCd_secret_…8CsC",
        "metadata[api_key]": "sk_test_…4xYz",
    }
    assert "-u 'sk_test_…4xYz:'" in client_mod.as_curl()


def test_mask_value_keeps_ordinary_values():
    assert client_mod.mask_value("customer", "cus_123") == "cus_123"
    assert client_mod.mask_value("client_secret", "abcdefgh") == "…efgh"
    assert client_mod.mask_value("key", "pk_test_visible") == "pk_test_visible"


def test_secrets_inside_a_value_are_masked():
    """Issue 11.21: only values that started with a key prefix were masked."""
    secret = "sk_test_" + "Fake" * 6 + "4xYz"
    client_secret = "seti_1AbCd_secret_" + "Fake" * 5 + "8CsC"
    assert client_mod.mask_value("description", f"my key is {secret}, keep it") == (
        "my key is sk_test_…4xYz, keep it")
    url = f"https://example.com/done?setup_intent_client_secret={client_secret}&x=1"
    assert client_mod.mask_value("return_url", url) == (
        "https://example.com/done?setup_intent_client_secret=seti_1AbCd_secret_…8CsC&x=1")
    assert client_mod.mask_value("note", "whsec_" + "Fake" * 5 + "5WhS.") == "whsec_…5WhS."


def test_curl_of_a_real_post(sandbox_env):
    client = client_mod.get_client()
    client.v1.customers.create(params={"description": "My First Test Customer (created for API docs)"})
    assert client_mod.as_curl() == (
        f"curl {sandbox_env.url}/v1/customers \\\n"
        '  -u "$(python3 -m helpers.sandbox key):" \\\n'
        f"  -H 'Stripe-Version: {stripe.api_version}' \\\n"
        "  --data-urlencode description='My First Test Customer (created for API docs)'"
    )


def test_a_copied_curl_command_runs_in_the_learners_account(sandbox_env, tmp_path):
    """The curl view never shows the learner's own key, yet the copied command uses it."""
    client = client_mod.get_client()
    client.v1.customers.create(params={"description": "copied"})
    command = client_mod.as_curl()
    assert settings.load().secret_key not in command
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, cwd=ROOT, env=env,  # noqa: S603, S607
                          timeout=30, check=True)
    made = json.loads(done.stdout)
    assert made["description"] == "copied"
    assert client.v1.customers.retrieve(made["id"]).id == made["id"]  # the learner's own account


def test_curl_of_a_get_uses_g(sandbox_env):
    client = client_mod.get_client()
    client.v1.customers.list(params={"limit": 3})
    client.v1.customers.list()
    first, second = client_mod.as_curl(0), client_mod.as_curl(1)
    assert first.startswith(f"curl -G {sandbox_env.url}/v1/customers \\") and first.endswith("-d limit=3")
    assert second.startswith(f"curl {sandbox_env.url}/v1/customers \\")
    assert "-d" not in second


def _entry(method: str, params: tuple[tuple[str, str], ...], base: str = "https://api.stripe.com"):
    return client_mod.LogEntry(
        time=datetime(2026, 1, 1, tzinfo=UTC), method=method, base=base, path="/v1/setup_intents",
        api_version="2025-03-31.basil", params=params, status=200, request_id="req_1",
        idempotency_key=None, duration_ms=1.0, error_code=None, error_message=None,
        key="sk_test_…4xYz",
    )


def test_curl_in_the_guides_style():
    entry = _entry("POST", (
        ("confirm", "true"),
        ("return_url", "https://www.stripe.com"),
        ("usage", "off_session"),
        ("customer", "cus_ODQluYFNl44ODI"),
        ("payment_method_data[type]", "amazon_pay"),
        ("payment_method_types[0]", "amazon_pay"),
        ("mandate_data[customer_acceptance][online][ip_address]", "127.0.0.0"),
        ("metadata[note]", 'say "hi" $HOME'),
    ))
    assert client_mod.as_curl(entry) == "\n".join([
        "curl https://api.stripe.com/v1/setup_intents \\",
        "  -u 'sk_test_…4xYz:' \\",
        "  -H 'Stripe-Version: 2025-03-31.basil' \\",
        "  -d confirm=true \\",
        "  --data-urlencode return_url=https://www.stripe.com \\",
        "  -d usage=off_session \\",
        "  -d customer=cus_ODQluYFNl44ODI \\",
        "  -d 'payment_method_data[type]'=amazon_pay \\",
        "  -d 'payment_method_types[]'=amazon_pay \\",
        "  -d 'mandate_data[customer_acceptance][online][ip_address]'=127.0.0.0 \\",
        "  --data-urlencode 'metadata[note]'='say \"hi\" $HOME'",
    ])


@pytest.mark.parametrize(("name", "value"), [
    ("metadata[x;touch /tmp/pwned]", "1"),
    ("metadata[$(id)]", "`id`"),
    ("description", "it's \"quoted\"; rm -rf ~ && echo $HOME\nsecond line"),
    ("metadata[a b]", "a&b=c"),
])
def test_curl_quotes_every_name_and_value(name, value):
    """Issue 11.21: `x;touch …` in a parameter name became a shell command."""
    command = client_mod.as_curl(_entry("POST", ((name, value),)))
    words = shlex.split(command.replace("\\\n", " "))
    sent = words[words.index("-H") + 2:]
    assert len(sent) == 2 and sent[0] in ("-d", "--data-urlencode")
    sent_name, sent_value = sent[1].split("=", 1)
    assert urllib.parse.unquote(sent_name) == name
    assert sent_value == value


def test_request_log_shows_integers_and_blanks(sandbox_env):
    """Issue 9.7: after a connection error the log showed `200.0` and `NaN`."""
    url = f"http://127.0.0.1:{process.free_port()}"
    dead = settings.Settings("sandbox", "sk_test_sandbox", "pk_test_sandbox", url,
                             f"{url}/js/stripe.js", "sandbox")
    with pytest.raises(stripe.APIConnectionError):
        client_mod.get_client(settings=dead).v1.customers.list()
    client_mod.get_client().v1.customers.list(params={"limit": 1})
    frame = show_mod.log()
    assert list(frame["status"]) == ["", 200]
    text = frame.to_string() + frame.to_html()
    assert "200.0" not in text and "NaN" not in text and "None" not in text


def test_a_stopped_sandbox_is_started_again(tmp_path, monkeypatch):
    """Issue 9.7: the sandbox killed between two cells; the next request starts it again."""
    for name in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "TUTORIAL_SANDBOX_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TUTORIAL_MODE", "sandbox")
    monkeypatch.setenv("TUTORIAL_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("TUTORIAL_SANDBOX_PORT", "0")  # started again: on the port it had
    monkeypatch.setenv("TUTORIAL_ENV_FILE", str(tmp_path / "none.env"))
    client = client_mod.get_client()
    customer = client.v1.customers.create(params={"email": "kept@example.com"})
    try:
        info = json.loads((tmp_path / "sandbox.json").read_text())
        os.kill(info["pid"], signal.SIGKILL)
        while process.health(info["url"], 0.2) is not None:
            time.sleep(0.05)
        again = client.v1.customers.retrieve(customer.id)
        assert again.email == "kept@example.com"
        codes = [entry.error_code for entry in client_mod.entries()[-2:]]
        assert codes == ["connection_error", None]
    finally:
        process.stop_recorded()


def test_curl_of_a_delete():
    assert client_mod.as_curl(_entry("DELETE", ())).startswith(
        "curl -X DELETE https://api.stripe.com/v1/setup_intents \\")


def test_curl_without_requests():
    client_mod.clear_log()
    with pytest.raises(LookupError, match="No request yet"):
        client_mod.as_curl()


def test_curl_after_a_rerun_shows_the_call_not_the_clean_up_after_it(learner_env):
    """Issue 16.10: after re-running 05, `curl()` showed the cancel of the earlier run's
    subscription beside the guide's POST: the retiring is housekeeping, kept in the log but not
    the request the cell is about."""
    from helpers import progress

    client = client_mod.get_client()
    tag = {"metadata": dict([progress.TUTORIAL_TAG])}
    progress.replace("customer", client.v1.customers.create(params={"email": "a@example.com", **tag}).id, client)
    progress.replace("customer", client.v1.customers.create(params={"email": "b@example.com", **tag}).id, client)
    last = client_mod.entries()[-1]
    assert last.method == "DELETE" and last.housekeeping and last.tutorial  # kept in the log, as it happened
    shown = client_mod.as_curl()
    assert shown.startswith("curl ") and "-X DELETE" not in shown and "b%40example.com" in shown.replace("@", "%40")
