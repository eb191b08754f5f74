"""API keys: the one key a request carries, and what kind it is (secret or publishable).

A request names its key once: in one ``Authorization`` header (Bearer, or Basic as curl's
``-u sk_test_…:`` sends it), or, as Stripe.js does, a publishable key as ``key=``. A second key
anywhere (two headers, a header and ``key=``) is refused rather than silently ignored, and a
live key anywhere is refused before anything else.
"""

from __future__ import annotations

import base64

from starlette.requests import Request

from ..shared.errors import StripeError

NO_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization header, "
    "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
    "https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/."
)
LIVE_KEY = (
    "This sandbox accepts test keys only (sk_test_…, rk_test_…, pk_test_…). A live key moves real "
    "money: never use it with this tutorial."
)
PUBLISHABLE = (
    "This API call cannot be made with a publishable API key. Please use a secret API key. You can "
    "find a list of your API keys at https://dashboard.stripe.com/account/apikeys."
)
KEY_IN_URL = (
    "Only a publishable key (pk_test_…) may be sent as the `key` parameter, as Stripe.js does. Send a "
    "secret or restricted key in the Authorization header ('Authorization: Bearer sk_test_…'), never in "
    "a URL or a form body, where logs and browser history keep it."
)
ONE_KEY = (
    "This request carries {count} API keys ({where}). Send exactly one: in the Authorization header "
    "(a secret key), or as key=pk_test_… (a publishable key, as Stripe.js does)."
)
LIVE_PREFIXES = ("sk_live_", "rk_live_", "pk_live_")


def mask(key: str) -> str:
    return key[:8] + "*" * 4 + key[-4:] if len(key) > 12 else key[:3] + "****"


def _from_header(header: str) -> str:
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value).decode().split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):
            return ""
    return ""


def api_key(request: Request, form: list[tuple[str, str]]) -> str:
    """The request's one API key ("" when it has none)."""
    given = [("header", _from_header(h)) for h in request.headers.getlist("authorization")]
    given += [("key=", value) for name, value in form if name == "key"]
    if any(key.startswith(LIVE_PREFIXES) for _, key in given):
        raise StripeError(LIVE_KEY, status=401)
    if len(given) > 1:
        where = ", ".join(place for place, _ in given)
        raise StripeError(ONE_KEY.format(count=len(given), where=where), status=401)
    if not given:
        return ""
    place, key = given[0]
    if place == "key=" and not key.startswith("pk_"):
        raise StripeError(KEY_IN_URL, status=401)
    return key


def key_kind(key: str) -> str:
    """"secret" or "publishable"; 401 for no key, a live key or anything else."""
    if not key:
        raise StripeError(NO_KEY, status=401, type="invalid_request_error")
    if key.startswith(LIVE_PREFIXES):
        raise StripeError(LIVE_KEY, status=401)
    if key.startswith(("sk_test_", "rk_test_")) and len(key) > 8:
        return "secret"
    if key.startswith("pk_test_") and len(key) > 8:
        return "publishable"
    raise StripeError(f"Invalid API Key provided: {mask(key)}", status=401)
