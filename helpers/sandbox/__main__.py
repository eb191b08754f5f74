"""``python -m helpers.sandbox serve|start|status|reset|stop|key|launcher``."""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from . import logs
from .client import process

NETWORK_WARNING = """
WARNING: this sandbox listens on {host}:{port}, beyond this machine. Anyone who can reach that
address can open accounts in it and, with a learner's key, use that learner's account. Run it
only inside a network you trust (a JupyterHub's cluster, behind its proxy), never on the internet.
It answers only requests for the Host names {names}.
"""


def _port_taken(args: argparse.Namespace, address: str) -> str:
    """Why ``serve`` cannot listen on --port: the tutorial's own sandbox, or another program."""
    doc = process.health(address)
    if doc is not None and doc.get("instance") == process.instance_id(args.db):
        return (f"The tutorial's sandbox (pid {doc.get('pid')}) already serves {args.db} on {address}: "
                "use it (`python -m helpers.sandbox status`), or stop it first.")
    if doc is not None:
        return (f"Port {args.port} on {args.host} is taken by another tutorial sandbox (pid {doc.get('pid')}, "
                "another database or user): stop it, or pass --port <another port>.")
    return (f"Port {args.port} on {args.host} is taken by another program, so the sandbox cannot "
            "start there. Stop that program or pass --port <another port>.")


def _address(args: argparse.Namespace) -> str:
    return f"http://[{args.host}]:{args.port}" if ":" in args.host else f"http://{args.host}:{args.port}"


def serve(args: argparse.Namespace) -> int:
    public = args.public_url or os.environ.get("SANDBOX_PUBLIC_URL")
    if args.host not in process.LOOPBACK:
        if not args.classroom:
            print("The sandbox binds to loopback only (127.0.0.1, localhost or ::1). Only a classroom sandbox "
                  "(--classroom, one for a room on a hub) may listen beyond this machine.", file=sys.stderr)
            return 2
        if not public or not args.allow_host:
            print(f"--host {args.host} makes the sandbox reachable from other machines. Say how they reach it: "
                  "--public-url with the address browsers use (e.g. https://hub.example.org/services/stripe-sandbox/) "
                  "and --allow-host with the name learners' kernels use (e.g. hub, for http://hub:12111).",
                  file=sys.stderr)
            return 2
    try:  # bound here, then served: no other program can take the port in between
        listener = process.bound_socket(args.port, args.host)
    except OSError:
        print(_port_taken(args, _address(args)), file=sys.stderr)
        return 2
    args.port = listener.getsockname()[1]  # --port 0: the free port the system chose
    address = _address(args)
    import uvicorn

    from ..urls import public_base
    from .api.versions import LATEST, check
    from .server import create_app
    from .shared.errors import StripeError
    from .shared.ids import random_token
    from .state.database import Database

    try:
        version = check(args.api_version or LATEST)
    except StripeError as error:
        print(error.message, file=sys.stderr)
        return 2
    try:
        _held = process.hold_database(Path(args.db), address)  # kept until serve returns
    except process.SandboxError as error:
        print(error, file=sys.stderr)
        return 2
    announced = bool(public)  # --public-url: learners' notebooks send browsers there
    if not public and os.environ.get("JUPYTERHUB_SERVICE_PREFIX"):
        public = public_base(address)
    # One line per event in the log (errors name their file and line, no tracebacks), rotated.
    logs.configure(Path(args.log) if args.log else None)
    token = args.trainer_token or random_token(32)
    process.write_trainer_token(args.db, token)
    # Hosted pages and redirect URLs use the sandbox's own address, never the request's Host header.
    remote = args.host not in process.LOOPBACK
    app = create_app(Database(args.db), version, public or address, args.webhook_host,
                     classroom=args.classroom, trainer_token=token, allowed_hosts=args.allow_host,
                     announce_public_url=announced, remote_clients=remote,
                     new_accounts_per_minute=args.new_accounts_per_minute)
    print(f"Stripe sandbox on {address} (API version {version}, state {args.db})", flush=True)
    if remote:
        names = sorted({*process.LOOPBACK, *args.allow_host, urllib.parse.urlsplit(public or "").hostname or "localhost"})
        print(NETWORK_WARNING.format(host=args.host, port=args.port, names=", ".join(names)), file=sys.stderr, flush=True)
    if args.classroom:
        learners_url = f"http://{args.allow_host[0]}:{args.port}" if remote else address
        print(
            f"Classroom mode: every learner gets an account of their own. Learners set\n"
            f"    TUTORIAL_SANDBOX_URL={learners_url}\n"
            + (f"Browsers reach it at {public}\n" if announced else "")
            + f"Trainer token (keep it to yourself; {process.TRAINER_HEADER}): {token}\n"
            f"Trainer's view (signs you in; the token after # never reaches a server or a log):\n"
            f"    {(public or address).rstrip('/')}/trainer/login#token={token}",
            flush=True,
        )
    # uvicorn's lines go through the sandbox's log (logs.configure). No proxy headers: a client's
    # address is the connection's, not an X-Forwarded-For anyone may send (the account limit).
    uvicorn.Server(uvicorn.Config(
        app, host=args.host, port=args.port, log_level="warning", access_log=False, log_config=None,
        proxy_headers=False,
    )).run(sockets=[listener])
    return 0


def status(args: argparse.Namespace) -> int:
    url = args.url or process.running_url() or f"http://127.0.0.1:{process.DEFAULT_PORT}"
    doc = process.health(url)
    if doc is None:
        print(f"No sandbox answers on {url}. Start one with: python -m helpers.sandbox serve")
        return 1
    print(json.dumps({"url": url, **doc}, indent=2))
    return 0


def _sandbox_url(args: argparse.Namespace) -> str | None:
    """The running sandbox a reset goes through: --url, else the one serving --db (its lock file
    says where), else the room's (``TUTORIAL_SANDBOX_URL``, environment or ``.env``), else the
    learner's own; None when none answers (the reset opens the database)."""
    from ..urls import classroom_url

    served = process.holder(Path(args.db or process.database()))
    url = (args.url or (args.db and served) or classroom_url()
           or process.running_url() or served)
    return url.rstrip("/") if url and process.health(url) else None


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def reset_sentence(removed: int, accounts: int | None = None, forgotten: int = 0) -> str:
    """What a reset did, in one sentence (``accounts``: it emptied every account, these stay;
    ``forgotten``: it removed that many accounts themselves)."""
    if accounts is None:
        if not removed:
            return "Your account was empty already: nothing to remove."
        return f"Emptied your account ({_plural(removed, 'object')} removed)."
    if forgotten:
        return (f"Removed every account ({_plural(forgotten, 'account')}, {_plural(removed, 'object')}) with "
                "their names, progress, notes and errors; a learner's next request opens a new account.")
    keep = "keeps its key and name" if accounts == 1 else "keep their keys and names"
    return f"Emptied every account ({_plural(removed, 'object')} removed); {_plural(accounts, 'account')} {keep}."


def reset(args: argparse.Namespace) -> int:
    """Empty this learner's account (``--all``: every account, the trainer's reset)."""
    from .client import keys as learner

    url, db = _sandbox_url(args), Path(args.db or process.database())
    if args.forget_accounts and not args.all:
        print("--forget-accounts removes every learner's account: use it with --all (the trainer's reset).",
              file=sys.stderr)
        return 2
    if url:
        headers = dict([process.RESET_HEADER])
        if args.all:
            try:
                headers[process.TRAINER_HEADER] = process.trainer_token_file(db).read_text().strip()
            except OSError:
                print(f"reset --all needs the trainer's token, which the sandbox at {url} wrote beside its "
                      "database: run it where that sandbox runs, with its --db.", file=sys.stderr)
                return 2
        else:
            headers["Authorization"] = f"Bearer {learner.keys()[0]}"
        body = b"forget_accounts=true" if args.forget_accounts else b""
        request = urllib.request.Request(f"{url}/_sandbox/reset", data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                answer = json.loads(response.read())
        except urllib.error.HTTPError as error:
            print(f"The sandbox at {url} refused the reset: {error.read().decode()}", file=sys.stderr)
            return 2
        print(reset_sentence(answer["removed"], answer.get("accounts"), answer.get("forgotten", 0)))
        return 0
    if not db.exists():
        print(f"Nothing to reset: {db} does not exist yet.")
        return 0
    try:
        _held = process.hold_database(db, "python -m helpers.sandbox reset")  # no sandbox may serve it meanwhile
    except process.SandboxError as error:
        print(error, file=sys.stderr)
        return 2
    from .state.database import Database
    from .state.room import Room

    room = Room(Database(db))
    if args.all:
        removed = room.reset_all()
        forgotten = room.forget_accounts() if args.forget_accounts else 0
        print(reset_sentence(removed, room.count_accounts(), forgotten))
        return 0
    found = room.account_for_secret_key(learner.keys()[0])
    print(reset_sentence(room.account(found).reset() if found else 0))
    return 0


def start(args: argparse.Namespace) -> int:
    """Find or start your background sandbox and print its address (``make lab``'s first line)."""
    try:
        url = process.ensure_running()
    except process.SandboxError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"Sandbox:     {url}")
    return 0


def stop(args: argparse.Namespace) -> int:
    stopped = process.stop_recorded()
    print("Stopped your tutorial sandbox." if stopped else "No tutorial sandbox of yours was running.")
    return 0


def key(args: argparse.Namespace) -> int:
    """Print this learner's sandbox key (what the curl view's $(python3 -m helpers.sandbox key) runs).
    Standard library only on this path, so any Python 3.11 runs it."""
    from .client import keys as learner

    secret, publishable = learner.keys()
    print(publishable if args.publishable else secret)
    return 0


def launcher(args: argparse.Namespace) -> int:
    """The front door behind JupyterLab's launcher entries (``client/launcher.py``)."""
    from .client import launcher as front_door

    return front_door.serve(args.port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.sandbox", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="run the sandbox in the foreground")
    p.add_argument("--host", default="127.0.0.1",
                   help="the address to listen on: loopback, or (classroom only) e.g. 0.0.0.0 inside a hub's cluster")
    p.add_argument("--public-url", help="the address browsers use, e.g. https://hub.example.org/services/stripe-sandbox/ "
                   "(default: this one, or the JupyterHub proxy path); learners' notebooks learn it from /health")
    p.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help="a Host name to answer besides loopback and the public URL's (repeatable), e.g. hub")
    p.add_argument("--port", type=int, default=process.DEFAULT_PORT,
                   help="the port to listen on (0: a free one, announced in its first line and its lock file)")
    p.add_argument("--db", default=str(process.state_dir() / "sandbox.sqlite3"))
    p.add_argument("--api-version", help="the account's default API version (default: stripe-python's)")
    p.add_argument(
        "--webhook-host", action="append", default=[], metavar="HOST",
        help="a host other than this machine that webhook endpoints may target (repeatable)",
    )
    p.add_argument("--classroom", action="store_true", help="one sandbox for a room: an account per learner")
    p.add_argument("--log", help="write the log to this file (rotated beyond 1 MB) instead of stderr")
    p.add_argument("--trainer-token", help="the trainer's token (default: a new one, printed in classroom mode)")
    p.add_argument("--new-accounts-per-minute", type=int, metavar="N",
                   help="classroom: how many new accounts one client address may open at once and per minute "
                        "(default 60; a hub where every kernel comes from one address with more learners needs more)")
    p.set_defaults(run=serve)
    p = sub.add_parser("start", help="find or start your background sandbox and print its address")
    p.set_defaults(run=start)
    p = sub.add_parser("status", help="is a sandbox up, and what does it hold")
    p.add_argument("--url")
    p.set_defaults(run=status)
    p = sub.add_parser("reset", help="empty your account in the sandbox (running or not)")
    p.add_argument("--url")
    p.add_argument("--db")
    p.add_argument("--all", action="store_true", help="every account (the trainer's reset)")
    p.add_argument("--forget-accounts", action="store_true",
                   help="with --all: remove the accounts themselves too (the last group's names and rows)")
    p.set_defaults(run=reset)
    p = sub.add_parser("stop", help="stop your background sandbox")
    p.set_defaults(run=stop)
    p = sub.add_parser("key", help="print your sandbox secret key (for curl)")
    p.add_argument("--publishable", action="store_true", help="the publishable key instead")
    p.set_defaults(run=key)
    p = sub.add_parser("launcher", help="JupyterLab's launcher entry: start your sandbox and open it")
    p.add_argument("--port", type=int, required=True)
    p.set_defaults(run=launcher)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
