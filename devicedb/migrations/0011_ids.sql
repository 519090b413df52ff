-- phoneprov schema, version 11: nothing changes on SQLite (AUTOINCREMENT
-- keeps its counters cheaply already); the PostgreSQL twin hands out ids
-- without an UPDATE per row (see there).
SELECT 1;
