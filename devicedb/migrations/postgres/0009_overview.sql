-- phoneprov schema: the overview's last-24-hours figures.

-- REGISTER outcomes per hour (hour = unix time / 3600), written behind in
-- batches by the server; rows older than 8 days are pruned on write.
CREATE TABLE sip_hourly (
    hour    BIGINT NOT NULL,
    outcome TEXT    NOT NULL,
    n       BIGINT NOT NULL,
    PRIMARY KEY (hour, outcome)
);

-- Config fetches by time, for the hourly series.
CREATE INDEX fetch_log_at ON fetch_log(at);

-- The admins' last sign-in (ListAdmins) without scanning the audit log.
CREATE INDEX audit_sign_in ON audit(entity_id) WHERE action = 'sign_in' AND entity = 'admin';
