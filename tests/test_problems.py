"""Problems shown as one clear line in a notebook, while the cell still fails (issue 9.9, 9.7)."""

from __future__ import annotations

import nbformat
import pytest
import stripe
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from helpers import problems


def run_cells(*sources: str) -> list[dict]:
    """Run cells in a real kernel (as nbclient and nbval do); the outputs of each cell."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True).execute()
    return [cell.outputs for cell in nb.cells]


def the_error(outputs: list[dict]) -> dict:
    errors = [o for o in outputs if o["output_type"] == "error"]
    assert len(errors) == 1, outputs
    return errors[0]


def test_a_form_error_stops_the_cell_with_one_line():
    form_cell = (
        "from helpers.forms import CustomerForm\n"
        "form = CustomerForm()\n"
        "form.email.value = 'not-an-email'\n"
        "params = form.values\n"
        "print('request sent')"
    )
    outputs = run_cells(form_cell, "print('next cell')")
    error = the_error(outputs[0])
    assert error["ename"] == "FormError"
    assert len(error["traceback"]) == 1
    assert "not an email address" in error["traceback"][0]
    assert "Change it in the form above" in error["traceback"][0]
    assert not any(o.get("text") == "request sent\n" for o in outputs[0])


def test_nbclient_still_sees_the_failure():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from helpers.problems import NextStep\nraise NextStep('Authorize first.')")])
    with pytest.raises(CellExecutionError, match="NextStep"):
        NotebookClient(nb, timeout=60, kernel_name="python3").execute()


def test_stripe_errors_become_one_sentence_once_installed():
    raise_it = (
        "import stripe\n"
        "raise stripe.InvalidRequestError('No such price', param='price', code='resource_missing', "
        "http_status=400)"
    )
    outputs = run_cells("from helpers import problems\nproblems.install()", raise_it)
    error = the_error(outputs[1])
    assert error["ename"] == "InvalidRequestError"
    assert len(error["traceback"]) == 1
    line = error["traceback"][0]
    assert "HTTP 400" in line and "resource_missing" in line and "No such price" in line
    assert "run this cell again" in line


def test_a_connection_error_in_the_sandbox_says_how_to_restart_it(monkeypatch):
    """Issue 9.7: a dead sandbox gave five chained tracebacks ending in 'support@stripe.com'."""
    monkeypatch.setenv("TUTORIAL_MODE", "sandbox")
    text = problems.explain(stripe.APIConnectionError("Connection refused"))
    assert "sandbox" in text and "not running" in text and "first cell" in text
    assert "support@stripe.com" not in text
    monkeypatch.setenv("TUTORIAL_MODE", "stripe")
    assert "internet" in problems.explain(stripe.APIConnectionError("Connection refused"))
