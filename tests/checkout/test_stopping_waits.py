"""QA: interrupting a cell that waits (■, as the cell suggests) showed a 25-line KeyboardInterrupt
traceback through our helpers and threading.py. Stopping a wait is one line that says how to wait
again; the cell still fails (it did not finish)."""

from __future__ import annotations

import queue
import re

import pytest
from jupyter_client.manager import start_new_kernel

from support.messages import said
from support.stripe_objects import open_invoice

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def interrupted(setup: str, wait: str, *, when_printed: str) -> list[dict]:
    """Run ``setup`` then ``wait`` in a real kernel; interrupt the kernel (■) once the wait has
    printed ``when_printed``. The wait cell's outputs (as iopub messages' content, with their type)."""
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        setup_reply = kc.execute_interactive(setup, timeout=60, output_hook=lambda msg: None)
        assert setup_reply["content"]["status"] == "ok", setup_reply["content"]
        msg_id = kc.execute(wait)
        outputs: list[dict] = []
        printed, sent_interrupt = "", False
        while True:
            try:
                msg = kc.get_iopub_msg(timeout=60)
            except queue.Empty:
                pytest.fail(f"the wait neither printed {when_printed!r} nor ended: {outputs}")
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["header"]["msg_type"], msg["content"]
            if kind == "status" and content["execution_state"] == "idle":
                break
            if kind in ("stream", "error", "display_data", "execute_result"):
                outputs.append({"output_type": kind, **content})
                printed += content.get("text", "")
            if kind == "update_display_data":  # a status line that says what the cell waits for
                printed += content["data"].get("text/html", "")
            if when_printed in printed and not sent_interrupt:
                km.interrupt_kernel()
                sent_interrupt = True
        assert sent_interrupt, outputs
        return outputs
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def assert_one_line_to_wait_again(outputs: list[dict], what: str) -> None:
    errors = [o for o in outputs if o["output_type"] == "error"]
    assert len(errors) == 1, outputs  # the cell still fails: it did not finish
    lines = errors[0]["traceback"]
    assert len(lines) == 1, lines
    text = said(lines[0])
    assert text == f"⚠ Stopped waiting {what}. Run this cell again to wait again."
    everything = "".join(o.get("text", "") for o in outputs) + "".join(lines)
    assert "Traceback" not in everything and 'File "' not in everything


def test_stopping_the_wait_for_the_redirect_is_one_line(sandbox):
    setup = (
        "from helpers.checkout import CheckoutServer, await_redirect\n"
        f"server = CheckoutServer('pk_test_' + 'sandbox', '{sandbox.url}/js/stripe.js', '{sandbox.url}',\n"
        "    retrieve=lambda secret: {'id': 'seti_1', 'status': 'requires_action'}).start()\n"
        "server.register_setup_intent({'id': 'seti_1', 'client_secret': 'seti_1_secret_x', "
        "'status': 'requires_action'})"
    )
    outputs = interrupted(setup, "await_redirect(server)", when_printed="To stop waiting")
    assert_one_line_to_wait_again(outputs, "for the customer to come back to your return_url")


def test_stopping_the_servers_own_wait_is_one_line(sandbox):
    """The check cells (and a learner's own code) call server.wait_for_redirect() directly."""
    setup = (
        "from helpers.checkout import CheckoutServer\n"
        f"server = CheckoutServer('pk_test_' + 'sandbox', '{sandbox.url}/js/stripe.js', '{sandbox.url}',\n"
        "    retrieve=lambda secret: {'id': 'seti_1', 'status': 'requires_action'}).start()\n"
        "server.register_setup_intent({'id': 'seti_1', 'client_secret': 'seti_1_secret_x', "
        "'status': 'requires_action'})"
    )
    outputs = interrupted(  # interrupted once it is waiting (it prints at each look)
        setup, "server.wait_for_redirect(timeout=600, on_tick=lambda *_: print('waiting', flush=True))",
        when_printed="waiting")
    assert_one_line_to_wait_again(outputs, "for the customer to come back to your return_url")


def test_stopping_the_wait_for_an_invoice_is_one_line(learner_client):
    _, invoice = open_invoice(learner_client)
    outputs = interrupted("from helpers.checkout import await_invoice_paid",
                          f"await_invoice_paid('{invoice.id}')", when_printed="To stop waiting")
    assert_one_line_to_wait_again(outputs, "for the invoice to be paid on its page")


def test_stopping_the_wait_for_a_webhook_event_is_one_line(sandbox):
    """06 waits up to 10 s for an event (the learner may wait longer, with their own timeout)."""
    setup = (
        "from helpers.checkout import CheckoutServer\n"
        f"server = CheckoutServer('pk_test_' + 'sandbox', '{sandbox.url}/js/stripe.js', '{sandbox.url}').start()"
    )
    outputs = interrupted(setup, "server.wait_for_event('invoice.paid', timeout=600)",
                          when_printed="Waiting for a invoice.paid event")
    assert_one_line_to_wait_again(outputs, "for the webhook event invoice.paid")
