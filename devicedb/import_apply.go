package devicedb

import (
	"database/sql"
	"fmt"
	"strings"
)

// importObject records that an import created something, so that a re-run
// recognises it (and never re-creates what was deleted since).
type importObject struct {
	run   int64
	local int64
}

// extState is an extension as the database holds it during the run.
type extState struct {
	owner int64
	kind  string
}

// applier applies an import plan inside one transaction, tracking the
// database state it needs in memory.
type applier struct {
	t     *tx
	o     ImportOptions
	p     *importPlan
	run   int64
	rep   *ImportReport
	names usernames
	// conflicts are clashes with the database; any aborts the run.
	conflicts []string
	objects   map[string]importObject // kind + "\x00" + key
	users     map[int64]string        // existing user id → username
	byName    map[string]int64        // lower-case username → id
	exts      map[string]extState
	numbers   map[string]int64 // phone number → owner (0: none)
	licenses  map[string]bool
	devices   map[string]string // mac → status
	tombs     map[string]bool
	// extUser is the imported user of each extension (created or kept).
	extUser map[string]int64
	extKind map[string]string
	// vcc marks users whose only license is a VCC Agent license.
	vcc map[int64]bool
	// newLicense marks licenses this run created (it may assign them).
	newLicense  map[string]bool
	licenseUser map[string]int64
	licState    map[string]licenseState
	// objBatch and audits buffer import_objects and audit rows.
	objBatch, audits *rowBatch
	// extBatch and numBatch buffer the users' new extensions and phone
	// numbers while the users are created (nothing reads those tables
	// then); flushPending writes them before anything else may.
	extBatch, numBatch *rowBatch
	licBatch           *rowBatch // new licenses given to the new users
	batching           bool
	hot                *txHot
	done               int
	feat               *featureState
}

// applyImport runs the plan in t and returns the report.
func (t *tx) applyImport(p *importPlan, o ImportOptions) (*ImportReport, error) {
	a := &applier{t: t, o: o, p: p, names: usernames{taken: map[string]bool{}},
		objects: map[string]importObject{}, users: map[int64]string{}, byName: map[string]int64{}, exts: map[string]extState{},
		numbers: map[string]int64{}, licenses: map[string]bool{}, devices: map[string]string{}, tombs: map[string]bool{},
		extUser: map[string]int64{}, extKind: map[string]string{}, vcc: map[int64]bool{},
		newLicense: map[string]bool{}, licenseUser: map[string]int64{}, licState: map[string]licenseState{}}
	a.objBatch = newRowBatch(`INSERT INTO import_objects (kind, key, run_id, local_id) VALUES `, 4)
	a.objBatch.tail = ` ON CONFLICT (kind, key) DO UPDATE SET run_id = excluded.run_id, local_id = excluded.local_id`
	a.audits = newRowBatch(`INSERT INTO audit (at, actor, action, entity, entity_id, before, after) VALUES `, 7)
	a.extBatch = newRowBatch(`INSERT INTO extensions (number, kind, user_id) VALUES `, 3)
	a.numBatch = newRowBatch(`INSERT INTO phone_numbers (number, user_id, routing) VALUES `, 3)
	defer a.objBatch.close()
	defer a.audits.close()
	// UPDATE … FROM a VALUES list, whose columns are column1, column2 on
	// both engines
	a.licBatch = newRowBatch(`UPDATE licenses SET user_id = v.column2 FROM (VALUES `, 2)
	a.licBatch.tuple = `(?, CAST(? AS BIGINT))`
	a.licBatch.tail = `) AS v WHERE licenses.id = v.column1`
	defer a.licBatch.close()
	defer a.extBatch.close()
	defer a.numBatch.close()
	a.hot = &txHot{t: t, stmts: map[string]*sql.Stmt{}}
	defer a.hot.close()
	a.rep = &ImportReport{DryRun: o.DryRun, StartedAt: o.Now, Actor: t.actor, Account: p.account, Digest: p.digest,
		Users: []UserReport{}, Licenses: []LicenseReport{}, Devices: []DeviceReport{}, Numbers: []NumberReport{},
		Warnings: p.account.notCarried}
	a.rep.Totals.Warnings += len(p.account.notCarried)
	if !t.s.pg { // SQLite only: a larger page cache for the run
		var cache int64
		if err := t.QueryRowContext(t.ctx, `PRAGMA cache_size`).Scan(&cache); err != nil {
			return nil, err
		}
		if _, err := t.ExecContext(t.ctx, `PRAGMA cache_size = -65536`); err != nil {
			return nil, err
		}
		defer t.ExecContext(t.ctx, fmt.Sprintf(`PRAGMA cache_size = %d`, cache))
	}
	// Licenses past their 30 days are gone before the run looks at them.
	if err := t.purgeRemoved(); err != nil {
		return nil, err
	}
	if err := a.load(); err != nil {
		return nil, err
	}
	if err := t.QueryRowContext(t.ctx, `INSERT INTO import_runs (started_at, finished_at, actor, digest, totals, report)
		VALUES (?,?,?,?,'{}','{}') RETURNING id`, o.Now.Unix(), o.Now.Unix(), t.actor, p.digest).Scan(&a.run); err != nil {
		return nil, err
	}
	a.rep.ID = a.run
	if !o.DryRun {
		t.s.setProgress(a.run, 0, p.total, o.Now)
	}
	// Original usernames are reserved first: generated ones never take one.
	for _, u := range p.users {
		a.names.take(u.Username)
	}
	for i := range p.licenses {
		if err := a.license(i); err != nil {
			return nil, err
		}
		a.progress()
	}
	if err := a.featuresBefore(); err != nil {
		return nil, err
	}
	a.batching = true
	for i := range p.users {
		if err := a.user(i); err != nil {
			return nil, err
		}
		a.progress()
	}
	a.batching = false
	if err := a.flushPending(); err != nil {
		return nil, err
	}
	for i := range p.devices {
		if err := a.device(i); err != nil {
			return nil, err
		}
		a.progress()
	}
	if err := a.featuresAfter(); err != nil {
		return nil, err
	}
	if len(a.conflicts) > 0 {
		return nil, &ImportError{Kind: ErrConflict, Problems: a.conflicts}
	}
	if err := a.flushAll(); err != nil {
		return nil, err
	}
	if err := a.finish(); err != nil {
		return nil, err
	}
	return a.rep, nil
}

func (a *applier) progress() {
	a.done++
	if a.o.OnProgress != nil {
		a.o.OnProgress(a.done, a.p.total)
	}
}

func (a *applier) conflict(format string, args ...any) {
	if len(a.conflicts) < maxProblems {
		a.conflicts = append(a.conflicts, fmt.Sprintf(format, args...))
	}
}

func (a *applier) object(kind, key string) (importObject, bool) {
	o, ok := a.objects[kind+"\x00"+key]
	return o, ok
}

func (a *applier) record(kind, key string, local int64) error {
	if o, ok := a.objects[kind+"\x00"+key]; ok && o.run == a.run {
		// Recorded before in this run, maybe in the pending batch: one
		// statement cannot upsert a row twice.
		if err := a.objBatch.flush(a.t); err != nil {
			return err
		}
	}
	a.objects[kind+"\x00"+key] = importObject{run: a.run, local: local}
	return a.objBatch.add(a.t, kind, key, a.run, local)
}

// load reads the state the run checks against, once.
func (a *applier) load() error {
	t := a.t
	scan := func(q string, row func(*sql.Rows) error) error {
		rows, err := t.QueryContext(t.ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := row(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	return firstErr(
		scan(`SELECT kind, key, run_id, coalesce(local_id, 0) FROM import_objects`, func(r *sql.Rows) error {
			var kind, key string
			var o importObject
			err := r.Scan(&kind, &key, &o.run, &o.local)
			a.objects[kind+"\x00"+key] = o
			return err
		}),
		scan(`SELECT id, username FROM users`, func(r *sql.Rows) error {
			var id int64
			var name string
			err := r.Scan(&id, &name)
			a.users[id] = name
			a.byName[strings.ToLower(name)] = id
			a.names.take(name)
			return err
		}),
		scan(`SELECT number, coalesce(user_id, 0), kind FROM extensions`, func(r *sql.Rows) error {
			var n string
			var e extState
			err := r.Scan(&n, &e.owner, &e.kind)
			a.exts[n] = e
			return err
		}),
		scan(`SELECT number, coalesce(user_id, 0) FROM phone_numbers`, func(r *sql.Rows) error {
			var n string
			var owner int64
			err := r.Scan(&n, &owner)
			a.numbers[n] = owner
			return err
		}),
		scan(`SELECT id FROM licenses`, func(r *sql.Rows) error {
			var id string
			err := r.Scan(&id)
			a.licenses[id] = true
			return err
		}),
		scan(`SELECT mac, status FROM devices`, func(r *sql.Rows) error {
			var mac, st string
			err := r.Scan(&mac, &st)
			a.devices[mac] = st
			return err
		}),
		scan(`SELECT mac FROM device_tombstones`, func(r *sql.Rows) error {
			var mac string
			err := r.Scan(&mac)
			a.tombs[mac] = true
			return err
		}),
	)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
