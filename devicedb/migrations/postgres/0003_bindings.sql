-- phoneprov schema (PostgreSQL), version 3: registrar bindings, persisted so that they
-- survive a restart (written behind the registrar, not per REGISTER).

CREATE TABLE bindings (
    aor           TEXT    NOT NULL,
    contact       TEXT    NOT NULL,
    auth_user     TEXT    NOT NULL,
    mac           TEXT    NOT NULL,
    line          BIGINT  NOT NULL,
    user_id       BIGINT  NOT NULL,
    expires_at    BIGINT  NOT NULL,
    call_id       TEXT    NOT NULL DEFAULT '',
    cseq          BIGINT  NOT NULL DEFAULT 0,
    instance      TEXT    NOT NULL DEFAULT '',
    reg_id        BIGINT  NOT NULL DEFAULT 0,
    source        TEXT    NOT NULL DEFAULT '',
    transport     TEXT    NOT NULL DEFAULT '',
    user_agent    TEXT    NOT NULL DEFAULT '',
    registered_at BIGINT  NOT NULL,
    PRIMARY KEY (aor, contact)
);
CREATE INDEX bindings_mac ON bindings(mac);
CREATE INDEX bindings_expires ON bindings(expires_at);
