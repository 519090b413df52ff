-- phoneprov schema, version 1. Times are unix seconds (UTC).

CREATE TABLE users (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    username           TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    first_name         TEXT    NOT NULL DEFAULT '',
    last_name          TEXT    NOT NULL DEFAULT '',
    email              TEXT    NOT NULL DEFAULT '',
    time_zone          TEXT    NOT NULL,
    language           TEXT    NOT NULL,
    voicemail_to_email TEXT    NOT NULL CHECK (voicemail_to_email IN
                           ('notification_only','attachment_only','attachment_delete','disabled')),
    status             TEXT    NOT NULL CHECK (status IN ('active','deactivated')),
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
) STRICT;

-- One extension belongs to at most one user, and a user has at most one
-- extension (X Series is user-based: one user per extension).
CREATE TABLE extensions (
    number    TEXT    PRIMARY KEY,
    kind      TEXT    NOT NULL CHECK (kind IN ('regular','virtual','reserved')),
    read_only INTEGER NOT NULL DEFAULT 0,
    label     TEXT    NOT NULL DEFAULT '',
    user_id   INTEGER UNIQUE REFERENCES users(id) ON DELETE SET NULL,
    CHECK (kind <> 'reserved' OR user_id IS NULL)
) STRICT;

INSERT INTO extensions (number, kind, read_only, label) VALUES
    ('444', 'reserved', 1, 'default auto attendant'),
    ('555', 'reserved', 0, 'voicemail'),
    ('556', 'reserved', 0, 'conference bridge');

CREATE TABLE phone_numbers (
    number  TEXT    PRIMARY KEY,
    user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    routing TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX phone_numbers_user ON phone_numbers(user_id);

CREATE TABLE licenses (
    id              TEXT    PRIMARY KEY,
    type            TEXT    NOT NULL,
    country         TEXT    NOT NULL,
    service_address TEXT    NOT NULL DEFAULT '',
    user_id         INTEGER REFERENCES users(id) ON DELETE SET NULL,
    -- suspended: '' (not suspended), 'user_deactivated' or 'removed'
    suspended       TEXT    NOT NULL DEFAULT '' CHECK (suspended IN ('','user_deactivated','removed')),
    removed_at      INTEGER,
    created_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX licenses_user ON licenses(user_id);
CREATE INDEX licenses_type_country ON licenses(type, country);

CREATE TABLE devices (
    mac           TEXT    PRIMARY KEY CHECK (length(mac) = 12),
    vendor        TEXT    NOT NULL,
    model         TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('active','unsupported','retired')),
    frozen_config BLOB,
    firmware      TEXT    NOT NULL DEFAULT '',
    last_fetch_at INTEGER,
    last_fetch_ip TEXT    NOT NULL DEFAULT '',
    replaced_by   TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX devices_status ON devices(status, mac);

-- MACs of unsupported devices that were removed: they can never come back.
CREATE TABLE device_tombstones (
    mac        TEXT    PRIMARY KEY,
    model      TEXT    NOT NULL,
    removed_at INTEGER NOT NULL
) STRICT;

CREATE TABLE device_lines (
    mac          TEXT    NOT NULL REFERENCES devices(mac) ON DELETE CASCADE,
    line         INTEGER NOT NULL CHECK (line >= 1),
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    auth_user    TEXT    NOT NULL UNIQUE,
    password_enc BLOB    NOT NULL,
    PRIMARY KEY (mac, line)
) STRICT;
CREATE INDEX device_lines_user ON device_lines(user_id);

CREATE TABLE audit (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    entity    TEXT    NOT NULL,
    entity_id TEXT    NOT NULL,
    before    TEXT,
    after     TEXT
) STRICT;
