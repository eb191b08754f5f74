"""The sandbox's database: one SQLite file (WAL), one transaction per request.

Every write happens inside :meth:`Database.transaction`, which holds a process-wide lock, so
concurrent writes never interleave and a ``kill -9`` loses at most the request that was in
flight. Reads never take that lock: a GET runs in a :meth:`Database.snapshot` (WAL readers do
not wait for the writer, nor it for them).

This class has no object methods: everything stored belongs to an account, and is read and
written through an :class:`~.account_store.AccountStore` bound to one; the few reads across
accounts are :class:`~.room.Room`'s. Its connection is for ``state/`` only.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from ..shared.errors import StripeError
from .migrations import migrate

HOUSEKEEPING_SECONDS = 0.5
BUSY_TIMEOUT_MS = 30_000  # how long a write waits for another connection's write lock
# The WAL file's size after a checkpoint empties it (SQLite keeps it at its largest otherwise); a
# WAL larger than this is truncated by a checkpoint that waits a moment for readers to move on.
WAL_LIMIT_BYTES = 4 * 1024 * 1024
TRUNCATE_WAIT_MS = 50


class WouldWait(Exception):  # noqa: N818 - not an error: a request to move to a worker thread
    """A write under :meth:`Database.no_waiting` found the write lock taken: nothing was
    written, and the request is to run again where it may wait (a worker thread)."""


class Housekeeper(threading.Thread):
    """Work that no request waits for, every ``interval`` seconds: new search terms into the
    trigram index (``search_pending``), and the WAL checkpoint, which copies committed
    transactions into the database file.

    SQLite otherwise checkpoints inside the commit that passes 1,000 WAL pages, with an fsync,
    so that every few hundred requests one waits for the disk. Moving it here changes nothing
    about durability: a transaction is in the WAL when its COMMIT returns, before the answer
    (what ``kill -9`` cannot undo), checkpointed or not. PASSIVE never waits for readers or the
    writer; a checkpoint that cannot finish now finishes at the next turn."""

    def __init__(self, db: Database, interval: float) -> None:
        super().__init__(name="sandbox-housekeeping", daemon=True)
        self.db, self.interval = db, interval
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(self.interval):
            try:
                self.db.index_pending_terms()
                self.db.checkpoint()
            except sqlite3.Error as error:  # busy, or the disk: the next turn tries again
                logging.getLogger("helpers.sandbox").warning("sandbox housekeeping: %r", error)


def keep_private(db: Path) -> None:
    """Make ``db`` readable by its owner only (it holds every learner's emails and client
    secrets): created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the
    database's mode), an existing one of ours tightened."""
    try:
        os.close(os.open(db, os.O_WRONLY | os.O_CREAT, 0o600))  # an empty file is an empty database
    except OSError:
        return  # not ours to create (read-only directory): SQLite's own error says so
    if not hasattr(os, "getuid"):  # Windows: no Unix modes
        return
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        with contextlib.suppress(OSError):  # absent, or another user's: leave it be
            if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
                path.chmod(0o600)


class Database:
    """One SQLite file: connections (one per thread), the write lock, transactions and
    snapshots, migrations at open, and the housekeeping thread."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            keep_private(Path(self.path))
        self._local = threading.local()
        self.lock = threading.RLock()
        self.housekeeper: Housekeeper | None = None  # checkpoints and indexes in a thread of its own
        self._connect().execute("PRAGMA journal_mode=WAL")
        with self.transaction() as db:
            migrate(db)
        self.fts = self._connect().execute("SELECT 1 FROM sqlite_master WHERE name = 'search_fts'").fetchone() is not None

    def start_housekeeping(self, interval: float = HOUSEKEEPING_SECONDS) -> None:
        """Index new search terms and checkpoint the WAL in a thread from now on (:class:`Housekeeper`)."""
        if self.housekeeper is None and self.path != ":memory:":
            self.housekeeper = Housekeeper(self, interval)
            self._connect().execute("PRAGMA wal_autocheckpoint=0")
            self.housekeeper.start()

    def index_pending_terms(self) -> int:
        """Add the search terms written since the last call to the trigram index; how many."""
        if not self.fts or not self._connect().execute("SELECT 1 FROM search_pending LIMIT 1").fetchone():
            return 0
        with self.transaction() as db:
            added = db.execute(
                "INSERT INTO search_fts (rowid, value) SELECT t.rowid, t.value FROM search_pending p "
                "JOIN search_terms t ON t.rowid = p.term"
            ).rowcount
            db.execute("DELETE FROM search_pending")
        return added

    def checkpoint(self) -> None:
        """Copy what the WAL holds into the database file, without waiting for anyone (PASSIVE).
        A WAL grown past WAL_LIMIT_BYTES (readers kept a PASSIVE checkpoint from finishing) is
        emptied and truncated (TRUNCATE), waiting at most TRUNCATE_WAIT_MS for them: else the
        next turn tries again. Nothing committed is lost either way: it is in the WAL or the file."""
        db = self._connect()
        db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        if self.path == ":memory:" or self.wal_size() <= WAL_LIMIT_BYTES:
            return
        db.execute(f"PRAGMA busy_timeout={TRUNCATE_WAIT_MS}")
        try:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    def wal_size(self) -> int:
        try:
            return os.stat(f"{self.path}-wal").st_size
        except OSError:
            return 0

    @contextlib.contextmanager
    def no_waiting(self) -> Iterator[None]:
        """In this block (on this thread), a write whose lock another thread holds raises
        :class:`WouldWait` instead of waiting: the event loop's requests never wait for a lock."""
        self._local.no_wait = True
        try:
            yield
        finally:
            self._local.no_wait = False

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Serialize a whole request: every write in it commits, or none does. The connection
        it yields is for ``state/``'s own modules."""
        no_wait = getattr(self._local, "no_wait", False)
        if not self.lock.acquire(blocking=not no_wait):
            raise WouldWait
        try:
            if getattr(self._local, "snapshot", False):
                # A read that must write after all (a default made on first use): the snapshot
                # ends here, and the write goes on with the lock like any other.
                self._local.snapshot = False
                self._connect().execute("COMMIT")
            db = self._connect()
            if db.in_transaction:  # nested: join the outer transaction
                yield db
                return
            self._begin(db, no_wait)
            try:
                yield db
            except StripeError as error:
                # An error answered to the client; keep what it recorded only if it says so
                # (a failed payment attempt is state; a refused request is not).
                db.execute("COMMIT" if error.keep_state else "ROLLBACK")
                raise
            except BaseException:
                db.execute("ROLLBACK")
                raise
            else:
                db.execute("COMMIT")
        finally:
            self.lock.release()

    @staticmethod
    def _begin(db: sqlite3.Connection, no_wait: bool) -> None:
        """BEGIN IMMEDIATE: SQLite's write lock, which a connection of another program (the
        sqlite3 shell, a test) may hold. Without waiting: WouldWait at once if it does."""
        if not no_wait:
            db.execute("BEGIN IMMEDIATE")
            return
        db.execute("PRAGMA busy_timeout=0")
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode == sqlite3.SQLITE_BUSY:
                raise WouldWait from None
            raise
        finally:
            db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """A consistent view for a read-only request, without the write lock: WAL readers do
        not wait for the writer, nor it for them."""
        db = self._connect()
        if db.in_transaction:
            yield
            return
        db.execute("BEGIN DEFERRED")
        self._local.snapshot = True
        try:
            yield
        finally:
            if self._local.snapshot:  # else a write ended it (see transaction)
                self._local.snapshot = False
                db.execute("COMMIT")

    @contextlib.contextmanager
    def attempt(self) -> Iterator[None]:
        """Inside a transaction: a StripeError undoes what the block wrote (unless it says to
        keep it) and propagates; the transaction itself goes on (to save the answer)."""
        db = self._connect()
        db.execute("SAVEPOINT attempt")
        try:
            yield
        except StripeError as error:
            if not error.keep_state:
                db.execute("ROLLBACK TO attempt")
            db.execute("RELEASE attempt")
            raise
        except BaseException:
            db.execute("ROLLBACK TO attempt")
            db.execute("RELEASE attempt")
            raise
        db.execute("RELEASE attempt")

    def _connect(self) -> sqlite3.Connection:
        """This thread's connection (``state/`` only)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            # Statement journals (a savepoint's undo, an INSERT … SELECT's) in memory: SQLite 3.40
            # here otherwise creates and unlinks a temporary file (/var/tmp/etilqs_…) for a
            # create's writes. They never outlive the transaction; what a COMMIT makes durable
            # (the WAL) is unchanged.
            db.execute("PRAGMA temp_store=MEMORY")
            db.execute(f"PRAGMA journal_size_limit={WAL_LIMIT_BYTES}")  # the WAL shrinks back when it restarts
            if self.housekeeper is not None:  # it checkpoints, off the requests' path
                db.execute("PRAGMA wal_autocheckpoint=0")
            self._local.db = db
        return db
