-- phoneprov schema: Classic imports scheduled for a time (the upgrade
-- window announced beforehand), run by the scheduler of `serve`.

CREATE TABLE scheduled_imports (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    -- The export as JSON, as it will be imported.
    export      BLOB    NOT NULL,
    estimate_ms INTEGER NOT NULL,
    records     TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('scheduled','running','done','failed','cancelled')),
    actor       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    started_at  INTEGER,
    finished_at INTEGER,
    run_id      INTEGER,
    error       TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX scheduled_imports_due ON scheduled_imports(status, at);
