"""The PostgreSQL schema as numbered migrations, applied in order at start-up, each once.

A released migration is never edited: a change to the schema is a new entry at the end.
`schema_migrations` records which versions a database has.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["MIGRATIONS", "Migration"]


class Migration(NamedTuple):
    """One step of the schema."""

    version: int
    name: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "cdr, callback, audit",
        """
CREATE TABLE cdr (
    id BIGSERIAL PRIMARY KEY,
    account TEXT NOT NULL,
    ivruniqueid TEXT NOT NULL,
    received DOUBLE PRECISION NOT NULL,
    source TEXT NOT NULL,
    encoding TEXT NOT NULL,
    content_type TEXT NOT NULL,
    raw BYTEA NOT NULL,
    parsed TEXT NOT NULL,
    time BIGINT NOT NULL,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    caller TEXT NOT NULL,
    target TEXT NOT NULL,
    queueid INTEGER,
    department TEXT NOT NULL,
    -- A retry repeats the whole CDR; the two legs of a click-to-call may share an id.
    UNIQUE (account, ivruniqueid, type)
);
CREATE INDEX cdr_time ON cdr (account, time);
CREATE TABLE callback (
    id BIGSERIAL PRIMARY KEY,
    account TEXT NOT NULL,
    ivruniqueid TEXT NOT NULL,
    number TEXT NOT NULL,
    actor TEXT NOT NULL,
    from_extension INTEGER NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    ok BOOLEAN NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX callback_at ON callback (account, at);
CREATE TABLE audit (
    id BIGSERIAL PRIMARY KEY,
    account TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    ok BOOLEAN NOT NULL
);
CREATE INDEX audit_account ON audit (account, id);
""",
    ),
    Migration(
        2,
        "quarantine",
        """
-- Bodies refused for their content (Err 1), kept raw for an operator to inspect and replay.
CREATE TABLE quarantine (
    id BIGSERIAL PRIMARY KEY,
    account TEXT NOT NULL,
    received DOUBLE PRECISION NOT NULL,
    reason TEXT NOT NULL,
    encoding TEXT NOT NULL,
    content_type TEXT NOT NULL,
    raw BYTEA NOT NULL
);
CREATE INDEX quarantine_account ON quarantine (account, id);
""",
    ),
)
