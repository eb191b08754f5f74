"""Mode resolution, key checks and masking (helpers.settings)."""

from __future__ import annotations

import os

import pytest
import stripe

from helpers import settings
from helpers.sandbox.shared.contract import publishable_key_for

# Fake keys built at run time; the tests check that none of them leak.
SECRET = "sk_test_" + "Fake" * 6 + "4xYz"
RESTRICTED = "rk_test_" + "Fake" * 6 + "9rRr"
PUBLISHABLE = "pk_test_" + "Fake" * 6 + "7pUb"
LIVE_SECRET = "sk_live_" + "Fake" * 6 + "1LvE"
LIVE_RESTRICTED = "rk_live_" + "Fake" * 6 + "2LvE"
LIVE_PUBLISHABLE = "pk_live_" + "Fake" * 6 + "3LvE"
WEBHOOK_SECRET = "whsec_" + "Fake" * 6 + "5WhS"
VARS = ("TUTORIAL_MODE", "STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "TUTORIAL_SANDBOX_URL")


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean environment with an empty .env in tmp_path; returns a .env writer."""
    for name in VARS:
        monkeypatch.delenv(name, raising=False)
    dotenv = tmp_path / ".env"
    dotenv.write_text("")
    monkeypatch.setenv("TUTORIAL_ENV_FILE", str(dotenv))
    monkeypatch.setenv("TUTORIAL_SANDBOX_URL", "http://127.0.0.1:9")
    settings.forget_keys()
    yield lambda **values: dotenv.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    settings.forget_keys()


@pytest.mark.parametrize(
    ("mode", "where", "expected"),
    [
        (None, None, "sandbox"),
        (None, "env", "stripe"),
        (None, "dotenv", "stripe"),
        ("sandbox", None, "sandbox"),
        ("sandbox", "env", "sandbox"),
        ("sandbox", "dotenv", "sandbox"),
        ("stripe", "env", "stripe"),
        ("stripe", "dotenv", "stripe"),
        ("stripe", None, "stripe"),
        ("STRIPE", None, "stripe"),
    ],
)
def test_mode_resolution(env, monkeypatch, mode, where, expected):
    if mode:
        monkeypatch.setenv("TUTORIAL_MODE", mode)
    if where == "env":
        monkeypatch.setenv("STRIPE_SECRET_KEY", SECRET)
    elif where == "dotenv":
        env(STRIPE_SECRET_KEY=SECRET)
    assert settings.resolve_mode() == expected


def test_mode_from_dotenv_and_env_wins(env, monkeypatch):
    env(TUTORIAL_MODE="stripe", STRIPE_SECRET_KEY=SECRET)
    assert settings.resolve_mode() == "stripe"
    monkeypatch.setenv("TUTORIAL_MODE", "sandbox")
    assert settings.resolve_mode() == "sandbox"


def test_dotenv_does_not_leak_into_os_environ(env):
    env(STRIPE_SECRET_KEY=SECRET, STRIPE_PUBLISHABLE_KEY=PUBLISHABLE)
    loaded = settings.load()
    assert loaded.secret_key == SECRET and loaded.publishable_key == PUBLISHABLE
    assert "STRIPE_SECRET_KEY" not in os.environ


def test_env_key_wins_over_dotenv(env, monkeypatch):
    env(STRIPE_SECRET_KEY=RESTRICTED)
    monkeypatch.setenv("STRIPE_SECRET_KEY", SECRET)
    assert settings.load().secret_key == SECRET


def test_unknown_mode_is_explained(env, monkeypatch):
    monkeypatch.setenv("TUTORIAL_MODE", "live")
    with pytest.raises(settings.SettingsProblem, match="'sandbox'.*'stripe'"):
        settings.resolve_mode()


def test_stripe_mode_without_key_says_what_to_set(env, monkeypatch):
    monkeypatch.setenv("TUTORIAL_MODE", "stripe")
    with pytest.raises(settings.KeyProblem, match="STRIPE_SECRET_KEY"):
        settings.load()


def test_sandbox_load_uses_injected_url(env, monkeypatch):
    monkeypatch.setenv("TUTORIAL_SANDBOX_URL", "http://127.0.0.1:4242/")
    loaded = settings.load()
    assert loaded.mode == "sandbox" and loaded.is_sandbox
    assert loaded.api_base == "http://127.0.0.1:4242"
    assert loaded.stripe_js_url == "http://127.0.0.1:4242/js/stripe.js"
    assert loaded.account == "sandbox"


def test_each_state_directory_has_its_own_sandbox_keys(env, monkeypatch, tmp_path):
    monkeypatch.setenv("TUTORIAL_STATE_DIR", str(tmp_path / "ada"))
    ada = settings.load()
    assert ada.secret_key.startswith("sk_test_") and len(ada.secret_key) > 24
    assert ada.publishable_key == publishable_key_for(ada.secret_key)
    assert (settings.load().secret_key, settings.load().publishable_key) == (ada.secret_key, ada.publishable_key)
    assert ada.secret_key not in repr(ada) and ada.publishable_key not in repr(ada)  # shown masked
    assert oct((tmp_path / "ada" / "sandbox-keys.json").stat().st_mode)[-3:] == "600"
    monkeypatch.setenv("TUTORIAL_STATE_DIR", str(tmp_path / "grace"))
    assert settings.load().secret_key != ada.secret_key


def test_stripe_mode_settings(env, monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", SECRET)
    loaded = settings.load()
    assert loaded.api_base == "https://api.stripe.com"
    assert loaded.stripe_js_url == settings.stripe_js_url(stripe.api_version)
    assert loaded.account.startswith("acct-") and "Fake" not in loaded.account


def test_test_mode_loads_the_stripe_js_release_of_the_sdks_api_major():
    """Issue 17.2: test mode loaded the guide's v3 while the SDK pins an endive version."""
    assert settings.stripe_js_url("2026-10-28.endive") == "https://js.stripe.com/endive/stripe.js"
    assert settings.stripe_js_url("2026-06-24.dahlia") == "https://js.stripe.com/dahlia/stripe.js"
    assert settings.stripe_js_url("2023-10-16") == "https://js.stripe.com/v3/"
    assert settings.STRIPE_JS_URL == "https://js.stripe.com/endive/stripe.js"  # stripe-python 16.1


def test_restricted_key_accepted(env, monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", RESTRICTED)
    assert settings.load().secret_key == RESTRICTED


@pytest.mark.parametrize(
    ("secret", "publishable", "phrase"),
    [
        (LIVE_SECRET, None, "live-mode key"),
        (LIVE_RESTRICTED, None, "live-mode key"),
        (SECRET, LIVE_PUBLISHABLE, "live-mode key"),
        (PUBLISHABLE, None, "holds a publishable key"),
        (SECRET, SECRET, "holds a secret key"),
        (SECRET, RESTRICTED, "holds a secret key"),
        (WEBHOOK_SECRET, None, "webhook signing secret"),
        ("sk_" + "Fake" * 6 + "0Odd", None, "must start with sk_test_"),
        (SECRET, "Fake" * 6 + "0Odd", "must start with pk_test_"),
    ],
)
def test_key_mistakes_are_named_without_the_key(env, monkeypatch, secret, publishable, phrase):
    monkeypatch.setenv("STRIPE_SECRET_KEY", secret)
    if publishable:
        monkeypatch.setenv("STRIPE_PUBLISHABLE_KEY", publishable)
    with pytest.raises(settings.KeyProblem) as caught:
        settings.load()
    message = str(caught.value)
    assert phrase in message
    for key in (secret, publishable):
        if key:
            assert key not in message
            assert key[-12:-4] not in message  # nothing but the last four characters


def test_live_key_named_with_its_mask(env, monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", LIVE_SECRET)
    with pytest.raises(settings.KeyProblem, match="sk_live_…1LvE"):
        settings.load()


def test_mask():
    assert settings.mask(SECRET) == "sk_test_…4xYz"
    assert settings.mask(WEBHOOK_SECRET) == "whsec_…5WhS"
    assert settings.mask("sk_test_ab") == "sk_test_…"
    assert settings.mask("  " + PUBLISHABLE + "\n") == "pk_test_…7pUb"


def test_repr_never_shows_keys(env, monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", SECRET)
    monkeypatch.setenv("STRIPE_PUBLISHABLE_KEY", PUBLISHABLE)
    loaded = settings.load()
    for text in (repr(loaded), str(loaded), f"{loaded}"):
        assert SECRET not in text and PUBLISHABLE not in text
        assert "sk_test_…4xYz" in text and "pk_test_…7pUb" in text


def test_require_publishable_key(env, monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", SECRET)
    with pytest.raises(settings.KeyProblem, match="STRIPE_PUBLISHABLE_KEY=pk_test_"):
        settings.require_publishable_key()
    monkeypatch.setenv("STRIPE_PUBLISHABLE_KEY", PUBLISHABLE)
    assert settings.require_publishable_key() == PUBLISHABLE


def test_require_publishable_key_in_sandbox(env):
    assert settings.require_publishable_key() == settings.load().publishable_key


def test_pasted_keys_switch_to_stripe_mode(env):
    settings.use_keys(SECRET, PUBLISHABLE)
    loaded = settings.load()
    assert loaded.mode == "stripe" and loaded.publishable_key == PUBLISHABLE
    settings.forget_keys()
    assert settings.resolve_mode() == "sandbox"


def test_pasted_live_key_refused(env):
    with pytest.raises(settings.KeyProblem, match="live-mode"):
        settings.use_keys(LIVE_SECRET)
    assert settings.resolve_mode() == "sandbox"


def test_key_widget_reports_masked_and_clears_fields(env):
    box = settings.key_widget()
    secret, publishable, button, status = box.children
    assert type(secret).__name__ == "Password"
    secret.value = LIVE_SECRET
    button.click()
    assert "live-mode" in status.value and LIVE_SECRET not in status.value
    assert secret.value == ""
    secret.value = SECRET
    button.click()
    assert "sk_test_…4xYz" in status.value and SECRET not in status.value
    assert settings.load().secret_key == SECRET


def test_settings_read_as_words_in_a_notebook_keys_masked(tmp_path, monkeypatch):
    """Issue 16.16: 00's second cell showed a raw `Settings(mode='sandbox', secret_key=…)` repr."""
    from IPython.lib.pretty import pretty

    loaded = settings.Settings("stripe", "sk_test_" + "a" * 24 + "4xYz", "pk_test_" + "b" * 24 + "9aBc",
                               "https://api.stripe.com", "https://js.stripe.com/v3/", "acct-1")
    shown = pretty(loaded)
    assert shown.splitlines()[0] == "Mode: stripe: the API is Stripe test mode"
    assert "Secret key: sk_test_…4xYz" in shown and "Publishable key: pk_test_…9aBc" in shown
    assert "a" * 24 not in shown and "Settings(" not in shown
