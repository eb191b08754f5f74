"""The database's tables and how an older file is brought up to date (``PRAGMA user_version``):
each migration is a list of statements, run in one transaction at start. Also what makes an
accounts row (migration 2 adopts the rows made before accounts, for the demo key's account).
"""

from __future__ import annotations

import json
import sqlite3
import time

from ..shared.contract import DEMO_SECRET_KEY, publishable_key_for, secret_hash
from ..shared.ids import new_id
from .search import write_terms

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


def indexed_expression(field: str) -> str:
    return f"json_extract(data, '$.{field}')"


def _field_indexes(leading: str) -> list[str]:
    return [
        f"CREATE INDEX objects_by_{f} ON objects({leading}type, {indexed_expression(f)}, seq) "
        f"WHERE {indexed_expression(f)} IS NOT NULL"
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

# What the room knows of each learner (``room_activity.py``); every row names its account.
ROOM_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS room_learners (
        account TEXT PRIMARY KEY,
        latest TEXT,                     -- the latest outcome (JSON), whatever its step
        failing_since REAL,              -- when the current run of failures began; NULL when none
        stuck_seconds REAL NOT NULL DEFAULT 0,   -- earlier runs of failures, added up
        stuck_times INTEGER NOT NULL DEFAULT 0,
        place TEXT,                      -- where the learner's kernel last ran a cell (JSON)
        last_error TEXT                  -- the last API error the sandbox answered (JSON)
    )""",
    """CREATE TABLE IF NOT EXISTS room_outcomes (
        account TEXT NOT NULL,
        item TEXT NOT NULL,              -- a step of the guide, an exercise, or a notebook
        at REAL NOT NULL,
        ok INTEGER NOT NULL,
        detail TEXT NOT NULL,            -- JSON
        PRIMARY KEY (account, item)
    )""",
    """CREATE TABLE IF NOT EXISTS room_notes (
        account TEXT PRIMARY KEY,
        kind TEXT NOT NULL,              -- stuck | done
        text TEXT NOT NULL,
        at REAL NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS room_passes (
        account TEXT NOT NULL,
        exercise TEXT NOT NULL,
        at REAL NOT NULL,
        PRIMARY KEY (account, exercise)
    )""",
    """CREATE TABLE IF NOT EXISTS room_evidence (
        account TEXT NOT NULL,
        exercise TEXT NOT NULL,
        at REAL NOT NULL,
        request_id TEXT,
        PRIMARY KEY (account, exercise)
    )""",
)
ROOM_TABLES = ("room_learners", "room_outcomes", "room_notes", "room_passes", "room_evidence")

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
        "CREATE INDEX objects_id ON objects(id)",  # Room.owner_of(id, type), for hosted pages
        "CREATE INDEX objects_list ON objects(account, type, seq, created)",
        *_field_indexes("account, "),
        "CREATE INDEX objects_clocks_by_status ON objects(json_extract(data, '$.status'), seq) "
        "WHERE type = 'test_helpers.test_clock'",
    ),
    # 7: what a classroom knows of each learner besides their objects (``room_activity.py``).
    # IF NOT EXISTS: a classroom sandbox of before this migration made them on first use.
    ROOM_SCHEMA,
)

# Migrations that need FTS5's trigram tokenizer (SQLite 3.34+); without it, search scans instead.
NEEDS_TRIGRAMS = (3, 5)

# Tables whose rows belong to an account (an account's reset empties them of its rows, the
# room's too: ``ROOM_TABLES``). These are the ones of migration 2, which gave them an account.
ACCOUNT_TABLES = ("objects", "search_terms", "idempotency", "webhook_deliveries", "webhook_attempts")


def migrate(db: sqlite3.Connection) -> None:
    """Create the schema, or bring an older database up to date (inside the caller's transaction)."""
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
            _adopt_rows_of_before_accounts(db)
        db.execute(f"PRAGMA user_version = {number}")


def open_account(db: sqlite3.Connection, secret_key: str) -> str:
    """The account of ``secret_key``, opened if new (inside the caller's transaction)."""
    db.execute(
        "INSERT OR IGNORE INTO accounts (id, secret_hash, publishable_key, created) VALUES (?, ?, ?, ?)",
        (new_id("acct", 16), secret_hash(secret_key), publishable_key_for(secret_key), int(time.time())),
    )
    return db.execute("SELECT id FROM accounts WHERE secret_hash = ?", (secret_hash(secret_key),)).fetchone()[0]


def _adopt_rows_of_before_accounts(db: sqlite3.Connection) -> None:
    """What was stored before accounts belongs to the demo key's account; search terms for it
    (they came with the same step)."""
    if not any(db.execute(f"SELECT 1 FROM {t} WHERE account = '' LIMIT 1").fetchone() for t in ACCOUNT_TABLES):  # noqa: S608
        return
    owner = open_account(db, DEMO_SECRET_KEY)
    for table in ACCOUNT_TABLES:
        db.execute(f"UPDATE {table} SET account = ? WHERE account = ''", (owner,))  # noqa: S608
    db.execute("DELETE FROM search_terms")
    for seq, data in db.execute("SELECT seq, data FROM objects").fetchall():
        write_terms(db, owner, seq, json.loads(data), new=True)
