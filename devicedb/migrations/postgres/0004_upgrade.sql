-- phoneprov schema (PostgreSQL), version 4: the Classic → X Series upgrade (import runs
-- and what they made), one-time set-password tokens and the outbox of
-- messages to send.

-- One row per real import run, with its report (JSON).
CREATE TABLE import_runs (
    id          BIGINT  PRIMARY KEY,
    started_at  BIGINT  NOT NULL,
    finished_at BIGINT  NOT NULL,
    actor       TEXT    NOT NULL,
    digest      TEXT    NOT NULL,
    totals      TEXT    NOT NULL,
    report      TEXT    NOT NULL
);
CREATE TRIGGER import_runs_id BEFORE INSERT ON import_runs FOR EACH ROW EXECUTE FUNCTION next_id();

-- What imports made, by the Classic key (user: "<classic username>/<ext>",
-- license id, device MAC, phone number), so that a re-run recognises it and
-- never makes again what an admin deleted since. local_id is the user id
-- for users; no foreign key on purpose: the row outlives the object.
CREATE TABLE import_objects (
    kind     TEXT    NOT NULL CHECK (kind IN ('user','license','device','phone_number')),
    key      TEXT    NOT NULL,
    run_id   BIGINT  NOT NULL REFERENCES import_runs(id),
    local_id BIGINT ,
    PRIMARY KEY (kind, key)
);

-- One-time set-password tokens, stored as their SHA-256 (hex).
CREATE TABLE password_tokens (
    token_hash TEXT    PRIMARY KEY,
    user_id    BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    used_at    BIGINT 
);
CREATE INDEX password_tokens_user ON password_tokens(user_id);

-- Messages to send (welcome messages), delivered by SMTP with retries.
-- The body holds the set-password link: it is sealed with the secret key.
CREATE TABLE outbox (
    id              BIGINT  PRIMARY KEY,
    kind            TEXT    NOT NULL,
    user_id         BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    username        TEXT    NOT NULL DEFAULT '',
    to_name         TEXT    NOT NULL DEFAULT '',
    to_addr         TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    body_enc        BYTEA    NOT NULL,
    link_enc        BYTEA,
    link_expires_at BIGINT ,
    -- queued: to send; sent: accepted by the SMTP server; no_address: the
    -- user has no e-mail address (hand the link over another way).
    status          TEXT    NOT NULL CHECK (status IN ('queued','sent','no_address')),
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    last_error      TEXT    NOT NULL DEFAULT '',
    created_at      BIGINT  NOT NULL,
    sent_at         BIGINT 
);
CREATE TRIGGER outbox_id BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION next_id();
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
