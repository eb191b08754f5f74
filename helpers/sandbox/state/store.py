"""The sandbox's state: one SQLite file (WAL), one transaction per request.

Objects are stored as JSON, one row each, with an insertion sequence for Stripe's
newest-first lists. Every write happens inside :meth:`Store.transaction`, which holds a
process-wide lock, so concurrent writes never interleave and a ``kill -9`` loses at most
the request that was in flight. Reads never take that lock: a GET runs in a
:meth:`Store.snapshot` (WAL readers do not wait for the writer, nor it for them).

Everything belongs to an account (``accounts.py``, ``shared/contract.py``): :meth:`Store.for_account` gives the view
of one account, which reads and writes only its rows, so another account's IDs are simply not
there. The unscoped store is for the background workers, which look up an object's account
(:meth:`Store.account_of`) and then act in its view.

What lists filter on is indexed (the fields in ``INDEXED``, ``created`` beside the insertion
order), and the searchable fields of an object are copied, lowercased, into
``search_terms``, so that filters and search stay fast at 50,000 customers.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..shared.contract import DEMO_SECRET_KEY, publishable_key_for, secret_hash
from ..shared.errors import StripeError, missing
from ..shared.ids import new_id
from . import search

# The first schema; MIGRATIONS take it from there.
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS objects (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT UNIQUE NOT NULL,
        type TEXT NOT NULL,
        created INTEGER NOT NULL,
        data TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS objects_type_seq ON objects(type, seq)",
    """CREATE TABLE IF NOT EXISTS idempotency (
        key TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        status INTEGER NOT NULL,
        body TEXT NOT NULL,
        created INTEGER NOT NULL
    )""",
)

# Fields that lists filter by (and the store's own lookups follow), each with an index on
# (account, type, field, seq) over the objects that have it. A field outside this list still
# works as a filter, by reading every object of the type.
INDEXED = ("customer", "email", "invoice", "payment_method", "product", "setup_intent", "subscription",
           "test_clock", "type")

# What search looks in, per object type (plus every metadata key); see ``search.py``.
SEARCHABLE = {"customer": ("email", "name", "phone")}


def _indexed_expression(field: str) -> str:
    return f"json_extract(data, '$.{field}')"


def _field_indexes(leading: str) -> list[str]:
    return [
        f"CREATE INDEX objects_by_{f} ON objects({leading}type, {_indexed_expression(f)}, seq) "
        f"WHERE {_indexed_expression(f)} IS NOT NULL"
        for f in INDEXED
    ]


# The tables of webhook deliveries (``webhooks.py``) as they were first made.
WEBHOOK_TABLES = (
    """CREATE TABLE IF NOT EXISTS webhook_deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        endpoint TEXT NOT NULL,
        event TEXT NOT NULL,
        status TEXT NOT NULL,            -- pending | succeeded | failed | canceled
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at REAL NOT NULL,
        created REAL NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS webhook_attempts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        delivery INTEGER NOT NULL,
        attempted_at REAL NOT NULL,
        status_code INTEGER,             -- NULL when the receiver could not be reached
        error TEXT,
        duration_ms INTEGER NOT NULL
    )""",
)

# Each migration brings a database from the previous ``user_version`` to its own number.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: lists by type (with created, for created[…] filters), filters by INDEXED fields, search.
    (
        "DROP INDEX IF EXISTS objects_type_seq",
        "CREATE INDEX objects_list ON objects(type, seq, created)",
        *_field_indexes(""),
        """CREATE TABLE search_terms (
            seq INTEGER NOT NULL,       -- of the object
            type TEXT NOT NULL,
            field TEXT NOT NULL,        -- "email", or "metadata:<key>"
            value TEXT NOT NULL         -- lowercased
        )""",
        "CREATE INDEX search_terms_lookup ON search_terms(type, field, value, seq)",
        "CREATE INDEX search_terms_seq ON search_terms(seq)",
    ),
    # 2: accounts. Every row gets one; what was there before belongs to the demo key's account.
    (
        """CREATE TABLE accounts (
            id TEXT PRIMARY KEY,
            secret_hash TEXT UNIQUE NOT NULL,      -- SHA-256 of the secret key; the key is never stored
            publishable_key TEXT UNIQUE NOT NULL,
            display_name TEXT,
            created INTEGER NOT NULL
        )""",
        *WEBHOOK_TABLES,
        *(f"ALTER TABLE {table} ADD COLUMN account TEXT NOT NULL DEFAULT ''"
          for table in ("objects", "search_terms", "webhook_deliveries", "webhook_attempts")),
        """CREATE TABLE idempotency_by_account (
            account TEXT NOT NULL,
            key TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            status INTEGER NOT NULL,
            body TEXT NOT NULL,
            created INTEGER NOT NULL,
            PRIMARY KEY (account, key)
        )""",
        "INSERT INTO idempotency_by_account SELECT '', key, fingerprint, status, body, created FROM idempotency",
        "DROP TABLE idempotency",
        "ALTER TABLE idempotency_by_account RENAME TO idempotency",
        "DROP INDEX objects_list",
        "CREATE INDEX objects_list ON objects(account, type, seq, created)",
        *(f"DROP INDEX objects_by_{f}" for f in INDEXED),
        *_field_indexes("account, "),
        "DROP INDEX search_terms_lookup",
        "CREATE INDEX search_terms_lookup ON search_terms(account, type, field, value, seq)",
        "CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at)",
        "CREATE INDEX webhook_deliveries_account ON webhook_deliveries(account)",
        "CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery)",
    ),
    # 3: a trigram index of the search terms, for substring search (kept in step by triggers).
    (
        "CREATE VIRTUAL TABLE search_fts USING fts5(value, tokenize = 'trigram')",
        "CREATE TRIGGER search_terms_indexed AFTER INSERT ON search_terms BEGIN "
        "INSERT INTO search_fts (rowid, value) VALUES (new.rowid, new.value); END",
        "CREATE TRIGGER search_terms_unindexed AFTER DELETE ON search_terms BEGIN "
        "DELETE FROM search_fts WHERE rowid = old.rowid; END",
        "INSERT INTO search_fts (rowid, value) SELECT rowid, value FROM search_terms",
    ),
    # 4: the test clock worker looks for advancing clocks of every account many times a second.
    (
        "CREATE INDEX objects_clocks_by_status ON objects(json_extract(data, '$.status'), seq) "
        "WHERE type = 'test_helpers.test_clock'",
    ),
    # 5: new search terms wait in search_pending, and the housekeeping thread adds them to the
    # trigram index (a tenth of a millisecond per write otherwise); search looks in both.
    (
        "DROP TRIGGER search_terms_indexed",
        "CREATE TABLE search_pending (term INTEGER PRIMARY KEY)",  # rowids of search_terms
        "CREATE TRIGGER search_terms_pending AFTER INSERT ON search_terms BEGIN "
        "INSERT OR REPLACE INTO search_pending (term) VALUES (new.rowid); END",
        "DROP TRIGGER search_terms_unindexed",
        "CREATE TRIGGER search_terms_unindexed AFTER DELETE ON search_terms BEGIN "
        "DELETE FROM search_fts WHERE rowid = old.rowid; DELETE FROM search_pending WHERE term = old.rowid; END",
    ),
    # 6: an ID is unique within its account, not across accounts: two learners may both create
    # a product with the custom ID "prod_basic", as two Stripe accounts may. SQLite cannot drop
    # a UNIQUE constraint, so the table is made again (same rows, same seq).
    (
        """CREATE TABLE objects_by_account (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL,
            type TEXT NOT NULL,
            created INTEGER NOT NULL,
            data TEXT NOT NULL,
            account TEXT NOT NULL DEFAULT '',
            UNIQUE (account, id)
        )""",
        "INSERT INTO objects_by_account (seq, id, type, created, data, account) "
        "SELECT seq, id, type, created, data, account FROM objects",
        "DROP TABLE objects",
        "ALTER TABLE objects_by_account RENAME TO objects",
        "CREATE INDEX objects_id ON objects(id)",  # the workers' account_of(id)
        "CREATE INDEX objects_list ON objects(account, type, seq, created)",
        *_field_indexes("account, "),
        "CREATE INDEX objects_clocks_by_status ON objects(json_extract(data, '$.status'), seq) "
        "WHERE type = 'test_helpers.test_clock'",
    ),
)

# Migrations that need FTS5's trigram tokenizer (SQLite 3.34+); without it, search scans instead.
NEEDS_TRIGRAMS = (3, 5)

# How many of the newest objects a broad search tries one by one before it uses the indexes.
RECENT_WINDOW = 1000

# Tables whose rows belong to an account (an account's reset empties them of its rows).
ACCOUNT_TABLES = ("objects", "search_terms", "idempotency", "webhook_deliveries", "webhook_attempts")

_NAME = re.compile(r"[a-z_]+(\.[a-z_]+)*")
_OPERATORS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


class WouldWait(Exception):  # noqa: N818 - not an error: a request to move to a worker thread
    """A write under :meth:`Store.no_waiting` found the write lock taken: nothing was written,
    and the request is to run again where it may wait (a worker thread)."""


@dataclass(frozen=True)
class Glob:
    """A ``where`` value: the field matches one of these SQLite GLOB patterns."""

    patterns: tuple[str, ...]


def _checked(name: str) -> str:
    """A type or field name that goes into SQL as text (so that its index applies)."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a type or field name: {name!r}")
    return name


def search_terms(obj: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, lowercased value) for every searchable value of ``obj``."""
    fields = SEARCHABLE.get(obj.get("object", ""))
    if fields is None or obj.get("deleted"):
        return []
    terms = [(f, str(obj[f]).lower()) for f in fields if obj.get(f) is not None]
    terms += [(f"metadata:{k}", str(v).lower()) for k, v in (obj.get("metadata") or {}).items() if v is not None]
    return terms


# Human names of object types, for "No such customer: 'cus_…'".
NAMES = {"payment_method": "PaymentMethod", "setup_intent": "setupintent", "test_helpers.test_clock": "test clock"}





HOUSEKEEPING_SECONDS = 0.5
BUSY_TIMEOUT_MS = 30_000  # how long a write waits for another connection's write lock


class Housekeeper(threading.Thread):
    """Work that no request waits for, every ``interval`` seconds: new search terms into the
    trigram index (``search_pending``), and the WAL checkpoint, which copies committed
    transactions into the database file.

    SQLite otherwise checkpoints inside the commit that passes 1,000 WAL pages, with an fsync,
    so that every few hundred requests one waits for the disk. Moving it here changes nothing
    about durability: a transaction is in the WAL when its COMMIT returns, before the answer
    (what ``kill -9`` cannot undo), checkpointed or not. PASSIVE never waits for readers or the
    writer; a checkpoint that cannot finish now finishes at the next turn."""

    def __init__(self, store: Store, interval: float) -> None:
        super().__init__(name="sandbox-housekeeping", daemon=True)
        self.store, self.interval = store, interval
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(self.interval):
            try:
                self.store.index_pending_terms()
                self.store.read("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error as error:  # busy, or the disk: the next turn tries again
                print(f"sandbox housekeeping: {error!r}", flush=True)


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


def open_account(db: sqlite3.Connection, secret_key: str) -> str:
    """The account of ``secret_key``, opened if new (inside the caller's transaction)."""
    db.execute(
        "INSERT OR IGNORE INTO accounts (id, secret_hash, publishable_key, created) VALUES (?, ?, ?, ?)",
        (new_id("acct", 16), secret_hash(secret_key), publishable_key_for(secret_key), int(time.time())),
    )
    return db.execute("SELECT id FROM accounts WHERE secret_hash = ?", (secret_hash(secret_key),)).fetchone()[0]





class Store:
    """A thin, typed layer over one SQLite database; ``account`` set: one account's view."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.account: str | None = None
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            keep_private(Path(self.path))
        self._local = threading.local()
        self.lock = threading.RLock()
        self.housekeeper: Housekeeper | None = None  # checkpoints and indexes in a thread of its own
        self._connect().execute("PRAGMA journal_mode=WAL")
        self._migrate()
        self.fts = self.has_trigram_index

    @property
    def has_trigram_index(self) -> bool:
        found = self._connect().execute("SELECT 1 FROM sqlite_master WHERE name = 'search_fts'").fetchone()
        return found is not None

    def start_housekeeping(self, interval: float = HOUSEKEEPING_SECONDS) -> None:
        """Index new search terms and checkpoint the WAL in a thread from now on (:class:`Housekeeper`)."""
        if self.housekeeper is None and self.path != ":memory:":
            self.housekeeper = Housekeeper(self, interval)
            self._connect().execute("PRAGMA wal_autocheckpoint=0")
            self.housekeeper.start()

    def index_pending_terms(self) -> int:
        """Add the search terms written since the last call to the trigram index; how many."""
        if not self.fts or not self.read("SELECT 1 FROM search_pending LIMIT 1"):
            return 0
        with self.transaction() as db:
            added = db.execute(
                "INSERT INTO search_fts (rowid, value) SELECT t.rowid, t.value FROM search_pending p "
                "JOIN search_terms t ON t.rowid = p.term"
            ).rowcount
            db.execute("DELETE FROM search_pending")
        return added

    def for_account(self, account: str) -> Store:
        """The view of one account: same database, connections and lock; only its rows."""
        view = copy.copy(self)
        view.account = account
        return view

    def _migrate(self) -> None:
        """Create the schema, or bring an older database up to date (in one transaction)."""
        with self.transaction() as db:
            for statement in SCHEMA:
                db.execute(statement)
            version = db.execute("PRAGMA user_version").fetchone()[0]
            for number, statements in enumerate(MIGRATIONS[version:], start=version + 1):
                try:
                    for statement in statements:
                        db.execute(statement)
                except sqlite3.OperationalError:  # an SQLite without FTS5's trigram tokenizer (before 3.34)
                    if number not in NEEDS_TRIGRAMS:
                        raise
                if number == 2:
                    self._adopt_rows_of_before_accounts(db)
                db.execute(f"PRAGMA user_version = {number}")

    def _adopt_rows_of_before_accounts(self, db: sqlite3.Connection) -> None:
        """What was stored before accounts belongs to the demo key's account; search terms
        for it (they came with the same step)."""
        if not any(db.execute(f"SELECT 1 FROM {t} WHERE account = '' LIMIT 1").fetchone() for t in ACCOUNT_TABLES):  # noqa: S608
            return
        owner = open_account(db, DEMO_SECRET_KEY)
        for table in ACCOUNT_TABLES:
            db.execute(f"UPDATE {table} SET account = ? WHERE account = ''", (owner,))  # noqa: S608
        db.execute("DELETE FROM search_terms")
        for seq, data in db.execute("SELECT seq, data FROM objects").fetchall():
            self._write_terms(db, seq, json.loads(data))

    def _connect(self) -> sqlite3.Connection:
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
            if self.housekeeper is not None:  # it checkpoints, off the requests' path
                db.execute("PRAGMA wal_autocheckpoint=0")
            self._local.db = db
        return db

    def _own(self, alias: str = "") -> tuple[str, list[str]]:
        """The SQL condition (and its argument) that keeps to this view's account."""
        if self.account is None:
            return "1", []
        return f"{alias}account = ?", [self.account]

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
        """Serialize a whole request: every write in it commits, or none does."""
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

    # ------------------------------------------------------------------ objects

    def _write_terms(self, db: sqlite3.Connection, seq: int, obj: dict[str, Any], *, new: bool = False) -> None:
        """The object's search terms in place of its old ones (``new``: it has none yet, since
        ``seq`` is never reused)."""
        if not new:
            db.execute("DELETE FROM search_terms WHERE seq = ?", (seq,))
        terms = search_terms(obj)
        if self.account is not None:
            db.executemany(
                "INSERT INTO search_terms (seq, account, type, field, value) VALUES (?, ?, ?, ?, ?)",
                [(seq, self.account, obj["object"], field, value) for field, value in terms],
            )
            return
        db.executemany(  # the unscoped store: the object's row names its account
            "INSERT INTO search_terms (seq, account, type, field, value) "
            "SELECT seq, account, ?, ?, ? FROM objects WHERE seq = ?",
            [(obj["object"], field, value, seq) for field, value in terms],
        )

    def insert(self, obj: dict[str, Any]) -> dict[str, Any]:
        if self.account is None:
            raise RuntimeError("objects are inserted through an account's view (Store.for_account)")
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO objects (id, type, created, data, account) VALUES (?, ?, ?, ?, ?)",
                (obj["id"], obj["object"], obj.get("created") or int(time.time()), json.dumps(obj), self.account),
            )
            if obj["object"] in SEARCHABLE:
                self._write_terms(db, cur.lastrowid, obj, new=True)
        return obj

    def save(self, obj: dict[str, Any]) -> dict[str, Any]:
        own, args = self._own()
        with self.transaction() as db:
            row = db.execute(
                f"UPDATE objects SET data = ? WHERE id = ? AND {own} RETURNING seq",  # noqa: S608
                [json.dumps(obj), obj["id"], *args],
            ).fetchone()
            if row is None:
                raise KeyError(obj["id"])
            if obj["object"] in SEARCHABLE:
                self._write_terms(db, row[0], obj)
        return obj

    def delete(self, object_id: str) -> None:
        own, args = self._own()
        with self.transaction() as db:
            rows = db.execute(
                f"DELETE FROM objects WHERE id = ? AND {own} RETURNING seq", [object_id, *args]  # noqa: S608
            ).fetchall()
            for (seq,) in rows:
                db.execute("DELETE FROM search_terms WHERE seq = ?", (seq,))

    def tombstone(self, stub: dict[str, Any]) -> None:
        """Replace a deleted object by Stripe's stub ``{"id", "object", "deleted": true}``: found
        by ``find`` (a retrieve answers it), but no longer of its type (``query``, ``get``)."""
        own, args = self._own()
        with self.transaction() as db:
            rows = db.execute(
                f"UPDATE objects SET type = 'deleted_object', data = ? WHERE id = ? AND {own} RETURNING seq",  # noqa: S608
                [json.dumps(stub), stub["id"], *args],
            ).fetchall()
            for (seq,) in rows:
                db.execute("DELETE FROM search_terms WHERE seq = ?", (seq,))

    def find(self, object_id: str) -> dict[str, Any] | None:
        own, args = self._own()
        row = self._connect().execute(
            f"SELECT data FROM objects WHERE id = ? AND {own}", [object_id, *args]  # noqa: S608
        ).fetchone()
        return json.loads(row[0]) if row else None

    def get(self, object_type: str, object_id: Any, param: str = "id") -> dict[str, Any]:
        """The object, or Stripe's 404 ``resource_missing`` naming ``param``."""
        obj = self.find(object_id) if isinstance(object_id, str) else None
        if obj is None or obj["object"] != object_type or obj.get("deleted"):
            raise missing(NAMES.get(object_type, object_type), str(object_id), param)
        return obj

    def seq_of(self, object_id: str) -> int | None:
        own, args = self._own()
        row = self._connect().execute(
            f"SELECT seq FROM objects WHERE id = ? AND {own}", [object_id, *args]  # noqa: S608
        ).fetchone()
        return row[0] if row else None

    def account_of(self, object_id: str) -> str | None:
        """The account an object belongs to (for the workers, which act in its view)."""
        row = self._connect().execute("SELECT account FROM objects WHERE id = ?", (object_id,)).fetchone()
        return row[0] if row else None

    def query(
        self,
        object_type: str,
        where: dict[str, Any] | None = None,
        *,
        before_seq: int | None = None,
        after_seq: int | None = None,
        created: dict[str, int] | None = None,
        limit: int | None = None,
        newest_first: bool = True,
    ) -> list[dict[str, Any]]:
        """Objects of a type; ``where`` compares top-level (or dotted) JSON fields for equality,
        ``created`` bounds the creation time (``{"gte": ts, "lt": ts}``, Stripe's operators)."""
        sql, args = self._select_seqs(object_type, where, before_seq, after_seq, created)
        order = "DESC" if newest_first else "ASC"
        sql += f" ORDER BY seq {order}"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        # Pick the rows in the indexes first, then read only their JSON.
        rows = self._connect().execute(
            f"SELECT data FROM objects WHERE seq IN ({sql}) ORDER BY seq {order}", args  # noqa: S608
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def _select_seqs(
        self, object_type: str, where: dict[str, Any] | None, before_seq: int | None, after_seq: int | None,
        created: dict[str, int] | None,
    ) -> tuple[str, list[Any]]:
        # Names go into the SQL as text, so that SQLite matches them with their indexes.
        own, args = self._own()
        sql = [f"SELECT seq FROM objects WHERE {own} AND type = '{_checked(object_type)}'"]
        for field, value in (where or {}).items():
            expression = _indexed_expression(_checked(field))
            if value is None:
                sql.append(f"AND {expression} IS NULL")
            elif isinstance(value, Glob):
                sql.append("AND (" + " OR ".join([f"{expression} GLOB ?"] * len(value.patterns)) + ")")
                args += value.patterns
            else:
                sql.append(f"AND {expression} = ?")
                args.append(int(value) if isinstance(value, bool) else value)
        for operator, value in (created or {}).items():
            sql.append(f"AND created {_OPERATORS[operator]} ?")
            args.append(value)
        if before_seq is not None:
            sql.append("AND seq < ?")
            args.append(before_seq)
        if after_seq is not None:
            sql.append("AND seq > ?")
            args.append(after_seq)
        return " ".join(sql), args

    def search(self, object_type: str, query: Any, *, limit: int, offset: int) -> list[dict[str, Any]]:
        """Objects of a type that match a parsed search query (``search.py``), newest first.
        A broad query first tries the newest RECENT_WINDOW objects one by one; when they hold
        the page, that is the answer, else the indexes give it."""
        own, args = self._own()
        kind = _checked(object_type)
        if search.broad(query):
            # Newest first along the list index, each object's own terms tested, down to the
            # RECENT_WINDOW-th newest object; SQLite stops once the page is full.
            floor = self._connect().execute(
                f"SELECT seq FROM objects WHERE {own} AND type = '{kind}' ORDER BY seq DESC LIMIT 1 OFFSET ?",  # noqa: S608
                [*args, RECENT_WINDOW - 1],
            ).fetchone()
            condition, more = search.to_sql(query, object_type, self.account, per_row=True)
            own_o, args_o = self._own("o.")
            found = self._rows(
                f"{own_o} AND o.type = '{kind}' AND o.seq >= ? AND ({condition})",
                [*args_o, floor[0] if floor else 0, *more], limit, offset,
            )
            if len(found) == limit or floor is None:  # the page is full, or that was everything
                return found
        own, args = self._own("o.")
        condition, more = search.to_sql(query, object_type, self.account, fts=self.fts)
        return self._rows(f"{own} AND o.type = '{kind}' AND ({condition})", [*args, *more], limit, offset)

    def _rows(self, where: str, args: list[Any], limit: int, offset: int) -> list[dict[str, Any]]:
        rows = self._connect().execute(
            f"SELECT data FROM objects o WHERE {where} ORDER BY o.seq DESC LIMIT ? OFFSET ?",  # noqa: S608
            [*args, limit, offset],
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def read(self, sql: str, args: tuple = ()) -> list[tuple]:
        """The rows of a read-only statement; no lock (WAL readers never wait for the writer)."""
        return self._connect().execute(sql, args).fetchall()

    def count_all(self) -> int:
        own, args = self._own()
        return self._connect().execute(f"SELECT count(*) FROM objects WHERE {own}", args).fetchone()[0]  # noqa: S608

    # ------------------------------------------------------------------ idempotency

    def idempotent_result(self, key: str) -> tuple[str, int, str] | None:
        row = self._connect().execute(
            "SELECT fingerprint, status, body FROM idempotency WHERE account = ? AND key = ?", (self.account, key)
        ).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def remember(self, key: str, fingerprint: str, status: int, body: str) -> None:
        with self.transaction() as db:
            db.execute(  # a plain INSERT: a key is saved once, by the request that checked it
                "INSERT INTO idempotency (account, key, fingerprint, status, body, created) VALUES (?, ?, ?, ?, ?, ?)",
                (self.account, key, fingerprint, status, body, int(time.time())),
            )

    def reset(self) -> int:
        """Empty the account (its objects, idempotency keys, webhook deliveries …); the
        unscoped store empties every account (the accounts themselves stay: their keys still
        work, their display names remain). How many objects it removed."""
        with self.transaction() as db:
            own, args = self._own()
            removed = db.execute(f"SELECT count(*) FROM objects WHERE {own}", args).fetchone()[0]  # noqa: S608
            if self.account is not None:
                for table in ACCOUNT_TABLES:
                    db.execute(f"DELETE FROM {table} WHERE account = ?", (self.account,))  # noqa: S608
                return removed
            tables = [row[0] for row in db.execute(  # the trigram index's own tables empty with search_terms
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name NOT LIKE 'search_fts%' AND name != 'accounts'"
            )]
            for table in tables:
                db.execute(f'DELETE FROM "{table}"')  # noqa: S608 - names from sqlite_master
        return removed
