-- phoneprov schema (PostgreSQL), version 11: ids handed out without an
-- UPDATE per row.
--
-- next_id() upserted the table's row of id_counters for every row
-- inserted. In one transaction those updates pile up versions of one row
-- that nothing can prune before the commit, and each update walks them:
-- an import that writes 30,000 audit entries took 25 s on that alone, and
-- the time grew with the square of the rows. Now a new row's id is one
-- more than the larger of the table's highest id (read from its primary
-- key) and the table's id_counters entry, which only moves when the
-- highest rows are deleted. Ids stay transactional and are never reused,
-- as SQLite's AUTOINCREMENT makes them: a rolled-back dry run hands out
-- the same ids as the real run after it. Two nodes inserting at once
-- read the same highest id; SERIALIZABLE turns that into a serialization
-- failure, and the write is run again.

-- keep_deleted_id remembers, when a statement deleted a table's highest
-- rows, the highest id deleted, so that it is not handed out again.
CREATE FUNCTION keep_deleted_id() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    gone_max BIGINT;
    kept_max BIGINT;
BEGIN
    SELECT max(id) INTO gone_max FROM gone;
    IF gone_max IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT max(id) FROM %I', TG_TABLE_NAME) INTO kept_max;
    IF kept_max IS NULL OR gone_max > kept_max THEN
        INSERT INTO id_counters (tbl, last) VALUES (TG_TABLE_NAME, gone_max)
            ON CONFLICT (tbl) DO UPDATE SET last = greatest(id_counters.last, excluded.last);
    END IF;
    RETURN NULL;
END
$$;

-- add_id_trigger gives table t (with a BIGINT id primary key) its ids:
-- a function of its own (so that its query is planned once), the BEFORE
-- INSERT trigger "<t>_id" and the AFTER DELETE trigger "<t>_gone".
-- Migrations call it after creating such a table.
CREATE FUNCTION add_id_trigger(t TEXT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format($f$
        CREATE OR REPLACE FUNCTION %1$I() RETURNS trigger LANGUAGE plpgsql AS $b$
        BEGIN
            IF NEW.id IS NULL THEN
                NEW.id := greatest(coalesce((SELECT max(id) FROM %2$I), 0),
                                   coalesce((SELECT last FROM id_counters WHERE tbl = %3$L), 0)) + 1;
            END IF;
            RETURN NEW;
        END
        $b$
    $f$, 'next_id_' || t, t, t);
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_id', t);
    EXECUTE format('CREATE TRIGGER %I BEFORE INSERT ON %I FOR EACH ROW EXECUTE FUNCTION %I()', t || '_id', t, 'next_id_' || t);
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_gone', t);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION keep_deleted_id()',
        t || '_gone', t);
END
$$;

-- Every table that had next_id() gets its own.
DO $$
DECLARE
    t TEXT;
BEGIN
    FOR t IN SELECT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_proc p ON p.oid = g.tgfoid
             WHERE p.proname = 'next_id' AND NOT g.tgisinternal ORDER BY c.relname LOOP
        -- what the old trigger counted stays the floor of the new ids
        EXECUTE format('INSERT INTO id_counters (tbl, last) SELECT %L, coalesce(max(id), 0) FROM %I
            ON CONFLICT (tbl) DO UPDATE SET last = greatest(id_counters.last, excluded.last)', t, t);
        PERFORM add_id_trigger(t);
    END LOOP;
END
$$;

DROP FUNCTION next_id();
