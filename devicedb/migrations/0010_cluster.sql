-- phoneprov schema, version 6: what several nodes on one database share
-- (used on PostgreSQL; the tables exist on SQLite too, empty).

-- Files every node needs the same copy of (the local CA, the admin
-- token), sealed with the secret key.
CREATE TABLE cluster_files (
    name       TEXT    PRIMARY KEY,
    body_enc   BLOB    NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- Cluster-wide locks (the import's hold on admin writes).
CREATE TABLE cluster_locks (
    name   TEXT    PRIMARY KEY,
    holder TEXT    NOT NULL,
    until  INTEGER NOT NULL
) STRICT;

-- The nodes serving the account, each announcing itself with a heartbeat.
CREATE TABLE nodes (
    id           TEXT    PRIMARY KEY,
    host         TEXT    NOT NULL,
    ports        TEXT    NOT NULL,
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL
) STRICT;
