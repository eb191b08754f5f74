"""SetupIntents with Amazon Pay: create, confirm (secret or publishable key), the redirect's
outcome (authorize / fail on the hosted page), cancel; and their SetupAttempts."""

from __future__ import annotations

import urllib.parse
from typing import Any

from ...urls import path_segment
from ..api.context import ApiRequest
from ..api.router import api
from ..shared.errors import StripeError
from ..shared.ids import new_id, random_token
from . import events, payment_method_configurations
from .common import apply_updates, created_filter, metadata
from .payment_method_configurations import ACCOUNT_PAYMENT_METHOD_TYPES
from .payment_methods import attach, check_usable_for, new_mandate, new_payment_method

REDIRECT_TYPES = {"amazon_pay"}
CONFIRMABLE = {"requires_payment_method", "requires_confirmation", "requires_action"}

# Where a browser must never be sent back to: script and inline-document schemes.
UNSAFE_SCHEMES = frozenset({"javascript", "data", "vbscript", "blob", "file", "about", "filesystem"})

AUTH_FAILED = (
    "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a "
    "new PaymentMethod to attempt to fulfill this SetupIntent again."
)


def _payment_method_types(req: ApiRequest, params: dict[str, Any]) -> tuple[list[str], Any]:
    """(payment_method_types, automatic_payment_methods) as Stripe computes them."""
    allowed = params.get("allowed_payment_method_types")
    if "allowed_payment_method_types" in params and not req.raw.get("_strict_payment_method_types"):
        for other in ("automatic_payment_methods", "excluded_payment_method_types", "payment_method_configuration"):
            if other in params:
                raise StripeError(
                    f"You may only specify one of these parameters: allowed_payment_method_types, {other}.",
                    code="parameters_exclusive",
                    param=other,
                )
    if allowed:
        if req.raw.get("_strict_payment_method_types"):  # the guide's payment_method_types
            for i, pm_type in enumerate(allowed):
                if pm_type not in ACCOUNT_PAYMENT_METHOD_TYPES:
                    raise StripeError(
                        f"The payment method type \"{pm_type}\" is invalid. Please ensure the provided "
                        "type is activated in your dashboard (https://dashboard.stripe.com/account/payments/settings) "
                        "and your account is enabled for any preview features that you are trying to use.",
                        param=f"payment_method_types[{i}]",
                    )
            return list(allowed), None
        compatible = [t for t in allowed if t in ACCOUNT_PAYMENT_METHOD_TYPES]
        if not compatible:
            raise StripeError(
                "None of the allowed_payment_method_types can be used with this SetupIntent.",
                param="allowed_payment_method_types",
            )
        return compatible, None
    automatic = params.get("automatic_payment_methods")
    if automatic is not None and not automatic.get("enabled"):
        raise StripeError(
            "Pass allowed_payment_method_types, or leave automatic_payment_methods enabled.",
            param="automatic_payment_methods[enabled]",
        )
    return list(ACCOUNT_PAYMENT_METHOD_TYPES), {
        "allow_redirects": (automatic or {}).get("allow_redirects", "always"),
        "enabled": True,
    }


@api.route("POST", "/v1/setup_intents", "SetupIntentCreateParams", quick=True)
def create(req: ApiRequest) -> dict[str, Any]:
    p = req.params
    customer = req.store.get("customer", p["customer"], "customer") if p.get("customer") else None
    if "mandate_data" in p and not p.get("confirm"):
        raise StripeError(
            "You can only pass mandate_data when confirm=true.", param="mandate_data"
        )
    if "return_url" in p and not p.get("confirm"):
        raise StripeError("You can only pass return_url when confirm=true.", param="return_url")
    types, automatic = _payment_method_types(req, p)
    usage = p.get("usage", "off_session")  # the params class allows off_session | on_session only
    secret_tail = random_token(32)
    si_id = new_id("seti", 24)
    intent = req.shape("setup_intent", {
        "id": si_id,
        "object": "setup_intent",
        "allowed_payment_method_types": p.get("allowed_payment_method_types") if not req.raw.get("_strict_payment_method_types") else None,
        "application": None,
        "attach_to_self": None,
        "automatic_payment_methods": automatic,
        "cancellation_reason": None,
        "client_secret": f"{si_id}_secret_{secret_tail}",
        "created": req.now(),
        "customer": customer["id"] if customer else None,
        "customer_account": None,
        "description": p.get("description"),
        "excluded_payment_method_types": p.get("excluded_payment_method_types"),
        "flow_directions": p.get("flow_directions"),
        "last_setup_error": None,
        "latest_attempt": None,
        "livemode": False,
        "managed_payments": None,
        "mandate": None,
        "metadata": metadata({}, p.get("metadata") or {}),
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": payment_method_configurations.details(
            req.store, p.get("payment_method_configuration")) if automatic else None,
        "payment_method_options": {t: {} for t in types if t in REDIRECT_TYPES} or None,
        "payment_method_types": types,
        "single_use_mandate": None,
        "status": "requires_payment_method",
        "usage": usage,
    })
    if p.get("payment_method"):
        intent["payment_method"] = _payment_method(req, intent, p["payment_method"])["id"]
        intent["status"] = "requires_confirmation"
    req.store.insert(intent)
    events.emit(req, "setup_intent.created", intent)
    if p.get("confirm"):
        _confirm(req, intent, p)
    elif "payment_method_data" in p:
        pm = new_payment_method(req, p["payment_method_data"], "payment_method_data")
        intent["payment_method"] = pm["id"]
        intent["status"] = "requires_confirmation"
        req.store.save(intent)
    return intent


def _payment_method(req: ApiRequest, intent: dict[str, Any], pm_id: str) -> dict[str, Any]:
    """The PaymentMethod ``pm_id`` for this intent: it exists, and no other customer has it."""
    pm = req.store.get("payment_method", pm_id, "payment_method")
    check_usable_for(pm, intent["customer"], "payment_method")
    return pm


def _client_secret_check(req: ApiRequest, intent: dict[str, Any]) -> None:
    if req.publishable and req.params.get("client_secret") != intent["client_secret"]:
        raise StripeError(
            "The client_secret provided does not match the client_secret associated with the SetupIntent.",
            code="setup_intent_invalid_parameter",
            param="client_secret",
        )


def _acceptance(req: ApiRequest, mandate_data: dict[str, Any] | None) -> dict[str, Any] | None:
    if not mandate_data:
        return None
    given = mandate_data["customer_acceptance"]
    acceptance = {"accepted_at": given.get("accepted_at"), "offline": None, "online": None, "type": given["type"]}
    if given["type"] == "offline":
        acceptance["offline"] = {}
        return acceptance
    online = given.get("online")
    if online is None:
        raise StripeError(
            "Missing required param: mandate_data[customer_acceptance][online].",
            code="parameter_missing", param="mandate_data[customer_acceptance][online]",
        )
    if online.get("infer_from_client"):
        if not req.publishable:
            raise StripeError(
                "infer_from_client can only be used with a publishable key (from Stripe.js). With a "
                "secret key, pass the customer's ip_address and user_agent.",
                param="mandate_data[customer_acceptance][online][infer_from_client]",
            )
        acceptance["online"] = {"ip_address": req.client_ip, "user_agent": req.user_agent}
        return acceptance
    for field in ("ip_address", "user_agent"):
        if not online.get(field):
            name = f"mandate_data[customer_acceptance][online][{field}]"
            raise StripeError(f"Missing required param: {name}.", code="parameter_missing", param=name)
    acceptance["online"] = {"ip_address": online["ip_address"], "user_agent": online["user_agent"]}
    return acceptance


def check_return_url(url: str) -> None:
    """``return_url`` as Stripe takes it: an absolute URL (``https://…``), or an application URI
    scheme for a mobile app (``myapp://…``, API reference: "If you'd prefer to redirect to a
    mobile application, you can alternatively supply an application URI scheme"). Anything else
    gets Stripe's 400 ``url_invalid`` "Not a valid URL" (longer than 5000 characters: ``schema``)."""
    try:
        parts = urllib.parse.urlsplit(url)
        web = parts.scheme in ("http", "https")
        valid = (
            bool(parts.scheme) and parts.scheme not in UNSAFE_SCHEMES and url.isprintable() and " " not in url
            and (bool(parts.hostname) if web else bool(parts.netloc or parts.path))
        )
    except ValueError:  # an unparsable host or port
        valid = False
    if not valid:
        raise StripeError("Not a valid URL", code="url_invalid", param="return_url")


def _confirm(req: ApiRequest, intent: dict[str, Any], p: dict[str, Any]) -> None:
    if p.get("return_url"):
        check_return_url(p["return_url"])
    if intent["status"] not in CONFIRMABLE:
        verb = "has already succeeded" if intent["status"] == "succeeded" else f"has a status of {intent['status']}"
        raise StripeError(
            f"You cannot confirm this SetupIntent because it {verb}.",
            code="setup_intent_unexpected_state",
            setup_intent=req.render(intent, expand=[]),
        )
    if "payment_method_data" in p:
        pm = new_payment_method(req, p["payment_method_data"], "payment_method_data")
    elif p.get("payment_method"):
        pm = _payment_method(req, intent, p["payment_method"])
    elif intent["payment_method"]:
        pm = _payment_method(req, intent, intent["payment_method"])
    else:
        raise StripeError(
            "You cannot confirm this SetupIntent because it's missing a payment method. You can either "
            "update the SetupIntent with a payment method and then confirm it again, or confirm it again "
            "directly with a payment method or ConfirmationToken.",
            code="setup_intent_unexpected_state",
        )
    if pm["type"] not in intent["payment_method_types"]:
        raise StripeError(
            f"The PaymentMethod provided ({pm['type']}) is not allowed for this SetupIntent. Allowed: "
            f"{', '.join(intent['payment_method_types'])}.",
            param="payment_method",
        )
    return_url = p.get("return_url") or intent.get("_return_url")
    if pm["type"] in REDIRECT_TYPES and not return_url:
        raise StripeError(
            f"A return_url must be specified: {pm['type']} redirects the customer to authorize the "
            "setup, then sends them back to return_url. (The sandbox's wording; Stripe's own message "
            "is longer.)",
            code="parameter_missing",
            param="return_url",
        )
    acceptance = _acceptance(req, p.get("mandate_data")) or intent.get("_acceptance")
    for old in req.store.query("setup_attempt", {"setup_intent": intent["id"], "status": "requires_action"}):
        old["status"] = "abandoned"
        req.store.save(old)
    attempt = req.shape("setup_attempt", {
        "id": new_id("setatt", 24),
        "object": "setup_attempt",
        "application": None,
        "attach_to_self": None,
        "created": req.now(),
        "customer": intent["customer"],
        "customer_account": None,
        "flow_directions": None,
        "livemode": False,
        "on_behalf_of": None,
        "payment_method": pm["id"],
        "payment_method_details": {"amazon_pay": {}, "type": pm["type"]},
        "setup_error": None,
        "setup_intent": intent["id"],
        "status": "requires_action",
        "usage": intent["usage"],
    })
    req.store.insert(attempt)
    intent.update({
        "payment_method": pm["id"],
        "latest_attempt": attempt["id"],
        "last_setup_error": None,
        "status": "requires_action",
        "next_action": {
            "type": "redirect_to_url",
            "redirect_to_url": {
                "url": f"{req.base_url}/pm-redirects/authorize/{path_segment(attempt['id'])}",
                "return_url": return_url,
            },
        },
        "_return_url": return_url,
        "_acceptance": acceptance,
    })
    req.store.save(intent)
    events.emit(req, "setup_intent.requires_action", intent)


@api.route("POST", "/v1/setup_intents/{id}/confirm", "SetupIntentConfirmParams", publishable=True, quick=True)
def confirm(req: ApiRequest) -> dict[str, Any]:
    intent = req.store.get("setup_intent", req.args["id"])
    _client_secret_check(req, intent)
    if req.publishable and "payment_method_options" in req.params:
        raise StripeError(
            "payment_method_options can only be set with a secret key.", param="payment_method_options"
        )
    _confirm(req, intent, req.params)
    return intent


@api.route("GET", "/v1/setup_intents/{id}", "SetupIntentRetrieveParams", publishable=True)
def retrieve(req: ApiRequest) -> dict[str, Any]:
    intent = req.store.get("setup_intent", req.args["id"])
    _client_secret_check(req, intent)
    return intent


def _open_intent(req: ApiRequest, verb: str) -> dict[str, Any]:
    """The SetupIntent of the request, refused once it is final (succeeded or canceled)."""
    intent = req.store.get("setup_intent", req.args["id"])
    if intent["status"] in ("succeeded", "canceled"):
        raise StripeError(
            f"You cannot {verb} this SetupIntent because it has a status of {intent['status']}.",
            code="setup_intent_unexpected_state",
        )
    return intent


@api.route("POST", "/v1/setup_intents/{id}", "SetupIntentUpdateParams", quick=True)
def update(req: ApiRequest) -> dict[str, Any]:
    intent = _open_intent(req, "update")
    p = req.params
    apply_updates(intent, p, ("description",))
    if p.get("customer"):
        intent["customer"] = req.store.get("customer", p["customer"], "customer")["id"]
    if p.get("payment_method"):
        intent["payment_method"] = _payment_method(req, intent, p["payment_method"])["id"]
        intent["status"] = "requires_confirmation"
    if "allowed_payment_method_types" in p:
        intent["payment_method_types"], intent["automatic_payment_methods"] = _payment_method_types(req, p)
        intent["payment_method_configuration_details"] = None  # the allowed types, not a configuration
        if not req.raw.get("_strict_payment_method_types"):
            intent["allowed_payment_method_types"] = p["allowed_payment_method_types"]
    req.store.save(intent)
    return intent


@api.route("POST", "/v1/setup_intents/{id}/cancel", "SetupIntentCancelParams", quick=True)
def cancel(req: ApiRequest) -> dict[str, Any]:
    intent = _open_intent(req, "cancel")
    intent.update({
        "status": "canceled",
        "cancellation_reason": req.params.get("cancellation_reason"),
        "next_action": None,
    })
    req.store.save(intent)
    events.emit(req, "setup_intent.canceled", intent)
    return intent


@api.route("GET", "/v1/setup_intents", "SetupIntentListParams")
def list_setup_intents(req: ApiRequest) -> dict[str, Any]:
    where = {k: req.params[k] for k in ("customer", "payment_method") if k in req.params}
    return req.list_of("setup_intent", where, accept=created_filter(req))


@api.route("GET", "/v1/setup_attempts", "SetupAttemptListParams")
def list_attempts(req: ApiRequest) -> dict[str, Any]:
    req.store.get("setup_intent", req.params["setup_intent"], "setup_intent")
    return req.list_of("setup_attempt", {"setup_intent": req.params["setup_intent"]}, accept=created_filter(req))


# --------------------------------------------------------------------------- the redirect's outcome

def attempt_for_page(store, attempt_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The attempt and its intent while the hosted page may still decide it."""
    attempt = store.find(attempt_id)
    if not attempt or attempt["object"] != "setup_attempt" or attempt["status"] != "requires_action":
        return None
    intent = store.find(attempt["setup_intent"])
    if not intent or intent["status"] != "requires_action" or intent["latest_attempt"] != attempt_id:
        return None
    return attempt, intent


def authorize(actor, attempt: dict[str, Any], intent: dict[str, Any], client_ip: str, user_agent: str) -> str:
    """The customer authorized on the hosted page: succeed, attach, create the mandate."""
    pm = actor.store.get("payment_method", attempt["payment_method"])
    acceptance = intent.get("_acceptance") or {
        "accepted_at": None, "offline": None, "type": "online",
        "online": {"ip_address": client_ip, "user_agent": user_agent},
    }
    acceptance = {**acceptance, "accepted_at": acceptance.get("accepted_at") or actor.now()}
    if intent["customer"]:
        attach(actor, pm, intent["customer"])
    mandate = new_mandate(actor, pm, acceptance)
    attempt["status"] = "succeeded"
    actor.store.save(attempt)
    intent.update({"status": "succeeded", "next_action": None, "mandate": mandate["id"]})
    actor.store.save(intent)
    events.emit(actor, "setup_intent.succeeded", intent)
    return _return_to(intent, "succeeded")


def fail(actor, attempt: dict[str, Any], intent: dict[str, Any]) -> str:
    """The customer declined: back to requires_payment_method with last_setup_error."""
    pm = actor.store.get("payment_method", attempt["payment_method"])
    error = {
        "code": "setup_intent_authentication_failure",
        "doc_url": "https://stripe.com/docs/error-codes/setup-intent-authentication-failure",
        "message": AUTH_FAILED,
        "payment_method": events.public(pm),
        "type": "invalid_request_error",
    }
    attempt.update({"status": "failed", "setup_error": error})
    actor.store.save(attempt)
    intent.update({
        "status": "requires_payment_method", "next_action": None, "payment_method": None,
        "last_setup_error": error,
    })
    actor.store.save(intent)
    events.emit(actor, "setup_intent.setup_failed", intent)
    return _return_to(intent, "failed")


def _return_to(intent: dict[str, Any], redirect_status: str) -> str:
    url = urllib.parse.urlsplit(intent["_return_url"])
    query = urllib.parse.parse_qsl(url.query, keep_blank_values=True) + [
        ("setup_intent", intent["id"]),
        ("setup_intent_client_secret", intent["client_secret"]),
        ("redirect_status", redirect_status),
    ]
    return urllib.parse.urlunsplit(url._replace(query=urllib.parse.urlencode(query)))
