-- phoneprov schema, version 6: device trust. Every device has its own HTTP
-- credential (http_user / http_password_enc, issued when it is created), a
-- rotated one waiting for the device's first fetch with it, a web-UI admin
-- password, and at most one one-time enrollment token.

-- http_auth is the old per-device switch (PUT /devices/{mac}/http-auth):
-- the device must present its credential even when --device-auth is laxer.
ALTER TABLE devices ADD COLUMN http_auth BIGINT NOT NULL DEFAULT 0;
UPDATE devices SET http_auth = 1 WHERE http_user <> '';
ALTER TABLE devices ADD COLUMN http_next_password_enc BYTEA;
ALTER TABLE devices ADD COLUMN web_ui_password_enc BYTEA;

-- One enrollment token per device: its SHA-256 finds it, the sealed token
-- lets admins see the URL again.
CREATE TABLE device_enrollments (
    mac        TEXT    PRIMARY KEY REFERENCES devices(mac) ON DELETE CASCADE,
    token_hash TEXT    NOT NULL UNIQUE,
    token_enc  BYTEA    NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    used_ip    TEXT    NOT NULL DEFAULT ''
);
