"""URLs as a person's browser must see them: direct on a laptop, through jupyter-server-proxy
(``{JUPYTERHUB_SERVICE_PREFIX}proxy/{port}/``) on JupyterHub and Binder. And the tutorial's
variables as the notebooks see them (the environment, then ``.env``), for the classroom's URL."""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[1]


def public_url(port: int) -> str:
    """The URL of a local server for the browser, always with a trailing slash."""
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX")
    if prefix:
        return f"{prefix.rstrip('/')}/proxy/{port}/"
    return f"http://{HOST}:{port}/"


def proxy_path(port: int) -> str | None:
    """The path jupyter-server-proxy names in ``X-Forwarded-Context`` for a local server on
    ``port`` (``/user/<name>/proxy/<port>``); None outside JupyterHub and Binder."""
    return public_url(port).rstrip("/") if os.environ.get("JUPYTERHUB_SERVICE_PREFIX") else None


def public_base(server_url: str) -> str:
    """A local server's base URL (no trailing slash) as the browser must use it."""
    port = urllib.parse.urlsplit(server_url).port
    if os.environ.get("JUPYTERHUB_SERVICE_PREFIX") and port:
        return public_url(port).rstrip("/")
    return server_url.rstrip("/")


def stand_in_js_url(sandbox_url: str) -> str:
    """Where a browser loads the sandbox's Stripe.js stand-in."""
    return public_base(sandbox_url) + "/js/stripe.js"


def stand_in_js_url_direct(sandbox_url: str) -> str:
    """The same for a browser on the kernel's machine that reaches the sandbox directly."""
    return sandbox_url.rstrip("/") + "/js/stripe.js"


def path_segment(value: str) -> str:
    """``value`` as one URL path segment: every reserved character encoded, ``/`` included, so
    an ID can never step out of its place in a path (``seti_1/../../v1/customers``)."""
    return urllib.parse.quote(value, safe="")


def env_file() -> Path:
    """The ``.env`` file the tutorial reads (``TUTORIAL_ENV_FILE`` overrides the project's)."""
    return Path(os.environ.get("TUTORIAL_ENV_FILE") or ROOT / ".env")


def environment(dotenv: Path | None = None) -> dict[str, str]:
    """The tutorial's variables: ``.env`` values overlaid by the real environment."""
    path = dotenv or env_file()
    if not path.exists():
        return dict(os.environ)
    from dotenv import dotenv_values  # here: the sandbox's server imports this module too

    return {**{k: v for k, v in dotenv_values(path).items() if v is not None}, **os.environ}


def classroom_url() -> str | None:
    """``TUTORIAL_SANDBOX_URL`` (environment or ``.env``) without its trailing slash: a sandbox
    someone else runs (a classroom's, or a test's), never started by this kernel; None when not set."""
    return environment().get("TUTORIAL_SANDBOX_URL", "").strip().rstrip("/") or None
