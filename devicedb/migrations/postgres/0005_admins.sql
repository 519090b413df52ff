-- phoneprov schema (PostgreSQL), version 5: admin console accounts and their sessions,
-- and the password users set through the welcome message's link.

-- Admin accounts: every admin has full access. password_hash is argon2id
-- in the PHC string format.
CREATE TABLE admins (
    id            BIGINT  PRIMARY KEY,
    name          CITEXT  NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL
);
CREATE TRIGGER admins_id BEFORE INSERT ON admins FOR EACH ROW EXECUTE FUNCTION next_id();

-- Console sessions, stored as the SHA-256 (hex) of the cookie's token.
CREATE TABLE admin_sessions (
    token_hash TEXT    PRIMARY KEY,
    admin_id   BIGINT  NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL
);
CREATE INDEX admin_sessions_expiry ON admin_sessions(expires_at);

-- The user's own password (argon2id, PHC string), set by the set-password link.
ALTER TABLE users ADD COLUMN password_hash TEXT;
