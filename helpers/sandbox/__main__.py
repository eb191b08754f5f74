"""``python -m helpers.sandbox serve|status|reset``."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import urllib.request
from pathlib import Path

from . import process


def serve(args: argparse.Namespace) -> int:
    if args.host not in process.LOOPBACK:
        print("The sandbox binds to loopback only (127.0.0.1, localhost or ::1).", file=sys.stderr)
        return 2
    if not process.port_is_free(args.port, args.host):
        print(
            f"Port {args.port} on {args.host} is taken by another program, so the sandbox cannot "
            "start there. Stop that program or pass --port <another port>.",
            file=sys.stderr,
        )
        return 2
    import uvicorn

    from ..urls import public_base
    from .app import create_app
    from .errors import StripeError
    from .store import Store
    from .versions import LATEST, check

    try:
        version = check(args.api_version or LATEST)
    except StripeError as error:
        print(error.message, file=sys.stderr)
        return 2
    address = f"http://[{args.host}]:{args.port}" if ":" in args.host else f"http://{args.host}:{args.port}"
    try:
        _held = process.hold_database(Path(args.db), address)  # kept until serve returns
    except process.SandboxError as error:
        print(error, file=sys.stderr)
        return 2
    public = os.environ.get("SANDBOX_PUBLIC_URL")
    if not public and os.environ.get("JUPYTERHUB_SERVICE_PREFIX"):
        public = public_base(address)
    # One line per event in the log (errors name their file and line, no tracebacks).
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    # Hosted pages and redirect URLs use the sandbox's own address, never the request's Host header.
    app = create_app(Store(args.db), version, public or address, args.webhook_host)
    print(f"Stripe sandbox on {address} (API version {version}, state {args.db})", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


def status(args: argparse.Namespace) -> int:
    url = args.url or process.running_url() or f"http://127.0.0.1:{process.DEFAULT_PORT}"
    doc = process.health(url)
    if doc is None:
        print(f"No sandbox answers on {url}. Start one with: python -m helpers.sandbox serve")
        return 1
    print(json.dumps({"url": url, **doc}, indent=2))
    return 0


def reset(args: argparse.Namespace) -> int:
    url = args.url or process.running_url()
    if url and process.health(url):
        request = urllib.request.Request(
            f"{url}/_sandbox/reset", method="POST", headers=dict([process.RESET_HEADER])
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            print(response.read().decode())
        return 0
    db = Path(args.db or process.state_dir() / "sandbox.sqlite3")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    print(f"Removed {db}: the next start begins empty.")
    return 0


def stop(args: argparse.Namespace) -> int:
    stopped = process.stop_recorded()
    print("Stopped the tutorial's sandbox." if stopped else "No tutorial sandbox was running.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.sandbox", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="run the sandbox in the foreground")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=process.DEFAULT_PORT)
    p.add_argument("--db", default=str(process.state_dir() / "sandbox.sqlite3"))
    p.add_argument("--api-version", help="the account's default API version (default: stripe-python's)")
    p.add_argument(
        "--webhook-host", action="append", default=[], metavar="HOST",
        help="a host other than this machine that webhook endpoints may target (repeatable)",
    )
    p.set_defaults(run=serve)
    p = sub.add_parser("status", help="is a sandbox up, and what does it hold")
    p.add_argument("--url")
    p.set_defaults(run=status)
    p = sub.add_parser("reset", help="empty the sandbox (running or not)")
    p.add_argument("--url")
    p.add_argument("--db")
    p.set_defaults(run=reset)
    p = sub.add_parser("stop", help="stop the tutorial's background sandbox")
    p.set_defaults(run=stop)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
