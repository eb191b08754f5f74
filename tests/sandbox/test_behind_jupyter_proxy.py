"""Issue 12, JupyterHub and Binder: every page a browser opens works behind jupyter-server-proxy.

A real JupyterLab with jupyter-server-proxy, under the base URL a hub gives a user's server
(``/user/jenny/``, with ``JUPYTERHUB_SERVICE_PREFIX`` set as a hub sets it), reached by
headless Chromium under a host name that is not loopback (``hub.test``, mapped to 127.0.0.1),
as a learner's browser reaches a hub. The sandbox starts on first use, from JupyterLab's
launcher entry; the "kernel" (this test) uses the same state directory, so the same sandbox.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import urllib.parse

import httpx
import pytest

from helpers import settings
from helpers.checkout import server as checkout_server
from helpers.sandbox.client import launcher
from support.browser import chromium_path
from support.jupyter import jupyterlab
from support.stripe_objects import make_client, open_invoice, setup_intent
from support.waiting import PATIENCE

# One worker runs this module's tests (make test runs them in parallel, --dist loadgroup): its
# module-scoped server starts once, not once per worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("jupyterlab-hub")]

PREFIX = "/user/jenny/"
HUB = "hub.test"  # Chromium maps it to 127.0.0.1: the Host header names another host, as on a hub

# The sandbox's pages a learner opens from JupyterLab's launcher: (path the entry opens, the
# page it lands on, text the page shows). The Dashboard's entry signs the learner in first.
SANDBOX_PAGES = [
    ("", "", "Stripe sandbox"),
    (launcher.DASHBOARD_PATH, "dashboard/", "Dashboard"),
]


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """JupyterLab at http://hub.test:<port>/user/jenny/, its token, and the shared state dir."""
    if not chromium_path():
        pytest.skip("no Chromium")
    root = tmp_path_factory.mktemp("hub")
    state = root / "state"
    token = secrets.token_hex(16)
    env = {
        **os.environ, "JUPYTERHUB_SERVICE_PREFIX": PREFIX, "TUTORIAL_STATE_DIR": str(state),
        "TUTORIAL_SANDBOX_PORT": "0",  # a free port, never the developer's 12111
        "JUPYTER_CONFIG_DIR": str(root / "config"), "JUPYTER_DATA_DIR": str(root / "data"),
    }
    env.pop("TUTORIAL_SANDBOX_URL", None)
    options = (f"--ServerApp.base_url={PREFIX}", "--ServerApp.allow_remote_access=True")
    with jupyterlab(root, token, *options, env=env) as server:
        port = server["port"]
        yield {"port": port, "token": token, "state": state, "env": env, "url": f"http://{HUB}:{port}"}
    recorded = state / "sandbox.json"
    if recorded.exists():  # the sandbox the launcher started (detached, like a notebook's)
        pid = json.loads(recorded.read_text()).get("pid")
        if pid:
            os.kill(pid, 15)


@pytest.fixture(scope="module")
def hub_browser(hub, playwright):
    chromium = playwright.chromium.launch(
        executable_path=chromium_path(),
        args=[*launcher_args(), f"--host-resolver-rules=MAP {HUB} 127.0.0.1"],
    )
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(PATIENCE * 1000)  # JupyterLab on a busy machine
    page.goto(f"{hub['url']}{PREFIX}lab?token={hub['token']}")  # logs in: JupyterLab sets its cookie
    yield context
    chromium.close()


def launcher_args() -> list[str]:
    from helpers import autopilot

    return list(autopilot.LAUNCH_ARGS)


@pytest.fixture(scope="module")
def kernel_side(hub, hub_browser):
    """What a notebook's kernel sees on this hub: the same state directory, the hub's prefix,
    and the sandbox the launcher started (opening the launcher entry is its first use)."""
    page = hub_browser.new_page()
    page.goto(f"{hub['url']}{PREFIX}stripe-sandbox/")
    page.wait_for_url(f"**{PREFIX}proxy/*/")
    page.close()
    mp = pytest.MonkeyPatch()
    for name in ("JUPYTERHUB_SERVICE_PREFIX", "TUTORIAL_STATE_DIR", "TUTORIAL_SANDBOX_PORT"):
        mp.setenv(name, hub["env"][name])
    mp.delenv("TUTORIAL_SANDBOX_URL", raising=False)
    mp.delenv("STRIPE_SECRET_KEY", raising=False)
    mp.setenv("TUTORIAL_MODE", "sandbox")
    yield settings.load()
    checkout_server.stop_checkout()
    mp.undo()


def exactly(hub, rest: str) -> re.Pattern[str]:
    """The hub URL ``/user/jenny/<rest>`` and nothing else (no prefix twice, no other host)."""
    return re.compile("^" + re.escape(hub["url"] + PREFIX) + rest + "$")


def proxied(hub, url: str) -> str:
    """A path-absolute URL the sandbox hands out, as the browser opens it on the hub."""
    assert url.startswith(PREFIX), url
    return hub["url"] + url


def test_the_launcher_lists_the_sandbox_and_its_dashboard(hub):
    answer = httpx.get(f"http://127.0.0.1:{hub['port']}{PREFIX}server-proxy/servers-info",
                       params={"token": hub["token"]})
    entries = {s["name"]: s["launcher_entry"] for s in answer.json()["server_processes"]}
    assert entries["stripe-sandbox"]["title"] == "Stripe sandbox"
    assert entries["stripe-sandbox"]["path_info"] == "stripe-sandbox/"
    assert entries["stripe-dashboard"]["path_info"] == f"stripe-sandbox/{launcher.DASHBOARD_PATH}"
    assert entries["stripe-sandbox"]["icon_url"].endswith("server-proxy/icon/stripe-sandbox")


@pytest.mark.parametrize(("path", "lands", "text"), SANDBOX_PAGES)
def test_the_launcher_opens_the_sandboxs_pages_through_the_proxy(hub, hub_browser, kernel_side, path, lands, text):
    port = urllib.parse.urlsplit(kernel_side.api_base).port
    page = hub_browser.new_page()
    page.goto(f"{hub['url']}{PREFIX}stripe-sandbox/{path}")  # the launcher entry's URL
    page.wait_for_url(f"{hub['url']}{PREFIX}proxy/{port}/{lands}")
    assert text in page.inner_text("body")
    page.close()


def test_checkout_and_the_hosted_authorization_page_work_through_the_proxy(hub, hub_browser, kernel_side):
    """Notebook 04 on a hub: the checkout page, Stripe.js, the authorization page and the
    return_url, all through /user/jenny/proxy/<port>/, in Chromium."""
    client = make_client(kernel_side.api_base, kernel_side.secret_key)
    server = checkout_server.start_checkout(
        kernel_side.publishable_key, kernel_side.stripe_js_url, kernel_side.api_base)
    assert kernel_side.stripe_js_url == f"{PREFIX}proxy/{urllib.parse.urlsplit(kernel_side.api_base).port}/js/stripe.js"
    intent = setup_intent(client, server.url + "complete")
    server.register_setup_intent(intent)
    page = hub_browser.new_page()
    page.goto(hub["url"] + server.public_url)  # the link notebook 04 shows
    page.click("#setup")  # Stripe.js (through the proxy) confirms and sends the browser on
    port = urllib.parse.urlsplit(kernel_side.api_base).port
    page.wait_for_url(exactly(hub, f"proxy/{port}/pm-redirects/authorize/[^/?]+"))
    page.get_by_text("Authorize test setup").click()
    page.wait_for_url(f"{hub['url']}{server.public_url}complete?*")
    assert "Setup complete" in page.inner_text("body")
    assert page.inner_text("#redirect-status") == "succeeded"
    page.close()
    done = server.wait_for_redirect(timeout=10)
    assert done.status == "succeeded"
    assert client.v1.setup_intents.retrieve(intent.id).status == "succeeded"


def test_the_hosted_invoice_page_pays_through_the_proxy(hub, hub_browser, kernel_side):
    client = make_client(kernel_side.api_base, kernel_side.secret_key)
    _, invoice = open_invoice(client)
    port = urllib.parse.urlsplit(kernel_side.api_base).port
    assert invoice.hosted_invoice_url.startswith(f"{PREFIX}proxy/{port}/i/")  # the browser's way there
    page = hub_browser.new_page()
    page.goto(proxied(hub, invoice.hosted_invoice_url))
    page.get_by_text("Pay with Amazon Pay").click()
    page.wait_for_url(exactly(hub, f"proxy/{port}/pm-redirects/authorize/[^/?]+"))
    page.get_by_text("Authorize test payment").click()
    page.wait_for_url(exactly(hub, f"proxy/{port}/i/[^/?]+[?].*redirect_status=succeeded.*"))
    page.close()
    assert client.v1.invoices.retrieve(invoice.id).status == "paid"


def test_the_autopilot_still_clicks_through_directly_on_a_hub(hub, kernel_side):
    """On Binder the autopilot runs beside the kernel: it opens the checkout page directly,
    so that page loads Stripe.js from the sandbox directly, and comes back the same way."""
    from helpers import autopilot

    client = make_client(kernel_side.api_base, kernel_side.secret_key)
    server = checkout_server.start_checkout(
        kernel_side.publishable_key, kernel_side.stripe_js_url, kernel_side.api_base)
    intent = setup_intent(client, server.url + "complete")
    server.register_setup_intent(intent)
    result = autopilot.run(server.url)
    assert result.redirect_status == "succeeded"
    assert client.v1.setup_intents.retrieve(intent.id).status == "succeeded"


def test_sandbox_redirects_to_its_own_pages_are_relative(kernel_side):
    """jupyter-server-proxy 4.5+ puts its prefix before a Location that starts with "/", so the
    sandbox's redirects to its own pages are relative to the page (what any version passes on)."""
    client = make_client(kernel_side.api_base, kernel_side.secret_key)
    _, invoice = open_invoice(client)
    port = urllib.parse.urlsplit(kernel_side.api_base).port
    direct = kernel_side.api_base + invoice.hosted_invoice_url.removeprefix(f"{PREFIX}proxy/{port}")
    started = httpx.post(direct + "/pay")
    assert started.status_code == 303
    assert started.headers["location"].startswith("../../pm-redirects/authorize/")
    followed = urllib.parse.urljoin(str(started.url), started.headers["location"])
    assert followed.startswith(kernel_side.api_base + "/pm-redirects/authorize/")


def test_the_notebooks_dashboard_link_works_through_the_proxy(hub, hub_browser, kernel_side):
    """``dashboard.link(obj)`` in a notebook on a hub: signs the browser in and shows the object."""
    from helpers import dashboard

    client = make_client(kernel_side.api_base, kernel_side.secret_key)
    customer = client.v1.customers.create(params={"email": "dashboard-through-proxy@example.com"})
    url = dashboard.url(customer)
    port = urllib.parse.urlsplit(kernel_side.api_base).port
    assert url.startswith(f"{PREFIX}proxy/{port}/dashboard/login#token=")
    page = hub_browser.new_page()
    page.goto(proxied(hub, url))
    page.wait_for_url(exactly(hub, f"proxy/{port}/dashboard/{customer.id}"))
    assert "dashboard-through-proxy@example.com" in page.inner_text("body")
    page.close()
