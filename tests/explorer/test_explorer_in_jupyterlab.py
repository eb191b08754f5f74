"""Issue 21, done when: a browser drives the explorer in a real JupyterLab (headless Chromium):
pick an operation, fill its form, send, see the answer's views."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from support.browser import chromium_path
from support.jupyter import jupyterlab
from support.waiting import PATIENCE

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def lab(sandbox, tmp_path):
    """JupyterLab on a notebook whose one cell draws the explorer; kernels use the test sandbox."""
    if not chromium_path():
        pytest.skip("no Chromium found (set CHROMIUM_PATH)")
    cell = nbformat.v4.new_code_cell("from helpers.explorer.widget import Explorer\n\nExplorer()")
    notebook = nbformat.v4.new_notebook(cells=[cell])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, tmp_path / "explore.ipynb")
    token = secrets.token_hex(8)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TUTORIAL_MODE": "sandbox", "TUTORIAL_SANDBOX_URL": sandbox.url,
           "TUTORIAL_STATE_DIR": str(tmp_path / "state"), "TUTORIAL_ENV_FILE": str(tmp_path / "none.env"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "ws")}
    env.pop("STRIPE_SECRET_KEY", None)
    with jupyterlab(tmp_path, token, env=env) as server:
        yield f"{server['url']}lab/tree/explore.ipynb?token={token}"


def test_a_learner_picks_fills_sends_and_sees_the_views(lab, playwright):
    from helpers import autopilot

    browser = playwright.chromium.launch(executable_path=chromium_path(), args=list(autopilot.LAUNCH_ARGS))
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.set_default_timeout(2 * PATIENCE * 1000)  # a kernel and the catalog: slow on a busy machine
        page.goto(lab)
        # Run the cell once its kernel is idle, and again if its prompt shows no run: a Shift+Enter
        # right after the notebook opened was lost now and then (the prompt stayed "[ ]").
        page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').wait_for()
        prompt = page.locator(".jp-Notebook .jp-Cell .jp-InputPrompt").first
        for _ in range(3):
            page.locator(".jp-Notebook .jp-Cell .cm-content").first.click()
            page.keyboard.press("Shift+Enter")
            try:
                page.wait_for_function("p => /\\[(\\*|\\d+)\\]/.test(p.textContent)", arg=prompt.element_handle(),
                                       timeout=10_000)
                break
            except PlaywrightTimeout:
                continue
        explorer = page.locator(".jp-OutputArea-output .widget-vbox").first
        try:
            explorer.get_by_text("operations in stripe-python").wait_for()
        except PlaywrightTimeout:
            outputs = page.locator(".jp-OutputArea").all_inner_texts()
            raise AssertionError(f"no explorer; the prompt {prompt.inner_text()!r}, the outputs {outputs!r}") from None
        # Pick: the resource, then the operation (the dropdowns the types fill).
        explorer.locator(".widget-dropdown", has_text="Resource").locator("select").select_option("customers")
        explorer.get_by_text("client.v1.customers.").first.wait_for()  # the refill, as below
        operation = explorer.locator(".widget-dropdown", has_text="Operation").locator("select")
        operation.select_option(label="create · POST /v1/customers")
        explorer.get_by_text("client.v1.customers.create").wait_for()
        # Fill: the email, and an enum (tax_exempt) from its dropdown.
        explorer.locator(".widget-text", has=page.locator("label", has_text="email")).locator("input").fill(
            "browser@example.com")
        explorer.locator(".widget-dropdown", has=page.locator("label", has_text="tax_exempt")).locator(
            "select").select_option("exempt")
        explorer.get_by_role("button", name="Send").click()
        explorer.get_by_text("✔ HTTP 200 from sandbox").wait_for()
        # See: the summary, then the other views.
        summary = explorer.locator(".widget-html-content", has_text="invoice_settings.default_payment_method")
        assert "browser@example.com" in summary.first.inner_text()  # the summary's email: the answer
        for tab, expected in (("JSON", "answer {"), ("curl", "--data-urlencode email=browser@example.com"),
                              ("Node", "stripe.customers.create"), ("Python", "client.v1.customers.create"),
                              ("Table", "tax_exempt"), ("Dashboard", "in your Dashboard")):
            explorer.locator(".lm-TabBar-tab", has_text=tab).first.click()
            explorer.get_by_text(expected).first.wait_for(state="visible")
        # A required field left empty is named, and nothing is sent.
        explorer.locator(".widget-dropdown", has_text="Resource").locator("select").select_option(
            "test_helpers.test_clocks")
        # The kernel refills the operations and shows the resource's first one: only then pick (a pick
        # made before the refill arrived was undone by it on a busy machine).
        explorer.get_by_text("client.v1.test_helpers.test_clocks.").first.wait_for()
        operation.select_option(label="create · POST /v1/test_helpers/test_clocks")
        explorer.get_by_text("client.v1.test_helpers.test_clocks.create").wait_for()  # its form, not the last
        explorer.get_by_role("button", name="Send").click()
        explorer.get_by_text("⚠ frozen_time is required.").wait_for()
    finally:
        browser.close()
