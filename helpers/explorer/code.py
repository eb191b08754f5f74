"""Copy as code: the request an answer came from, as ``curl``, stripe-python and stripe-node,
each runnable as copied. Keys come from the environment, never from the text:

* Stripe test mode: ``$STRIPE_SECRET_KEY`` (curl), ``os.environ["STRIPE_SECRET_KEY"]``,
  ``process.env.STRIPE_SECRET_KEY``.
* The sandbox: curl reads the learner's key with ``$(python3 -m helpers.sandbox key)`` (as every
  curl view of the tutorial); the Python and Node programs read ``STRIPE_SECRET_KEY``, and their
  first line says how to run them with the sandbox's key (from the project's directory). They
  send to the sandbox's address, which is the only other difference.

stripe-node: ``stripe.<resource>.<method>`` (camelCase; ``delete`` is ``del``) for a top-level
resource, as stripe-node 23 names them; an operation on a resource under another (a customer's
PaymentMethods, an invoice's lines) is sent with ``stripe.rawRequest(method, path, params)``,
whose names stripe-node does not derive from stripe-python's.
"""

from __future__ import annotations

import dataclasses
import json
from urllib.parse import urlencode

from stripe._encode import _api_encode  # the SDK's own form encoding

from helpers.client import as_curl
from helpers.sandbox.client.keys import KEY_COMMAND
from helpers.show import python_literal

from .catalog import Operation, operations
from .send import SANDBOX, Answer

ENV_KEY = "STRIPE_SECRET_KEY"
RUN_WITH_SANDBOX_KEY = f'{ENV_KEY}="{KEY_COMMAND}"'
# stripe-node names that its rule (camelCase, delete -> del) does not give (stripe-node 23).
NODE_NAMES = {("billing", "credit_balance_summary", "retrieve"): "billing.creditBalanceSummaries.retrieve"}


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def _is_nested(operation: Operation) -> bool:
    """A resource under another (``customers.payment_methods``), or a path under another
    resource's (``sources.detach`` is ``/v1/customers/{customer}/sources/{id}``)."""
    owners = {op.resource for op in operations()}
    under = any(".".join(operation.sdk[:i]) in owners for i in range(1, len(operation.sdk) - 1))
    first = operation.path.removeprefix("/v1/").split("/")
    namespace = operation.sdk[:-2]
    return under or first[len(namespace)] != operation.sdk[-2]


def node_method(operation: Operation) -> str | None:
    """``setupIntents.create`` for stripe-node, or None where it is sent with ``rawRequest``."""
    if operation.sdk in NODE_NAMES:
        return NODE_NAMES[operation.sdk]
    if _is_nested(operation):
        return None
    name = "del" if operation.name == "delete" else _camel(operation.name)
    return ".".join([*(_camel(part) for part in operation.sdk[:-1]), name])


def curl(answer: Answer) -> str:
    """The request as curl (the request log's, with the key read from the environment)."""
    if answer.entry is None:
        raise ValueError("This answer has no request log entry (nothing was sent).")
    line, *rest = as_curl(dataclasses.replace(answer.entry, key="")).split(" \\\n  ")
    key = f'-u "{KEY_COMMAND}:"' if answer.backend == SANDBOX else f'-u "${ENV_KEY}:"'
    return " \\\n  ".join([line, key, *rest])


def _base(answer: Answer) -> str | None:
    """The sandbox's address (None for Stripe itself: the SDKs' default)."""
    return answer.entry.base if answer.backend == SANDBOX and answer.entry else None


def _run_note(answer: Answer, command: str) -> str:
    if answer.backend == SANDBOX:
        return f"Run from the project's directory: {RUN_WITH_SANDBOX_KEY} {command}"
    return f"Run with your test key in the environment: {ENV_KEY}=sk_test_… {command}"


def python(answer: Answer) -> str:
    """The request as a stripe-python program."""
    op = answer.operation
    base = _base(answer)
    options = [f"    os.environ[{ENV_KEY!r}],".replace("'", '"'),
               f'    stripe_version="{answer.api_version}",']
    if base:
        options.append(f'    base_addresses={{"api": "{base}"}},  # the sandbox')
    args = [json.dumps(value) for value in answer.path]
    if answer.params:
        args.append("params=" + python_literal(answer.params, 0, len(op.call) + 17))
    call = f"{op.call}(" + ", ".join(args) + ")"
    return "\n".join([
        f"# {_run_note(answer, 'python3 request.py')}",
        "import os", "", "import stripe", "",
        "client = stripe.StripeClient(", *options, ")",
        f"answer = {call}",
        "print(answer)",
    ])


def node(answer: Answer) -> str:
    """The request as a stripe-node program (CommonJS; ``npm install stripe``)."""
    op = answer.operation
    config = [f"  apiVersion: '{answer.api_version}',"]
    base = _base(answer)
    head = ["const Stripe = require('stripe');"]
    if base:
        head.append(f"const sandbox = new URL('{base}');")
        config.append("  host: sandbox.hostname, port: sandbox.port, protocol: sandbox.protocol.slice(0, -1),")
    params = json.dumps(answer.params, indent=2, ensure_ascii=False) if answer.params else None
    method = node_method(op)
    if method:
        args = [json.dumps(value) for value in answer.path] + ([params] if params else [])
        call = f"stripe.{method}(" + ", ".join(args) + ")"
    else:
        path = op.path
        for name, value in zip(op.path_params, answer.path, strict=True):
            path = path.replace("{" + name + "}", value)
        if op.method != "POST" and answer.params:  # rawRequest takes params on POST only
            path += "?" + urlencode(list(_api_encode(answer.params)))
            params = None
        call = f"stripe.rawRequest('{op.method}', {json.dumps(path)}, {params or '{}'})"
    return "\n".join([
        f"// {_run_note(answer, 'node request.js')} (after: npm install stripe)",
        *head, "",
        f"const stripe = new Stripe(process.env.{ENV_KEY}, {{", *config, "});", "",
        f"{call}",
        "  .then((answer) => console.log(JSON.stringify(answer, null, 2)))",
        "  .catch((error) => { console.error(error.message); process.exitCode = 1; });",
    ])
