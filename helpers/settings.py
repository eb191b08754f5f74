"""Mode and keys: which "Stripe" the notebooks talk to, and with which keys.

Mode resolution:
1. ``TUTORIAL_MODE=sandbox|stripe`` when given;
2. otherwise ``stripe`` (Stripe test mode) when ``STRIPE_SECRET_KEY`` is set, or a key was pasted
   with :func:`key_widget`;
3. otherwise ``sandbox`` (the offline stand-in).

Variables come from the environment and from ``.env`` at the repository root (read with
python-dotenv; the environment wins). Keys are checked before any request, and never shown:
reprs and messages carry only the masked form ``sk_test_…4xYz``.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import stripe

from helpers.problems import Problem
from helpers.sandbox.client import keys, process  # this state directory's own sandbox and key pair
from helpers.urls import classroom_url, environment, public_base

Mode = Literal["sandbox", "stripe"]

# The sandbox's shared demo keys (tests, curl by hand). The tutorial itself uses each
# learner's own pair (helpers.sandbox.client.keys), so that learners never share an account.
SANDBOX_SECRET_KEY = "sk_test_sandbox"
SANDBOX_PUBLISHABLE_KEY = "pk_test_sandbox"
STRIPE_API_BASE = "https://api.stripe.com"


def stripe_js_url(api_version: str) -> str:
    """The Stripe.js that test mode loads: the release named like the API version's major
    (``2026-10-28.endive`` → ``https://js.stripe.com/endive/stripe.js``); ``v3`` for versions
    without a major's name.

    For the releases after v3 "the API version is pinned to the Stripe.js version"
    (docs.stripe.com/js/initializing, ``apiVersion``), and Stripe's own pages load them
    (``js.stripe.com/endive/stripe.js``, e.g. docs.stripe.com/treasury/connect/disclosure-component):
    the release of stripe-python's pin keeps the browser's calls on the server's API major."""
    _, dot, major = api_version.rpartition(".")
    return f"https://js.stripe.com/{major}/stripe.js" if dot and major.isalpha() else "https://js.stripe.com/v3/"


STRIPE_JS_URL = stripe_js_url(stripe.api_version)
API_KEYS_PAGE = "https://dashboard.stripe.com/test/apikeys"

# Prefixes that are masked wherever they appear (keys and webhook signing secrets).
SECRET_PREFIXES = ("sk_test_", "sk_live_", "rk_test_", "rk_live_", "pk_test_", "pk_live_", "whsec_")

# Secrets wherever they appear in a text (a key inside a description, a client secret inside a
# return_url): API keys, restricted keys, webhook signing secrets, and "<id>_secret_<random>".
_KEY = re.compile(r"(?:sk|rk)_(?:test|live)_[A-Za-z0-9]+|whsec_[A-Za-z0-9]+")
_CLIENT_SECRET = re.compile(r"_secret_([A-Za-z0-9]+)")

# Keys pasted in the notebook (key_widget / use_keys); they win over env and .env.
_pasted: dict[str, str] = {}


class SettingsProblem(Problem, ValueError):
    """The configuration cannot work; the message says what to change."""


class KeyProblem(SettingsProblem):
    """A key is missing, of the wrong kind, or live. Messages show masked keys only."""


def mask(value: str) -> str:
    """``sk_test_…4xYz``: the prefix, an ellipsis and the last four characters."""
    value = value.strip()
    prefix = next((p for p in SECRET_PREFIXES if value.startswith(p)), "")
    rest = value[len(prefix):]
    if len(rest) <= 4:  # too short to show any of it
        return f"{prefix}…"
    return f"{prefix}…{rest[-4:]}"


def mask_secrets(text: str) -> str:
    """``text`` with every API key, webhook secret and client secret in it masked."""
    masked = _KEY.sub(lambda found: mask(found.group()), text)
    return _CLIENT_SECRET.sub(lambda found: "_secret_" + mask(found.group(1)), masked)


def check_secret_key(key: str, source: str = "STRIPE_SECRET_KEY") -> str:
    """The stripped key if it is a test-mode secret or restricted key; else KeyProblem."""
    key = key.strip()
    shown = mask(key)
    if not key:
        raise KeyProblem(f"{source} is empty. Copy the secret key from {API_KEYS_PAGE}.")
    if key.startswith(("sk_live_", "rk_live_")):
        raise KeyProblem(
            f"{source} is a live-mode key ({shown}). This tutorial creates customers, mandates and "
            f"subscriptions, so it refuses live keys before any request. Use your test-mode key "
            f"(sk_test_…) from {API_KEYS_PAGE}, or unset it to use the offline sandbox."
        )
    if key.startswith(("pk_test_", "pk_live_")):
        raise KeyProblem(
            f"{source} holds a publishable key ({shown}). The secret key starts with sk_test_; "
            "put the publishable key in STRIPE_PUBLISHABLE_KEY instead."
        )
    if key.startswith("whsec_"):
        raise KeyProblem(
            f"{source} holds a webhook signing secret ({shown}), not an API key. "
            f"The secret key starts with sk_test_ ({API_KEYS_PAGE})."
        )
    if not key.startswith(("sk_test_", "rk_test_")):
        raise KeyProblem(
            f"{source} ({shown}) does not look like a Stripe test secret key: it must start with "
            f"sk_test_ (or rk_test_ for a restricted key). See {API_KEYS_PAGE}."
        )
    return key


def check_publishable_key(key: str, source: str = "STRIPE_PUBLISHABLE_KEY") -> str:
    """The stripped key if it is a test-mode publishable key; else KeyProblem."""
    key = key.strip()
    shown = mask(key)
    if key.startswith("pk_live_"):
        raise KeyProblem(
            f"{source} is a live-mode key ({shown}); this tutorial refuses live keys. "
            f"Use the test-mode publishable key (pk_test_…) from {API_KEYS_PAGE}."
        )
    if key.startswith(("sk_", "rk_")):
        raise KeyProblem(
            f"{source} holds a secret key ({shown}). The publishable key starts with pk_test_; "
            "a secret key must never reach the browser page that runs Stripe.js."
        )
    if not key.startswith("pk_test_"):
        raise KeyProblem(
            f"{source} ({shown}) does not look like a Stripe publishable test key: it must start "
            f"with pk_test_. See {API_KEYS_PAGE}."
        )
    return key


def _secret_from(env: dict[str, str]) -> str | None:
    return _pasted.get("secret") or env.get("STRIPE_SECRET_KEY") or None


def _publishable_from(env: dict[str, str]) -> str | None:
    return _pasted.get("publishable") or env.get("STRIPE_PUBLISHABLE_KEY") or None


def resolve_mode(dotenv: Path | None = None) -> Mode:
    """``sandbox`` or ``stripe``, from TUTORIAL_MODE, else whether a secret key is configured."""
    env = environment(dotenv)
    wanted = env.get("TUTORIAL_MODE", "").strip().lower()
    if wanted in ("sandbox", "stripe"):
        return wanted  # type: ignore[return-value]
    if wanted:
        raise SettingsProblem(
            f"TUTORIAL_MODE={wanted!r} is not a mode: use 'sandbox' (offline) or 'stripe' (test mode)."
        )
    return "stripe" if _secret_from(env) else "sandbox"


def account_label(dotenv: Path | None = None) -> str:
    """A name for the current mode and account, safe for file names; never contains the key.

    Sandbox: ``sandbox``. Stripe mode: ``acct-`` + a short SHA-256 of the secret key, so that
    progress of different accounts stays apart without any request.
    """
    if resolve_mode(dotenv) == "sandbox":
        return "sandbox"
    secret = check_secret_key(_secret_from(environment(dotenv)) or "")
    return "acct-" + hashlib.sha256(secret.encode()).hexdigest()[:12]


@dataclass(frozen=True, repr=False)
class Settings:
    """What a client needs. Keys are excluded from repr and comparisons show only masks."""

    mode: Mode
    secret_key: str = field(compare=False)
    publishable_key: str | None = field(compare=False)
    api_base: str
    stripe_js_url: str
    account: str

    def __repr__(self) -> str:
        publishable = mask(self.publishable_key) if self.publishable_key else None
        return (
            f"Settings(mode={self.mode!r}, secret_key={mask(self.secret_key)!r}, "
            f"publishable_key={publishable!r}, api_base={self.api_base!r}, "
            f"stripe_js_url={self.stripe_js_url!r}, account={self.account!r})"
        )

    __str__ = __repr__

    @property
    def is_sandbox(self) -> bool:
        return self.mode == "sandbox"

    def described(self) -> list[tuple[str, str]]:
        """The settings in words, keys masked: what a notebook shows for ``cfg``."""
        where = "the offline sandbox" if self.is_sandbox else "Stripe test mode"
        return [
            ("Mode", f"{self.mode}: the API is {where}"),
            ("API", self.api_base),
            ("Stripe.js", self.stripe_js_url),
            ("Secret key", mask(self.secret_key)),
            ("Publishable key", mask(self.publishable_key) if self.publishable_key else "none (set STRIPE_PUBLISHABLE_KEY)"),
            ("Progress kept as", f"{self.account} (per mode and account)"),
        ]

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # a notebook's `cfg`, in words
        printer.text("\n".join(f"{name}: {value}" for name, value in self.described()))


_announced: dict[str, str | None] = {}  # sandbox URL -> the public URL it announced (a classroom's), if any


def sandbox_browser_url(base: str) -> str:
    """Where a person's browser reaches the sandbox at ``base`` (no trailing slash): the public
    URL a classroom sandbox announces (``serve --public-url``, e.g. a hub service's
    ``/services/stripe-sandbox``), else this kernel's way to it (through jupyter-server-proxy
    on a hub, else ``base`` itself)."""
    if base not in _announced:
        doc = process.health(base)
        if doc is None:  # not up (yet): ask again next time
            return public_base(base)
        announced = doc.get("public_url")
        _announced[base] = announced.rstrip("/") if isinstance(announced, str) else None
    return _announced[base] or public_base(base)


def sandbox_url() -> str:
    """The sandbox address: ``TUTORIAL_SANDBOX_URL`` when set (tests), else start/find it."""
    if classroom := classroom_url():
        return classroom
    return process.ensure_running()


def load(dotenv: Path | None = None) -> Settings:
    """Resolve the mode and check the keys; no request to Stripe is made."""
    mode = resolve_mode(dotenv)
    if mode == "sandbox":
        base = sandbox_url()
        secret, publishable = keys.keys()
        return Settings("sandbox", secret, publishable, base, sandbox_browser_url(base) + "/js/stripe.js", "sandbox")
    env = environment(dotenv)
    secret = _secret_from(env)
    if not secret:
        raise KeyProblem(
            "TUTORIAL_MODE=stripe needs STRIPE_SECRET_KEY=sk_test_… (environment or .env), or paste "
            f"it with settings.key_widget(). Get it from {API_KEYS_PAGE}."
        )
    secret = check_secret_key(secret)
    publishable = _publishable_from(env)
    if publishable:
        publishable = check_publishable_key(publishable)
    return Settings("stripe", secret, publishable, STRIPE_API_BASE, STRIPE_JS_URL,
                    account_label(dotenv))


def require_publishable_key(settings: Settings | None = None) -> str:
    """The publishable key for Stripe.js (redirect step); KeyProblem if it is missing."""
    settings = settings or load()
    if not settings.publishable_key:
        raise KeyProblem(
            "The redirect step runs Stripe.js in the browser, which needs the publishable key: set "
            f"STRIPE_PUBLISHABLE_KEY=pk_test_… (environment or .env) from {API_KEYS_PAGE}, or paste "
            "it with settings.key_widget()."
        )
    return settings.publishable_key


def use_keys(secret: str | None = None, publishable: str | None = None) -> None:
    """Use pasted keys for this kernel (checked first; nothing is written to disk)."""
    if secret:
        _pasted["secret"] = check_secret_key(secret, "The pasted secret key")
    if publishable:
        _pasted["publishable"] = check_publishable_key(publishable, "The pasted publishable key")


def forget_keys() -> None:
    """Drop pasted keys (back to environment / .env / sandbox)."""
    _pasted.clear()


def key_widget():  # -> ipywidgets.VBox
    """Password fields to paste test keys interactively; the status line shows masks only."""
    import ipywidgets as widgets

    secret = widgets.Password(description="Secret key", placeholder="sk_test_…")
    publishable = widgets.Password(description="Publishable", placeholder="pk_test_… (optional)")
    button = widgets.Button(description="Use these keys")
    status = widgets.HTML()

    def submit(_button) -> None:
        try:
            use_keys(secret.value or None, publishable.value or None)
        except KeyProblem as problem:
            status.value = f"<span style='color:#b00020'>{html.escape(str(problem))}</span>"
            return
        finally:
            secret.value = publishable.value = ""  # don't keep the key in widget state
        status.value = f"Using {mask(_pasted['secret']) if 'secret' in _pasted else 'no secret key'}."

    button.on_click(submit)
    return widgets.VBox([secret, publishable, button, status])
