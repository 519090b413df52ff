-- phoneprov schema (PostgreSQL), version 2: what the config server records.

-- Devices that asked for config but are not in the database, for admins to
-- adopt. Bounded by the store (oldest last_seen evicted).
CREATE TABLE pending_devices (
    mac        TEXT    PRIMARY KEY,
    vendor     TEXT    NOT NULL DEFAULT '',
    model      TEXT    NOT NULL DEFAULT '',
    firmware   TEXT    NOT NULL DEFAULT '',
    user_agent TEXT    NOT NULL DEFAULT '',
    source_ip  TEXT    NOT NULL DEFAULT '',
    first_seen BIGINT  NOT NULL,
    last_seen  BIGINT  NOT NULL,
    requests   BIGINT  NOT NULL DEFAULT 1
);
CREATE INDEX pending_devices_seen ON pending_devices(last_seen);

-- Recent config fetches of known devices (write-behind, pruned).
CREATE TABLE fetch_log (
    id         BIGINT  PRIMARY KEY,
    mac        TEXT    NOT NULL,
    at         BIGINT  NOT NULL,
    ip         TEXT    NOT NULL,
    file       TEXT    NOT NULL,
    status     BIGINT  NOT NULL,
    user_agent TEXT    NOT NULL DEFAULT ''
);
CREATE TRIGGER fetch_log_id BEFORE INSERT ON fetch_log FOR EACH ROW EXECUTE FUNCTION next_id();
CREATE INDEX fetch_log_mac ON fetch_log(mac, id);

-- Files phones upload (Poly <mac>-phone.cfg, -web.cfg, logs): the latest of
-- each name per device.
CREATE TABLE device_uploads (
    mac  TEXT    NOT NULL REFERENCES devices(mac) ON DELETE CASCADE,
    name TEXT    NOT NULL,
    body BYTEA    NOT NULL,
    at   BIGINT  NOT NULL,
    PRIMARY KEY (mac, name)
);

-- Optional per-device HTTP digest credentials for later fetches.
ALTER TABLE devices ADD COLUMN http_user TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN http_password_enc BYTEA;
