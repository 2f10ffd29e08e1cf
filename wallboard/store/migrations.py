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
    Migration(
        3,
        "team leads' workspace",
        """
-- The team leads' workspace (docs/access.md), as SQLite's schema in store/db.py, with the
-- account first in every key: names are unique per account, not across the database.
-- Integers are BIGINT: SQLite's INTEGER holds 64 bits, so the same values must fit here.
CREATE TABLE status_change (
    id BIGSERIAL PRIMARY KEY,
    account TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    extension BIGINT NOT NULL,
    status_code BIGINT NOT NULL,
    previous_code BIGINT NOT NULL,
    actor TEXT
);
CREATE INDEX status_change_ext ON status_change (account, extension, at);
CREATE TABLE floor_message (
    id BIGSERIAL PRIMARY KEY,
    account TEXT NOT NULL,
    text TEXT NOT NULL,
    boards TEXT[] NOT NULL,
    until DOUBLE PRECISION NOT NULL,
    author TEXT NOT NULL,
    created DOUBLE PRECISION NOT NULL,
    removed DOUBLE PRECISION
);
CREATE INDEX floor_message_account ON floor_message (account, id);
CREATE TABLE alert_log (
    id BIGSERIAL PRIMARY KEY,
    account TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    rule TEXT NOT NULL,
    subject BIGINT NOT NULL,
    label TEXT NOT NULL,
    value DOUBLE PRECISION,
    fired BOOLEAN NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX alert_log_at ON alert_log (account, at);
CREATE TABLE board_def (
    account TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (account, name)
);
CREATE TABLE board_change (
    id BIGSERIAL PRIMARY KEY,
    account TEXT NOT NULL,
    name TEXT NOT NULL,
    action TEXT NOT NULL,
    body TEXT,
    actor TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL
);
CREATE INDEX board_change_account ON board_change (account, id);
CREATE TABLE kiosk_token (
    account TEXT NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    boards TEXT[] NOT NULL,
    created_by TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    revoked_at DOUBLE PRECISION,
    PRIMARY KEY (account, name)
);
CREATE TABLE app_user (
    account TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (account, name)
);
""",
    ),
    Migration(
        4,
        "day_summary",
        """
-- /history's closed days, summarised. A summary is claimed (fresh, no text) before its
-- day's CDRs are read; a CDR stored, replaced or removed afterwards with a `time` in
-- [lo, hi) clears `fresh` in the same transaction (the trigger), so a summary that misses
-- a late CDR is never read back. The same rule as SQLite's (store/db.py _MIGRATIONS).
CREATE TABLE day_summary (
    account TEXT NOT NULL,
    day TEXT NOT NULL,
    lo BIGINT NOT NULL,
    hi BIGINT NOT NULL,
    format TEXT NOT NULL,
    fresh BOOLEAN NOT NULL,
    summary TEXT,
    PRIMARY KEY (account, day)
);
CREATE INDEX day_summary_lo ON day_summary (account, lo);
CREATE FUNCTION cdr_stales_day() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        UPDATE day_summary SET fresh = false WHERE account = NEW.account
            AND lo <= NEW.time AND hi > NEW.time AND lo > NEW.time - 259200;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        UPDATE day_summary SET fresh = false WHERE account = OLD.account
            AND lo <= OLD.time AND hi > OLD.time AND lo > OLD.time - 259200;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER cdr_stales_day AFTER INSERT OR UPDATE OR DELETE ON cdr
    FOR EACH ROW EXECUTE FUNCTION cdr_stales_day();
""",
    ),
    Migration(
        5,
        "what other processes wrote",
        """
-- A web node follows the CDRs and callback presses its account's other processes store
-- (services/follow.py). Each such row carries the transaction that wrote it last (xid8:
-- 64 bits, never wraps). A reader asks for the rows written at or after its cursor and
-- moves the cursor to its snapshot's xmin, below which every transaction had ended: a
-- row whose transaction commits late (a lower id, visible after higher ones) is still
-- read, where an id or a time as cursor would skip it for good. Older rows have no
-- `written` (NULL): nobody follows them; the partial indexes leave them out, so adding
-- them to a large table does not index it all.
ALTER TABLE cdr ADD COLUMN written xid8;
ALTER TABLE cdr ALTER COLUMN written SET DEFAULT pg_current_xact_id();
-- The `time` of the Call Log row a webhook CDR replaced: a follower tells that day too.
ALTER TABLE cdr ADD COLUMN replaced_time BIGINT;
CREATE FUNCTION cdr_rewritten() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.written := pg_current_xact_id();
    NEW.replaced_time := OLD.time;
    RETURN NEW;
END $$;
-- Only a new version of the call counts (the retention prune's emptied `raw` does not).
CREATE TRIGGER cdr_rewritten BEFORE UPDATE OF parsed, source ON cdr FOR EACH ROW
    WHEN (OLD.parsed IS DISTINCT FROM NEW.parsed OR OLD.source IS DISTINCT FROM NEW.source)
    EXECUTE FUNCTION cdr_rewritten();
CREATE INDEX cdr_written ON cdr (account, written) WHERE written IS NOT NULL;
ALTER TABLE callback ADD COLUMN written xid8;
ALTER TABLE callback ALTER COLUMN written SET DEFAULT pg_current_xact_id();
CREATE INDEX callback_written ON callback (account, written) WHERE written IS NOT NULL;
-- The team leads' workspace as the editor and the floor messages change it: one number
-- per account, raised in the same transaction as any change, which every process polls.
CREATE TABLE workspace_version (
    account TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
CREATE FUNCTION workspace_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    acct TEXT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        acct := OLD.account;
    ELSE
        acct := NEW.account;
    END IF;
    INSERT INTO workspace_version (account, version) VALUES (acct, 1)
        ON CONFLICT (account) DO UPDATE SET version = workspace_version.version + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER workspace_board AFTER INSERT OR UPDATE OR DELETE ON board_def
    FOR EACH ROW EXECUTE FUNCTION workspace_changed();
CREATE TRIGGER workspace_token AFTER INSERT OR UPDATE OR DELETE ON kiosk_token
    FOR EACH ROW EXECUTE FUNCTION workspace_changed();
CREATE TRIGGER workspace_user AFTER INSERT OR UPDATE OR DELETE ON app_user
    FOR EACH ROW EXECUTE FUNCTION workspace_changed();
CREATE TRIGGER workspace_message AFTER INSERT OR UPDATE OR DELETE ON floor_message
    FOR EACH ROW EXECUTE FUNCTION workspace_changed();
""",
    ),
    Migration(
        6,
        "store_probe",
        """
-- Readiness writes a row here and removes it in the same transaction (check_writable):
-- always empty, it proves a real write commits. As SQLite's `store_probe` (store/db.py).
CREATE TABLE store_probe (
    id BIGSERIAL PRIMARY KEY,
    account TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL
);
""",
    ),
    Migration(
        7,
        "alert_rule, alert_ack",
        """
-- Alert rules made in /alerts (services/alert_rules.py), as board_def keeps boards; a
-- change raises the workspace's version, so every process of the account takes it up.
CREATE TABLE alert_rule (
    account TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (account, name)
);
CREATE TRIGGER workspace_alert_rule AFTER INSERT OR UPDATE OR DELETE ON alert_rule
    FOR EACH ROW EXECUTE FUNCTION workspace_changed();
-- What leads did about open alerts (services/alert_acks.py), one row per rule and subject:
-- every web node's kiosks leave an acknowledged or snoozed alert off their strip.
CREATE TABLE alert_ack (
    account TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (account, name)
);
CREATE TRIGGER workspace_alert_ack AFTER INSERT OR UPDATE OR DELETE ON alert_ack
    FOR EACH ROW EXECUTE FUNCTION workspace_changed();
""",
    ),
)
