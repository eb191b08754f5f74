"""The learner's Dashboard (``/dashboard/``): the offline counterpart of the Stripe Dashboard,
read-only, for one account only: products and prices, customers, SetupIntents, subscriptions,
invoices (with their hosted page and PDF), events, and the account's request log, each object
linked to the objects it names.

Signing in: the learner's helpers ask ``POST /_sandbox/dashboard-link`` (with the account's
secret key) for a token that lasts 15 minutes, and print a link that carries it in its
fragment (``…/dashboard/login#token=…&next=cus_…``). The login page posts it, and the browser
gets a session cookie for that account (``signin.py``). A stale link still opens the page when
the browser has a session already. The secret key never reaches a browser.

Every page lives at ``/dashboard/<name>`` (a list, ``logs``, or an object's ID), so links
between pages are plain relative names, and the hosted invoice page is ``../i/<token>``: all
of it works behind jupyter-server-proxy's path prefix as well.
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..classroom.control import account_of, form_fields
from ..shared.errors import StripeError
from . import signin, views
from .hosted import money, same_origin

LINK = "dashboard-link"  # the token a printed link carries
SESSION = "dashboard"  # the cookie's
LIST_LIMIT = 100  # newest first; a tutorial's account holds far fewer
STATIC = "../_sandbox/static"
EXPIRED = ("This Dashboard link is not valid: expired, altered, or from a sandbox that has restarted. In your "
           "notebook, run dashboard.open() again: from helpers import dashboard; dashboard.open()")
NOT_SIGNED_IN = ("Open your Dashboard from a notebook, which signs you in to your own account: "
                 "from helpers import dashboard; dashboard.open()")
# What a string must look like to be linked as an object ID: the prefix of an object the sandbox
# keeps (so that a path segment such as ``setup_intents`` is no link).
ID_PREFIXES = ("cus", "prod", "price", "seti", "setatt", "pm", "pmc", "mandate", "sub", "si", "in", "il", "inpay",
               "pi", "ch", "evt", "clock", "we")
ID_PATTERN = re.compile(rf"(?:{'|'.join(ID_PREFIXES)})_[A-Za-z0-9]{{6,}}")


@dataclass(frozen=True)
class Link:
    text: str
    href: str
    external: bool = False  # a hosted page: opens in a new tab


def ref(object_id: Any, text: str | None = None) -> Link | str:
    """A link to an object's page, by its ID (encoded: an ID never leaves its path segment)."""
    if not isinstance(object_id, str) or not object_id:
        return "–"
    return Link(text or object_id, "./" + urllib.parse.quote(object_id, safe=""))


def when(timestamp: Any) -> str:
    if not isinstance(timestamp, int):
        return "–"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def price_label(price: Any) -> str:
    if not isinstance(price, dict):
        return str(price or "–")
    amount = money(price.get("unit_amount") or 0, price.get("currency") or "usd")
    recurring = price.get("recurring")
    if not recurring:
        return f"{amount} once"
    count, interval = recurring.get("interval_count") or 1, recurring.get("interval")
    return f"{amount} / {interval}" if count == 1 else f"{amount} / {count} {interval}s"


# A status as Stripe's Dashboard labels it (the guide: "… ändert sich der Status im Stripe-Dashboard
# in Aktiv", Active in the English Dashboard); the API's value is shown beside it.
STATUS_LABELS = {"active": "Active", "past_due": "Past due", "canceled": "Canceled", "trialing": "Trialing",
                 "incomplete": "Incomplete", "incomplete_expired": "Incomplete expired", "unpaid": "Unpaid",
                 "paused": "Paused", "paid": "Paid", "open": "Open", "draft": "Draft", "void": "Void",
                 "uncollectible": "Uncollectible", "succeeded": "Succeeded"}


def heading_of(obj: dict) -> str | None:
    """An object page's heading: a price by what it charges, others by name, email or number."""
    if obj.get("object") == "price":
        return price_label(obj)
    return next((obj[f] for f in ("name", "email", "number") if isinstance(obj.get(f), str)), None)


def hosted_links(invoice: dict) -> list[Link]:
    token = invoice.get("_hosted_token")
    if not token:
        return []
    token = urllib.parse.quote(token, safe="")
    return [Link("Hosted invoice page", f"../i/{token}", external=True),
            Link("PDF", f"../invoice/{token}/pdf", external=True)]


Cell = Callable[[dict], Any]  # an object -> a str, a Link or a list of Links


@dataclass(frozen=True)
class Collection:
    """A list page, and the table it shows (also under related objects)."""

    key: str
    title: str
    object_type: str
    columns: tuple[tuple[str, Cell], ...]
    filter: dict[str, Any] = field(default_factory=dict)


def _customer(obj: dict) -> Link | str:
    return ref(obj.get("customer"))


COLLECTIONS = {c.key: c for c in (
    Collection("products", "Products", "product", (
        ("Name", lambda o: ref(o["id"], o.get("name") or o["id"])),
        ("ID", lambda o: o["id"]),
        ("Default price", lambda o: ref(o.get("default_price"))),
        ("Active", lambda o: "yes" if o.get("active") else "no"),
        ("Created", lambda o: when(o.get("created"))),
    )),
    Collection("prices", "Prices", "price", (
        ("Price", lambda o: ref(o["id"], price_label(o))),
        ("ID", lambda o: o["id"]),
        ("Product", lambda o: ref(o.get("product"))),
        ("Type", lambda o: o.get("type") or "–"),
        ("Active", lambda o: "yes" if o.get("active") else "no"),
        ("Created", lambda o: when(o.get("created"))),
    )),
    Collection("customers", "Customers", "customer", (
        ("Customer", lambda o: ref(o["id"], o.get("name") or o.get("email") or o["id"])),
        ("Email", lambda o: o.get("email") or "–"),
        ("ID", lambda o: o["id"]),
        ("Created", lambda o: when(o.get("created"))),
    )),
    Collection("setup_intents", "SetupIntents", "setup_intent", (
        ("SetupIntent", lambda o: ref(o["id"])),
        ("Status", lambda o: o.get("status") or "–"),
        ("Customer", _customer),
        ("PaymentMethod", lambda o: ref(o.get("payment_method"))),
        ("Created", lambda o: when(o.get("created"))),
    )),
    Collection("payment_methods", "Payment methods", "payment_method", (
        ("PaymentMethod", lambda o: ref(o["id"])),
        ("Type", lambda o: o.get("type") or "–"),
        ("Customer", _customer),
        ("Created", lambda o: when(o.get("created"))),
    )),
    Collection("subscriptions", "Subscriptions", "subscription", (
        ("Subscription", lambda o: ref(o["id"])),
        ("Status", lambda o: o.get("status") or "–"),
        ("Customer", _customer),
        ("Price", lambda o: [ref((i.get("price") or {}).get("id"), price_label(i.get("price")))
                             for i in (o.get("items") or {}).get("data", [])]),
        ("Created", lambda o: when(o.get("created"))),
    )),
    Collection("invoices", "Invoices", "invoice", (
        ("Invoice", lambda o: ref(o["id"], o.get("number") or o["id"])),
        ("Status", lambda o: o.get("status") or "–"),
        ("Total", lambda o: money(o.get("total") or 0, o.get("currency") or "usd")),
        ("Billing reason", lambda o: o.get("billing_reason") or "–"),
        ("Customer", _customer),
        ("Hosted page", hosted_links),
        ("Created", lambda o: when(o.get("created"))),
    )),
    Collection("events", "Events", "event", (
        ("Event", lambda o: ref(o["id"], o.get("type"))),
        ("Object", lambda o: ref(((o.get("data") or {}).get("object") or {}).get("id"))),
        ("ID", lambda o: o["id"]),
        ("Created", lambda o: when(o.get("created"))),
    )),
)}
NAVIGATION = [("", "Home"), *((c.key, c.title) for c in COLLECTIONS.values() if c.key != "payment_methods"),
              ("logs", "Request log")]
# What an object's page lists below it: (collection, the field, dotted, that names this object).
RELATED = {
    "product": [("prices", "product")],
    "customer": [("subscriptions", "customer"), ("invoices", "customer"), ("setup_intents", "customer"),
                 ("payment_methods", "customer")],
    "subscription": [("invoices", "parent.subscription_details.subscription")],
}


def table(collection: Collection, objects: list[dict]) -> dict:
    return {"title": collection.title, "key": collection.key, "headers": [h for h, _ in collection.columns],
            "rows": [[cell(obj) for _, cell in collection.columns] for obj in objects]}


def strings_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(strings_in(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(strings_in(v) for v in value)) if value else set()
    return {value} if isinstance(value, str) and ID_PATTERN.fullmatch(value) else set()


def json_html(value: Any, known: set[str], depth: int = 0) -> Markup:
    """``value`` as indented JSON, escaped, each ID in ``known`` a link to its page."""
    if isinstance(value, dict | list) and value:
        pad = Markup("  " * depth)
        pairs = value.items() if isinstance(value, dict) else ((None, v) for v in value)
        inner = Markup(",\n").join(
            pad + Markup("  ") + (Markup("{}: ").format(json.dumps(k)) if k is not None else "")
            + json_html(v, known, depth + 1)
            for k, v in pairs
        )
        opening, closing = "{}" if isinstance(value, dict) else "[]"
        return Markup("{}\n{}\n{}{}").format(opening, inner, pad, closing)
    text = json.dumps(value)
    if isinstance(value, str) and value in known:
        return Markup('<a href="./{}">{}</a>').format(urllib.parse.quote(value, safe=""), text)
    return escape(text)


class Pages:
    """What the Dashboard's pages read, in one account's view of the store."""

    def __init__(self, sandbox, account_id: str) -> None:
        self.sandbox = sandbox
        self.account = sandbox.accounts.get(account_id)
        self.store = sandbox.room.account(account_id)

    def base(self, current: str | None) -> dict:  # current: the navigation's key of this page, if any
        name = self.account.display_name if self.account else None
        return {"navigation": NAVIGATION, "current": current, "account_name": name or "your account",
                "account_id": self.account.id if self.account else "", "static": STATIC}

    def home(self) -> dict:
        counted = self.store.counts_by_type()
        counts = [(c.key, c.title, counted.get(c.object_type, 0)) for c in COLLECTIONS.values()
                  if c.key in dict(NAVIGATION)]
        last_error = self.sandbox.activity.last_error(self.store.account)
        return {**self.base(""), "counts": counts,
                "events": table(COLLECTIONS["events"], self.store.query("event", limit=10)),
                "last_error": last_error.as_dict() if last_error else None}

    def collection(self, key: str) -> dict:
        collection = COLLECTIONS[key]
        objects = self.store.query(collection.object_type, collection.filter or None, limit=LIST_LIMIT)
        return {**self.base(key), "table": table(collection, objects), "limit": LIST_LIMIT}

    def logs(self) -> dict:
        records = list(reversed(self.sandbox.activity.recent(self.store.account)))
        rows = [{**r.as_dict(), "when": datetime.fromtimestamp(r.time, UTC).strftime("%H:%M:%S UTC"),
                 "object": ref(segment) if ID_PATTERN.fullmatch(segment := r.path.rsplit("/", 1)[-1]) else None}
                for r in records]
        return {**self.base("logs"), "requests": rows}

    def object(self, object_id: str) -> dict | None:
        obj = self.store.find(object_id)
        if obj is None:
            return None
        kind = obj.get("object", "")
        public = {k: v for k, v in obj.items() if not k.startswith("_")}
        related = [table(COLLECTIONS[key], self.store.query(COLLECTIONS[key].object_type, {field_name: object_id},
                                                                 limit=LIST_LIMIT))
                   for key, field_name in RELATED.get(kind, [])]
        if kind != "event":
            related.append(table(COLLECTIONS["events"], self.store.events_about(object_id, 20)))
        known = self.store.existing_ids(strings_in(public) - {object_id})
        listed_in = next((c.key for c in COLLECTIONS.values() if c.object_type == kind), "")
        status = obj.get("status") if isinstance(obj.get("status"), str) else None
        return {**self.base(listed_in), "object_id": object_id, "kind": kind, "json": json_html(public, known),
                "name": heading_of(obj), "status": status, "status_label": STATUS_LABELS.get(status, status),
                "related": related, "hosted": hosted_links(obj) if kind == "invoice" else []}


def issue_link(signer: signin.Signer, account_id: str) -> str:
    """A sign-in link for an account's Dashboard, relative to the sandbox's root."""
    token, _ = signer.issue(LINK, account_id, signin.LINK_SECONDS)
    return f"dashboard/login#token={token}"


def routes(sandbox, signer: signin.Signer) -> list[Route]:
    def account_in(request: Request) -> str | None:
        found = signin.session(request, signer, SESSION)
        return found if found and sandbox.accounts.get(found) else None

    async def link(request: Request) -> Response:
        """A sign-in token for the Dashboard of the key's account (the learner's helpers ask)."""
        def answer() -> Response:
            try:
                account_id = account_of(sandbox, request)
            except StripeError as error:
                return JSONResponse(error.body(), status_code=error.status)
            return JSONResponse({"path": issue_link(signer, account_id),
                                 "expires": int(time.time()) + signin.LINK_SECONDS},
                                headers={"Cache-Control": "no-store"})

        return await run_in_threadpool(answer)

    def login_form(request: Request, message: str = "", status: int = 200) -> Response:
        return views.login_page(request, title="Your Dashboard – sign in", intro=NOT_SIGNED_IN,
                                secret_field=False, message=message, status=status)

    async def login(request: Request) -> Response:
        if request.method == "GET":
            return login_form(request)
        if not same_origin(request):
            return login_form(request, "Sign in from this page itself.", 403)
        form = dict(await form_fields(request))
        target = "./" + views.safe_next(form.get("next"))
        account_id = signer.subject(LINK, form.get("token", "").strip())
        if account_id and sandbox.accounts.get(account_id):
            response = RedirectResponse(target, status_code=303)
            signin.start_session(response, request, signer, SESSION, account_id)
            return response
        if account_in(request):  # a stale link, but this browser is signed in already
            return RedirectResponse(target, status_code=303)
        return login_form(request, EXPIRED, 403)

    def page(request: Request) -> Response:  # sync: Starlette runs it in a thread (SQLite)
        account_id = account_in(request)
        if account_id is None:
            return RedirectResponse("login", status_code=303)
        name = request.path_params.get("name", "")
        pages = Pages(sandbox, account_id)
        with pages.store.snapshot():
            if name == "":
                return views.render(request, "dashboard_home.html", pages.home())
            if name in COLLECTIONS:
                return views.render(request, "dashboard_list.html", pages.collection(name))
            if name == "logs":
                return views.render(request, "dashboard_logs.html", pages.logs())
            found = pages.object(name)
        if found is None:
            return views.render(request, "dashboard_missing.html", {**pages.base(None), "object_id": name}, 404)
        return views.render(request, "dashboard_object.html", found)

    return [
        Route("/_sandbox/dashboard-link", link, methods=["POST"]),
        Route("/dashboard", views.redirect_to("dashboard/")),
        Route("/dashboard/login", login, methods=["GET", "POST"]),
        Route("/dashboard/", page),
        Route("/dashboard/{name}", page),
    ]
