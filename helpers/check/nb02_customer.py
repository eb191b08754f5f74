"""Exercises of notebook 02 · Customer (*Kundinnen/Kunden erstellen oder abrufen*)."""

from __future__ import annotations

import re

from helpers.focus import Expected

from ._core import Look, NotYet, exercise_definition, no_attempt_yet

NOTEBOOK = "02_customer"
WHERE = "run notebook 02's cells (or `progress.catch_up('customer')`)"
ONE_CUSTOMER = re.compile(r"/v1/customers/(?!search$)[^/]+")


@exercise_definition(
    id="02-retrieve-by-id",
    notebook=NOTEBOOK,
    title="Find the customer by ID",
    task="""
The guide says *erstellen oder abrufen*: create the customer, or retrieve it. A real integration
keeps the `cus_…` ID with its own user record and retrieves the customer **by that ID**, with no
search at all. Retrieve this tutorial's customer (`progress.require("customer")`) that way.

**Predict first:** which HTTP method and path will the request log show?
""",
    solution="""
check.start("02-retrieve-by-id")
customer = client.v1.customers.retrieve(progress.require("customer"))
customer.id, customer.email
""",
    attempt="Retrieve the customer by its ID: `client.v1.customers.retrieve(progress.require('customer'))`.",
)
def retrieve_by_id(look: Look) -> str:
    customer = look.recorded("customer", WHERE)
    mine = look.sent("GET", f"/v1/customers/{customer}", status=200)
    if mine:
        return (f"`GET /v1/customers/{customer}` answered 200: a retrieve by ID is exact and "
                "immediate. Listing by email and search are for people looking for someone; your "
                "code keeps the ID.")
    others = [e for e in look.sent("GET", ONE_CUSTOMER) if e.path != f"/v1/customers/{customer}"]
    if others:
        raise NotYet(f"You retrieved `{others[-1].path.rsplit('/', 1)[-1]}`; this tutorial's customer "
                     f"is `{customer}` (`progress.require('customer')`).")
    if look.sent("GET", "/v1/customers") or look.sent("GET", "/v1/customers/search"):
        raise NotYet("No retrieve by ID yet: a list or search by email finds someone you do not know "
                     "the ID of; your code stores the ID and retrieves by it: "
                     "`client.v1.customers.retrieve(progress.require('customer'))`.")
    raise no_attempt_yet("none of your requests retrieves a customer. Retrieve this tutorial's "
                         "customer by its ID: `client.v1.customers.retrieve(progress.require('customer'))`.")


@exercise_definition(
    id="02-missing-customer",
    notebook=NOTEBOOK,
    title="A customer that does not exist",
    task="""
What does Stripe answer when your stored ID is wrong? Retrieve the customer `cus_doesnotexist`.

**Predict first:** the HTTP status, the error `code`, and the exception stripe-python raises.
Write the status down in `check.predict(...)` before you run.
""",
    solution="""
check.predict("02-missing-customer", 404)
try:
    client.v1.customers.retrieve("cus_doesnotexist")
except stripe.InvalidRequestError as error:
    print(type(error).__name__, error.http_status, error.code, error.param)
""",
    predicts=True,
    attempt="Retrieve a customer that does not exist: `client.v1.customers.retrieve('cus_doesnotexist')`.",
    expects=(Expected(404, "resource_missing"),),
)
def missing_customer(look: Look) -> str:
    missing = [e for e in look.sent("GET", ONE_CUSTOMER) if e.status == 404]
    if missing:
        entry = missing[-1]
        return (f"`GET {entry.path}` answered 404 `{entry.error_code}`; stripe-python raised "
                "`stripe.InvalidRequestError` (its `http_status`, `code` and `param` say why)."
                + look.prediction_note(404, entry.error_code, "InvalidRequestError",
                                     "stripe.InvalidRequestError"))
    found = look.sent("GET", ONE_CUSTOMER, status=200)
    if found:
        raise NotYet(f"`{found[-1].path.rsplit('/', 1)[-1]}` exists (200). Retrieve an ID that does "
                     "not, e.g. `client.v1.customers.retrieve('cus_doesnotexist')`.")
    raise no_attempt_yet("none of your requests retrieves a customer by ID. Call "
                         "`client.v1.customers.retrieve('cus_doesnotexist')` (inside try/except).")
