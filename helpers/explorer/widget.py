"""The explorer as one widget (notebook 10): pick a resource and an operation, fill the form that
stripe-python's types give, choose the API version, send; the answer in every view of the
tutorial (summary, JSON tree, table, diff against the previous answer, curl, stripe-python,
stripe-node, the request log's entry, the Dashboard), and, when chosen, the same request at
another version or on the other backend, compared.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import stripe
from IPython.display import HTML, display
from IPython.utils.capture import capture_output

from helpers import dashboard, progress
from helpers.forms import FormError
from helpers.problems import Problem
from helpers.show import flatten, json_tree, log, show

from . import catalog, code, compare, send
from .request_form import RequestForm

ONLY_SANDBOX, EVERYTHING = "answered by the sandbox", "all of stripe-python"
NO_COMPARISON, WITH_OTHER_BACKEND = "— none —", "the other backend (sandbox / test mode)"
VIEWS = ("Summary", "JSON", "Table", "Diff", "curl", "Python", "Node", "Log entry", "Dashboard", "Compare")


def _red(sentence: str) -> str:
    return f"<span style='color:#b00020'>⚠ {html.escape(sentence)}</span>"


class Explorer:
    """``Explorer()`` in a cell draws it; ``.choose``, ``.form``, ``.send()`` drive it from code."""

    def __init__(self, backend: str | None = None) -> None:
        self.backend = backend or send.current_backend()
        self.answers: list[send.Answer] = []
        self.problem: str | None = None  # the last send's one sentence, when it failed
        self.comparison: Any = None
        self.sandbox_routes = send.sandbox_routes()
        self.versions = [v["version"] for v in send.modelled_versions()]
        if stripe.api_version not in self.versions:
            self.versions.insert(0, stripe.api_version)
        answered = sum(op.route in self.sandbox_routes for op in catalog.operations())
        self.header = widgets.HTML(
            f"<b>{len(catalog.operations())}</b> operations in stripe-python {stripe.VERSION}; the sandbox "
            f"answers <b>{answered}</b> of them. Sending to: <b>{self.backend}</b>.")
        self.scope = widgets.ToggleButtons(options=[ONLY_SANDBOX, EVERYTHING],
                                           value=ONLY_SANDBOX if self.backend == send.SANDBOX else EVERYTHING,
                                           description="Operations")
        self.resource = widgets.Dropdown(description="Resource", layout=widgets.Layout(width="420px"))
        self.operation = widgets.Dropdown(description="Operation", layout=widgets.Layout(width="640px"))
        self.about = widgets.HTML()
        self.form_box = widgets.VBox()
        self.version = widgets.Dropdown(options=self.versions, value=stripe.api_version, description="API version",
                                        style={"description_width": "100px"})
        self.compare_with = widgets.Dropdown(options=[NO_COMPARISON, *self.versions, WITH_OTHER_BACKEND],
                                             value=NO_COMPARISON, description="Compare with",
                                             style={"description_width": "100px"}, layout=widgets.Layout(width="460px"))
        self.send_button = widgets.Button(description="Send", button_style="primary", icon="paper-plane")
        self.status = widgets.HTML()
        self.views = {name: widgets.HTML() for name in VIEWS}
        self.tabs = widgets.Tab(children=list(self.views.values()))
        for index, name in enumerate(VIEWS):
            self.tabs.set_title(index, name)
        self.form: RequestForm | None = None
        self.scope.observe(lambda _: self._list_resources(), names="value")
        self.resource.observe(lambda _: self._list_operations(), names="value")
        self.operation.observe(lambda _: self._show_form(), names="value")
        self.send_button.on_click(lambda _: self.send())
        self.widget = widgets.VBox([
            self.header, self.scope, widgets.HBox([self.resource]), self.operation, self.about, self.form_box,
            widgets.HBox([self.version, self.compare_with]), widgets.HBox([self.send_button, self.status]),
            self.tabs,
        ])
        self._list_resources()

    def _ipython_display_(self) -> None:
        display(self.widget)

    # ----------------------------------------------------------------------- choosing

    def _offered(self) -> list[catalog.Operation]:
        everything = catalog.operations()
        if self.scope.value == EVERYTHING:
            return list(everything)
        return [op for op in everything if op.route in self.sandbox_routes]

    def _list_resources(self) -> None:
        names = list(dict.fromkeys(op.resource for op in self._offered()))
        keep = self.resource.value if self.resource.value in names else ("customers" if "customers" in names else names[0])
        self.resource.options = names
        self.resource.value = keep
        self._list_operations()

    def _list_operations(self) -> None:
        ops = [op for op in self._offered() if op.resource == self.resource.value]
        self.operation.options = [(self._label(op), op) for op in ops]
        if ops:
            self.operation.value = ops[0]
        self._show_form()

    def _label(self, op: catalog.Operation) -> str:
        mark = "" if op.route in self.sandbox_routes else "  (not in the sandbox: test mode only)"
        return f"{op.name} · {op.label}{mark}"

    def choose(self, sdk: str) -> RequestForm:
        """Pick an operation (``"setup_intents.create"``) as the dropdowns would; its form."""
        op = catalog.find(sdk)
        if op.route not in self.sandbox_routes:
            self.scope.value = EVERYTHING
        self.resource.value = op.resource
        self.operation.value = op
        return self.form

    def _show_form(self) -> None:
        op = self.operation.value
        self.status.value = ""
        if op is None:
            self.form, self.form_box.children = None, []
            return
        self.form = RequestForm(op, self._known_ids)
        where = "✔ the sandbox answers it" if op.route in self.sandbox_routes else (
            "✘ the sandbox does not emulate it (Stripe test mode has it)")
        required = ", ".join(self.form.required) or "none"
        self.about.value = (f"<code>{html.escape(op.call)}</code> · <code>{html.escape(op.label)}</code> · {where}"
                            f"<br><small>{html.escape(op.doc)}</small><br><small>Required: {html.escape(required)}"
                            " (marked *). Empty fields are not sent.</small>")
        self.form_box.children = [self.form.widget]
        if self.backend == send.SANDBOX and op.route not in self.sandbox_routes:
            self.status.value = _red(send.not_emulated(op).replace("so nothing was sent", "so it cannot be sent here"))

    def _known_ids(self) -> list[str]:
        seen = [a.object_id for a in self.answers if a.object_id]
        try:
            recorded = list(progress.recorded().values())
        except Problem:
            recorded = []
        return [*recorded, *seen]

    # ----------------------------------------------------------------------- sending

    def send(self) -> send.Answer | None:
        """Send what the form holds (after checking it); show the answer. One sentence when it
        cannot be sent, or when the answer is an error."""
        self.status.value = "<i>sending…</i>"
        self.problem = None
        try:
            answer = self._send()
        except (FormError, Problem) as problem:
            self.problem = str(problem)
            self.status.value = _red(self.problem)
            return None
        previous = self.answers[-1] if self.answers else None
        self.answers.append(answer)
        self._render(answer, previous)
        self.problem = answer.problem
        self.status.value = _red(answer.problem) if answer.problem else (
            f"✔ HTTP {answer.status} from {answer.backend} at {html.escape(answer.api_version)}")
        return answer

    def _send(self) -> send.Answer:
        op = self.form.operation if self.form else None
        if op is None:
            raise FormError("Choose an operation first.")
        if self.backend == send.SANDBOX and op.route not in self.sandbox_routes:
            raise Problem(send.not_emulated(op))
        path, params = self.form.values()
        answer = send.send(op, path, params, api_version=self.version.value, backend=self.backend)
        other = self.compare_with.value
        self.comparison = None
        if other == WITH_OTHER_BACKEND:
            self.comparison = compare.fidelity(op, path, params, self.version.value)
        elif other != NO_COMPARISON:
            second = send.send(op, path, params, api_version=other, backend=self.backend)
            self.comparison = compare.VersionComparison(answer, second)
        return answer

    def _render(self, answer: send.Answer, previous: send.Answer | None) -> None:
        body = answer.body

        def into(name: str, fill: Callable[[], None]) -> None:
            """The view's HTML, from what ``fill`` displays (captured, so that every runner,
            JupyterLab or nbclient, shows it alike)."""
            with capture_output() as captured:
                try:
                    fill()
                except Problem as problem:  # e.g. the Dashboard's link without a sandbox
                    display(HTML(_red(str(problem))))
            parts = [o.data.get("text/html") or f"<pre>{html.escape(o.data.get('text/plain', ''))}</pre>"
                     for o in captured.outputs]
            if captured.stdout:  # outside a kernel, display() prints
                parts.append(f"<pre>{html.escape(captured.stdout)}</pre>")
            self.views[name].value = "".join(parts)

        into("Summary", lambda: show(body) if answer.ok else display(HTML(_error_html(answer))))
        into("JSON", lambda: display(HTML(json_tree(body, "answer"))))
        into("Table", lambda: display(flatten(body)))
        into("Diff", lambda: display(compare.diff(previous.body, body)) if previous else display(HTML(
            "<p>No previous answer in this explorer: send another request to compare with this one.</p>")))
        into("curl", lambda: _pre(code.curl(answer)))
        into("Python", lambda: _pre(code.python(answer)))
        into("Node", lambda: _pre(code.node(answer)))
        into("Log entry", lambda: display(log().iloc[[answer.log_index]] if answer.log_index is not None else "—"))
        into("Dashboard", lambda: display(dashboard.link(answer.object_id) if answer.object_id else HTML(
            "<p>No object to link to: " + ("an error answer" if not answer.ok else "a list") + ".</p>")))
        into("Compare", lambda: display(self.comparison) if self.comparison is not None else display(HTML(
            "<p>Choose a version or the other backend under <i>Compare with</i>, then send.</p>")))


def _pre(text: str) -> None:
    display(HTML(f"<pre>{html.escape(text)}</pre>"))


def _error_html(answer: send.Answer) -> str:
    error = answer.error or {}
    rows = "".join(f"<tr><th style='text-align:left'>{k}</th><td style='text-align:left'><code>"
                   f"{html.escape(str(error.get(k)))}</code></td></tr>" for k in ("type", "code", "param", "message"))
    return f"<p>HTTP {answer.status}: {html.escape(answer.problem or '')}</p><table>{rows}</table>"
