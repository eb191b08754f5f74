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


@exercise_definition(
    id="02-idempotent-retry",
    notebook=NOTEBOOK,
    title="A signup sent twice",
    task="""
Your signup form was submitted twice (a double click, or your server retried after a timeout), and
Stripe makes a new customer for every create. Send the **same** `POST /v1/customers` twice with
one idempotency key of your own (`options={"idempotency_key": key}`), and compare the two answers.

**Predict first:** how many customers do the two requests make? Write the number down in
`check.predict(...)` before you run.
""",
    solution="""
check.predict("02-idempotent-retry", 1)
import uuid

key = f"signup-{uuid.uuid4()}"  # one key per signup attempt (your own record's ID would do)
params = {"email": "double.click@example.com", "metadata": dict([progress.TUTORIAL_TAG])}
first = client.v1.customers.create(params=params, options={"idempotency_key": key})
again = client.v1.customers.create(params=params, options={"idempotency_key": key})  # the retry
print(first.id == again.id, again.last_response.headers.get("Idempotent-Replayed"))
client.v1.customers.delete(first.id)  # a customer for this exercise only
""",
    predicts=True,
    attempt="Create a customer twice with the same `options={'idempotency_key': key}`.",
)
def idempotent_retry(look: Look) -> str:
    creates = look.sent("POST", "/v1/customers")
    if not creates:
        raise no_attempt_yet("none of your requests creates a customer. Create one twice with the same "
                             "`options={'idempotency_key': key}`.")
    sent_with: dict[str | None, list] = {}
    for entry in creates:
        sent_with.setdefault(entry.idempotency_key, []).append(entry)
    for same in sorted(sent_with.values(), key=lambda entries: entries[-1].time, reverse=True):
        if len(same) < 2:
            continue
        made = {e.object_id for e in same if e.status == 200}
        if len(made) == 1 and sum(e.status == 200 for e in same) >= 2:
            return (f"Both answers carry `{made.pop()}`: Stripe saved the first answer under your key "
                    "and replayed it for the retry (`Idempotent-Replayed: true`), so the double submit "
                    "made one customer. stripe-python gives every POST a fresh key of its own; only a "
                    "key of yours, made once per signup, makes your own retries safe."
                    + look.prediction_note(1))
        if any(e.status == 400 for e in same[1:]):
            raise NotYet("Your second request under that key sent other parameters, and Stripe refused "
                         "it (400 `idempotency_error`): a key stands for one request. Send the retry "
                         "with exactly the same parameters.")
    made = [e.object_id for e in creates if e.status == 200]
    if len(made) >= 2:
        raise NotYet(f"Two creates made two customers (`{made[-2]}`, `{made[-1]}`): each went with "
                     "its own key (stripe-python makes a new one per call). Pass one key of yours to "
                     "both: `options={'idempotency_key': key}`.")
    raise NotYet("One create so far: send the very same request again, with the same idempotency key.")
