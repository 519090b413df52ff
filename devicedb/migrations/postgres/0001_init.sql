-- phoneprov schema (PostgreSQL), version 1. Times are unix seconds (UTC).
-- The twin of ../0001_init.sql; see README.md in this directory.

CREATE EXTENSION IF NOT EXISTS citext;

-- Ids as SQLite's AUTOINCREMENT makes them: the next above any id ever
-- used, and transactional (a rolled-back dry run leaves the counter as it
-- was, so it predicts the ids of the real run). A table whose SQLite twin
-- has INTEGER PRIMARY KEY AUTOINCREMENT has id BIGINT PRIMARY KEY and the
-- trigger "<table>_id BEFORE INSERT … EXECUTE FUNCTION next_id()".
CREATE TABLE id_counters (
    tbl  TEXT   PRIMARY KEY,
    last BIGINT NOT NULL
);

CREATE FUNCTION next_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id IS NULL THEN
        INSERT INTO id_counters (tbl, last) VALUES (TG_TABLE_NAME, 1)
            ON CONFLICT (tbl) DO UPDATE SET last = id_counters.last + 1
            RETURNING last INTO NEW.id;
    ELSE
        INSERT INTO id_counters (tbl, last) VALUES (TG_TABLE_NAME, NEW.id)
            ON CONFLICT (tbl) DO UPDATE SET last = greatest(id_counters.last, NEW.id);
    END IF;
    RETURN NEW;
END
$$;

CREATE TABLE users (
    id                 BIGINT  PRIMARY KEY,
    username           CITEXT  NOT NULL UNIQUE,
    first_name         TEXT    NOT NULL DEFAULT '',
    last_name          TEXT    NOT NULL DEFAULT '',
    email              TEXT    NOT NULL DEFAULT '',
    time_zone          TEXT    NOT NULL,
    language           TEXT    NOT NULL,
    voicemail_to_email TEXT    NOT NULL CHECK (voicemail_to_email IN
                           ('notification_only','attachment_only','attachment_delete','disabled')),
    status             TEXT    NOT NULL CHECK (status IN ('active','deactivated')),
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL
);
CREATE TRIGGER users_id BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION next_id();

-- One extension belongs to at most one user, and a user has at most one
-- extension (X Series is user-based: one user per extension).
CREATE TABLE extensions (
    number    TEXT    PRIMARY KEY,
    kind      TEXT    NOT NULL CHECK (kind IN ('regular','virtual','reserved')),
    read_only BIGINT  NOT NULL DEFAULT 0,
    label     TEXT    NOT NULL DEFAULT '',
    user_id   BIGINT  UNIQUE REFERENCES users(id) ON DELETE SET NULL,
    CHECK (kind <> 'reserved' OR user_id IS NULL)
);

INSERT INTO extensions (number, kind, read_only, label) VALUES
    ('444', 'reserved', 1, 'default auto attendant'),
    ('555', 'reserved', 0, 'voicemail'),
    ('556', 'reserved', 0, 'conference bridge');

CREATE TABLE phone_numbers (
    number  TEXT    PRIMARY KEY,
    user_id BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    routing TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX phone_numbers_user ON phone_numbers(user_id);

CREATE TABLE licenses (
    id              TEXT    PRIMARY KEY,
    type            TEXT    NOT NULL,
    country         TEXT    NOT NULL,
    service_address TEXT    NOT NULL DEFAULT '',
    user_id         BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    -- suspended: '' (not suspended), 'user_deactivated' or 'removed'
    suspended       TEXT    NOT NULL DEFAULT '' CHECK (suspended IN ('','user_deactivated','removed')),
    removed_at      BIGINT ,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX licenses_user ON licenses(user_id);
CREATE INDEX licenses_type_country ON licenses(type, country);

CREATE TABLE devices (
    mac           TEXT    PRIMARY KEY CHECK (length(mac) = 12),
    vendor        TEXT    NOT NULL,
    model         TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('active','unsupported','retired')),
    frozen_config BYTEA,
    firmware      TEXT    NOT NULL DEFAULT '',
    last_fetch_at BIGINT ,
    last_fetch_ip TEXT    NOT NULL DEFAULT '',
    replaced_by   TEXT    NOT NULL DEFAULT '',
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE INDEX devices_status ON devices(status, mac);

-- MACs of unsupported devices that were removed: they can never come back.
CREATE TABLE device_tombstones (
    mac        TEXT    PRIMARY KEY,
    model      TEXT    NOT NULL,
    removed_at BIGINT  NOT NULL
);

CREATE TABLE device_lines (
    mac          TEXT    NOT NULL REFERENCES devices(mac) ON DELETE CASCADE,
    line         BIGINT  NOT NULL CHECK (line >= 1),
    user_id      BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    auth_user    TEXT    NOT NULL UNIQUE,
    password_enc BYTEA    NOT NULL,
    PRIMARY KEY (mac, line)
);
CREATE INDEX device_lines_user ON device_lines(user_id);

CREATE TABLE audit (
    id        BIGINT  PRIMARY KEY,
    at        BIGINT  NOT NULL,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    entity    TEXT    NOT NULL,
    entity_id TEXT    NOT NULL,
    before    TEXT,
    after     TEXT
);
CREATE TRIGGER audit_id BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION next_id();
