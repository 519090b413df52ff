-- phoneprov schema: the account features of the seeds (issue #14 items
-- 9-14): account settings (messaging), sites and the users on them,
-- personal contacts and profile pictures, auto attendants with shared
-- schedules, receptionist extensions, and where every phone number routes.

-- One row: the account. messaging_enabled: users with a US or Canada
-- number have SMS while it is 1. pbx_name and company_name are carried
-- by the import, for review only.
CREATE TABLE account_settings (
    id                BIGINT PRIMARY KEY CHECK (id = 1),
    messaging_enabled BIGINT NOT NULL DEFAULT 1 CHECK (messaging_enabled IN (0, 1)),
    pbx_name          TEXT    NOT NULL DEFAULT '',
    company_name      TEXT    NOT NULL DEFAULT '',
    updated_at        BIGINT NOT NULL DEFAULT 0
);
INSERT INTO account_settings (id) VALUES (1);

-- Sites: the address licenses assigned to a site's users show as their
-- service address, and the emergency-calling location.
CREATE TABLE sites (
    id                 BIGINT PRIMARY KEY,
    name               CITEXT    NOT NULL UNIQUE,
    address            TEXT    NOT NULL,
    emergency_location TEXT    NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE TRIGGER sites_id BEFORE INSERT ON sites FOR EACH ROW EXECUTE FUNCTION next_id();
ALTER TABLE users ADD COLUMN site_id BIGINT REFERENCES sites(id);
ALTER TABLE users ADD COLUMN profile_picture TEXT NOT NULL DEFAULT '';
CREATE INDEX users_site ON users(site_id);

-- Personal contacts that followed the login (Classic extension → user).
CREATE TABLE user_contacts (
    user_id  BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    name     TEXT    NOT NULL,
    number   TEXT    NOT NULL,
    PRIMARY KEY (user_id, position)
);

-- Auto attendant schedules: one schedule serves several auto attendants.
CREATE TABLE aa_schedules (
    id         BIGINT PRIMARY KEY,
    name       CITEXT    NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE TRIGGER aa_schedules_id BEFORE INSERT ON aa_schedules FOR EACH ROW EXECUTE FUNCTION next_id();

-- Auto attendants. Their extension is an extensions row of kind
-- 'reserved' (never a user's). The default one (444) is read-only.
CREATE TABLE auto_attendants (
    id          BIGINT PRIMARY KEY,
    name        CITEXT    NOT NULL UNIQUE,
    extension   TEXT    UNIQUE REFERENCES extensions(number),
    schedule_id BIGINT REFERENCES aa_schedules(id),
    active      BIGINT NOT NULL CHECK (active IN (0, 1)),
    is_default  BIGINT NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE TRIGGER auto_attendants_id BEFORE INSERT ON auto_attendants FOR EACH ROW EXECUTE FUNCTION next_id();
CREATE INDEX auto_attendants_schedule ON auto_attendants(schedule_id);
INSERT INTO auto_attendants (name, extension, active, is_default, created_at, updated_at)
    VALUES ('Default auto attendant', '444', 1, 1, 0, 0);

-- Custom receptionist extensions carried by the import: they keep
-- working, are not editable and only support removes them.
CREATE TABLE receptionists (
    id         BIGINT PRIMARY KEY,
    extension  TEXT    NOT NULL UNIQUE REFERENCES extensions(number),
    name       TEXT    NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE TRIGGER receptionists_id BEFORE INSERT ON receptionists FOR EACH ROW EXECUTE FUNCTION next_id();

-- Where a phone number routes when it is not a user's: an auto attendant,
-- a receptionist extension, or rings = '555' (voicemail) / '556'
-- (conference bridge). None of them and no user: unassigned.
ALTER TABLE phone_numbers ADD COLUMN aa_id BIGINT REFERENCES auto_attendants(id);
ALTER TABLE phone_numbers ADD COLUMN receptionist_id BIGINT REFERENCES receptionists(id);
ALTER TABLE phone_numbers ADD COLUMN rings TEXT NOT NULL DEFAULT '';
CREATE INDEX phone_numbers_aa ON phone_numbers(aa_id);
CREATE INDEX phone_numbers_receptionist ON phone_numbers(receptionist_id);
UPDATE phone_numbers SET rings = substr(routing, 11)
    WHERE user_id IS NULL AND routing IN ('extension 555', 'extension 556');
UPDATE phone_numbers SET aa_id = (SELECT id FROM auto_attendants WHERE is_default = 1)
    WHERE user_id IS NULL AND routing = 'extension 444';

-- import_objects learns the new kinds (rebuilt with its rows, as on SQLite).
CREATE TABLE import_objects_new (
    kind     TEXT    NOT NULL CHECK (kind IN ('user','license','device','phone_number',
                                              'site','auto_attendant','receptionist','setting')),
    key      TEXT    NOT NULL,
    run_id   BIGINT NOT NULL REFERENCES import_runs(id),
    local_id BIGINT,
    PRIMARY KEY (kind, key)
);
INSERT INTO import_objects_new (kind, key, run_id, local_id) SELECT kind, key, run_id, local_id FROM import_objects;
DROP TABLE import_objects;
ALTER TABLE import_objects_new RENAME TO import_objects;
