-- phoneprov schema: Classic imports scheduled for a time (the upgrade
-- window announced beforehand), run by the scheduler of `serve`.

CREATE TABLE scheduled_imports (
    id          BIGINT PRIMARY KEY,
    at          BIGINT NOT NULL,
    -- The export as JSON, as it will be imported.
    export      BYTEA    NOT NULL,
    estimate_ms BIGINT NOT NULL,
    records     TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('scheduled','running','done','failed','cancelled')),
    actor       TEXT    NOT NULL,
    created_at  BIGINT NOT NULL,
    started_at  BIGINT,
    finished_at BIGINT,
    run_id      BIGINT,
    error       TEXT    NOT NULL DEFAULT ''
);
CREATE TRIGGER scheduled_imports_id BEFORE INSERT ON scheduled_imports FOR EACH ROW EXECUTE FUNCTION next_id();
CREATE INDEX scheduled_imports_due ON scheduled_imports(status, at);
