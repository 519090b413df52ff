-- phoneprov schema (PostgreSQL), version 6: what several nodes on one database share
-- (used on PostgreSQL; the tables exist on SQLite too, empty).

-- Files every node needs the same copy of (the local CA, the admin
-- token), sealed with the secret key.
CREATE TABLE cluster_files (
    name       TEXT    PRIMARY KEY,
    body_enc   BYTEA    NOT NULL,
    updated_at BIGINT  NOT NULL
);

-- Cluster-wide locks (the import's hold on admin writes).
CREATE TABLE cluster_locks (
    name   TEXT    PRIMARY KEY,
    holder TEXT    NOT NULL,
    until  BIGINT  NOT NULL
);

-- The nodes serving the account, each announcing itself with a heartbeat.
CREATE TABLE nodes (
    id           TEXT    PRIMARY KEY,
    host         TEXT    NOT NULL,
    ports        TEXT    NOT NULL,
    started_at   BIGINT  NOT NULL,
    heartbeat_at BIGINT  NOT NULL
);
