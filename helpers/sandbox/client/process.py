"""Start, find and stop the sandbox process.

The sandbox runs detached, so that its state outlives notebook kernels; its address is
recorded in ``.tutorial/sandbox.json`` beside its database. A learner only ever uses a
sandbox of their own: one that serves their state directory's database and runs as their
user (its health document says so, as :func:`instance_id`). When the default port belongs to
someone else's sandbox, theirs starts on a free port, which the record keeps.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ...filelock import exclusive
from ..shared.contract import (  # noqa: F401
    DEFAULT_PORT,
    HOST,
    LOG_MAX_BYTES,
    LOOPBACK,
    RESET_HEADER,
    SERVICE,
    TRAINER_HEADER,
    instance_id,
)

try:
    import fcntl
except ImportError:  # Windows: no flock; a second sandbox on one database is not refused there
    fcntl = None  # type: ignore[assignment]


def trainer_token_file(db: str | Path) -> Path:
    return Path(f"{db}.trainer-token")


def write_trainer_token(db: str | Path, token: str) -> None:
    path = trainer_token_file(db)
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(token)


class SandboxError(RuntimeError):
    """The sandbox could not be started or reached; the message says what to do."""


def state_dir() -> Path:
    """``.tutorial/`` at the project root (or ``TUTORIAL_STATE_DIR``)."""
    if os.environ.get("TUTORIAL_STATE_DIR"):
        return Path(os.environ["TUTORIAL_STATE_DIR"])
    root = Path(__file__).resolve().parents[3]
    if (root / "pyproject.toml").exists():
        return root / ".tutorial"
    return Path.home() / ".amazon-pay-tutorial"


def bound_socket(port: int, host: str = HOST) -> socket.socket:
    """A TCP socket bound to ``host:port`` (IPv4 or IPv6, as ``host`` is; port 0: a free port,
    chosen by the system as it binds, so nobody can take it in between). Raises OSError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP by name: asyncio sets TCP_NODELAY only on connections whose socket says so; with
    # proto 0 every answer's second write waited for the client's delayed ACK (about 40 ms).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def port_is_free(port: int, host: str = HOST) -> bool:
    """Whether ``host:port`` can be bound (IPv4 or IPv6, as ``host`` is)."""
    try:
        bound_socket(port, host).close()
    except OSError:
        return False
    return True


def database() -> Path:
    """The learner's own sandbox database."""
    return state_dir() / "sandbox.sqlite3"


def _is_mine(doc: dict | None) -> bool:
    return doc is not None and doc.get("instance") == instance_id(database())


def _lock_paths(db: Path) -> tuple[Path, Path]:
    """The database's real file (symlinks followed) and the note beside it naming its server."""
    real = Path(db).resolve()
    return real, Path(f"{real}.lock")


def holder(db: Path) -> str | None:
    """The address of the sandbox that serves ``db`` now (from the note beside it), if one does.
    (Opens and closes the database file: call it before this process opens the database.)"""
    if fcntl is None:
        return None
    real, note = _lock_paths(db)
    if not real.exists():
        return None
    fd = os.open(real, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:  # held: a sandbox serves it, and wrote "pid N, <url>" beside it
        with contextlib.suppress(OSError):
            return note.read_text().rpartition(", ")[2].strip() or None
        return None
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    return None


def hold_database(db: Path, url: str) -> int | None:
    """Lock ``db`` for the rest of this process's life, so that no second sandbox serves it
    (two would break idempotency and send every webhook twice). The lock is on the database
    file itself (its inode), so a symlink or a hard link to it is the same database. Returns the
    descriptor, which stays open until the process ends (closing another descriptor of the file
    would drop SQLite's own locks); raises SandboxError naming the process that holds it. The
    kernel drops the lock when the process ends, even after ``kill -9``."""
    if fcntl is None:
        return None
    real, note = _lock_paths(db)
    real.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(real, os.O_RDWR | os.O_CREAT, 0o600)  # an empty file is an empty database
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        try:
            holder = note.read_text().strip()
        except OSError:
            holder = ""
        same = "" if real == Path(db).absolute() else f" (the same file as {real})"
        raise SandboxError(
            f"Another sandbox ({holder or 'another process'}) already serves {db}{same}. Use that one, stop "
            "it first (python -m helpers.sandbox stop), or give this one its own --db."
        ) from None
    note.write_text(f"pid {os.getpid()}, {url}")
    return fd


def free_port() -> int:
    """A port free now, for a server that cannot bind port 0 itself. Someone else may take it
    before that server binds it: the sandbox binds port 0 instead (``start``, ``serve --port 0``)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def announced_url(db: Path, pid: int) -> str | None:
    """The address that the sandbox process ``pid`` wrote beside ``db`` once it listened (its
    lock file: "pid N, URL"), or None before then. How ``start`` learns a port the sandbox chose."""
    try:
        text = _lock_paths(db)[1].read_text()
    except OSError:
        return None
    owner, _, url = text.partition(", ")
    return url.strip() or None if owner == f"pid {pid}" else None


def health(url: str, timeout: float = 1.0) -> dict | None:
    """The sandbox's health document, or None when nothing (or something else) answers."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as response:  # noqa: S310
            doc = json.loads(response.read())
    except (OSError, ValueError, urllib.error.URLError):
        return None
    return doc if isinstance(doc, dict) and doc.get("service") == SERVICE else None


@dataclass
class SandboxProcess:
    url: str
    port: int
    db: Path
    process: subprocess.Popen | None = None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(5)
        if self.process and self.process.poll() is None:
            self.process.kill()

    def kill(self) -> None:
        """``kill -9``: no shutdown, no flush; what SQLite committed must survive."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)


class PortTaken(SandboxError):
    """The sandbox could not listen: another program took its port as it started."""


RACES = 3  # ports tried when other learners' sandboxes keep taking the free one first


def rotate(log: Path) -> None:
    """Keep one previous log (``sandbox.log.1``) once the log passes LOG_MAX_BYTES."""
    if log.exists() and log.stat().st_size > LOG_MAX_BYTES:
        log.replace(log.with_name(log.name + ".1"))


START_TIMEOUT = 60.0  # seconds; a sandbox starts in about 1 s of CPU, later on a busy machine


def start(
    db: Path, port: int | None = None, *, api_version: str | None = None, log: Path | None = None,
    detached: bool = False, timeout: float = START_TIMEOUT,
) -> SandboxProcess:
    """Start ``python -m helpers.sandbox serve`` and wait until it answers. Without ``port`` (or
    with 0) the sandbox binds a free port itself and announces it (where there is no file locking,
    on Windows, a free port is picked here)."""
    port = port or (0 if fcntl else free_port())
    if port and not port_is_free(port):
        raise SandboxError(
            f"Port {port} on {HOST} is taken by another program, so the sandbox cannot start there. "
            "Stop that program, or choose another port with TUTORIAL_SANDBOX_PORT=<port>."
        )
    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "helpers.sandbox", "serve", "--port", str(port), "--db", str(db)]
    if api_version:
        cmd += ["--api-version", api_version]
    if log:
        rotate(Path(log))
        cmd += ["--log", str(log)]  # the sandbox writes (and rotates) it; what fails before that lands there too
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3]) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen(  # noqa: S603
        cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=detached, env=env,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            if port and (health(f"http://{HOST}:{port}", 0.5) is not None or not port_is_free(port)):
                # another program (another learner's sandbox) took the port first
                raise PortTaken(f"Port {port} on {HOST} was taken by another program as the sandbox started.")
            raise SandboxError(f"The sandbox exited at start (code {proc.returncode}); see {log or 'its output'}.")
        url = f"http://{HOST}:{port}" if port else announced_url(db, proc.pid)
        doc = health(url, 0.5) if url else None
        if doc is not None and doc.get("pid") == proc.pid:  # this process answers, not another on the port
            return SandboxProcess(url, urllib.parse.urlsplit(url).port, db, proc)
        time.sleep(0.05)
    proc.kill()
    where = f" on {HOST}:{port}" if port else ""
    raise SandboxError(f"The sandbox did not answer{where} within {timeout:.0f} s.")


def _record() -> Path:
    return state_dir() / "sandbox.json"


def running_url() -> str | None:
    """The address of the learner's own sandbox if it is up."""
    try:
        info = json.loads(_record().read_text())
    except (OSError, ValueError):
        return None
    url = info.get("url")
    return url if isinstance(url, str) and _is_mine(health(url)) else None


def ensure_running() -> str:
    """The learner's own sandbox address, starting it (detached, state in ``.tutorial/``) if needed.

    Kernels started together (Run All in two notebooks) take turns: a file lock around the
    check-and-start, and a fresh check once it is held, so only the first one starts it."""
    url = running_url()
    if url:
        return url
    directory = state_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with exclusive(directory / "sandbox.lock"):  # two kernels at once start one sandbox
        return running_url() or _adopt_or_start(directory)


def _recorded_port() -> int | None:
    """The port the learner's sandbox had when it last ran (its record outlives a crash)."""
    try:
        port = json.loads(_record().read_text()).get("port")
    except (OSError, ValueError, AttributeError):
        return None
    return port if isinstance(port, int) and port > 0 else None


def _adopt_or_start(directory: Path) -> str:
    """Adopt the sandbox that already serves this state directory (``make sandbox``), else
    start one: on TUTORIAL_SANDBOX_PORT; else on the port it had before it stopped unasked (so
    that a kernel's client still reaches it), or on 12111, or, when that is someone else's, on a
    free port (TUTORIAL_SANDBOX_PORT=0: a free port, never 12111)."""
    serving = holder(database())
    if serving and _is_mine(health(serving)):
        _record().write_text(json.dumps({"url": serving, "port": urllib.parse.urlsplit(serving).port}))
        return serving
    configured = os.environ.get("TUTORIAL_SANDBOX_PORT")
    port = int(configured or DEFAULT_PORT)
    fixed = bool(configured) and port != 0  # TUTORIAL_SANDBOX_PORT=<port>: that port or none
    taken = SandboxError(
        f"Port {port} on {HOST} (TUTORIAL_SANDBOX_PORT) is taken by another program, or by another "
        "learner's sandbox, so yours cannot start there. Choose another port, or unset "
        "TUTORIAL_SANDBOX_PORT and one is picked for you."
    )
    if fixed and not port_is_free(port):
        raise taken
    if not fixed:
        wanted = (_recorded_port(), None if configured else DEFAULT_PORT)
        # 12111 taken (someone else's: never use their sandbox), or "0": the sandbox binds a free one
        port = next((p for p in wanted if p and port_is_free(p)), 0)
    for _ in range(RACES):
        try:
            proc = start(database(), port, log=directory / "sandbox.log", detached=True)
        except PortTaken:  # another learner's sandbox won the race for it: a port the sandbox binds itself
            if fixed:
                raise taken from None
            port = 0
            continue
        _record().write_text(json.dumps({"url": proc.url, "port": proc.port, "pid": proc.process.pid}))
        return proc.url
    raise SandboxError(f"Your sandbox lost the race for a free port {RACES} times: run the cell again.")


def stop_recorded() -> bool:
    """Stop the background sandbox that ``ensure_running`` started (by its recorded pid).

    Only when the recorded address still answers as a sandbox with that pid: after a reboot
    the pid may belong to another program, which must never get the signal."""
    try:
        info = json.loads(_record().read_text())
    except (OSError, ValueError):
        return False
    pid = info.get("pid")
    _record().unlink(missing_ok=True)
    doc = health(info["url"]) if pid and isinstance(info.get("url"), str) else None
    if not _is_mine(doc) or doc.get("pid") != pid:
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    return True
