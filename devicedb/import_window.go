package devicedb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"
)

// ImportProgress is the real import in progress: the upgrade window.
type ImportProgress struct {
	// ID is the import run's id: GET /api/v1/imports/{id} follows it.
	ID        int64     `json:"id"`
	Status    string    `json:"status"` // always "running"
	Done      int       `json:"done"`
	Total     int       `json:"total"`
	StartedAt time.Time `json:"started_at"`
	// ExpectedEnd is when admin access is expected back (LockedUntil).
	ExpectedEnd time.Time `json:"expected_end"`
}

// RunningImport returns the real import in progress, if any; ok is false
// when the window is closed.
func (s *Store) RunningImport() (p ImportProgress, ok bool) {
	until, locked := s.LockedUntil()
	if !locked {
		return ImportProgress{}, false
	}
	if cur := s.running.Load(); cur != nil {
		p = *cur
	}
	p.Status, p.ExpectedEnd = "running", until
	return p, true
}

// setProgress records the progress of the running import (id 0: not
// known yet).
func (s *Store) setProgress(id int64, done, total int, started time.Time) {
	s.running.Store(&ImportProgress{ID: id, Done: done, Total: total, StartedAt: started})
}

// signOutAdmins ends every console session: the FAQ's "administrators
// logged in at time of portal lockout will be automatically logged out".
// It is the upgrade's own write: it goes through its own lock.
func (s *Store) signOutAdmins(ctx context.Context) error {
	return s.write(context.WithValue(ctx, bypassLockKey{}, true), "sign_out_all", func(t *tx) error {
		res, err := t.ExecContext(t.ctx, `DELETE FROM admin_sessions`)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		if n == 0 {
			return nil
		}
		return t.audit("sign_out_all", "admin", "", nil, map[string]any{"sessions": n, "reason": "upgrade window (Classic import)"})
	})
}

// Scheduled import statuses.
const (
	ScheduledWaiting   = "scheduled"
	ScheduledRunning   = "running"
	ScheduledDone      = "done"
	ScheduledFailed    = "failed"
	ScheduledCancelled = "cancelled"
)

// ScheduledImport is a Classic import stored to run at a time: its
// window is announced beforehand (console banner, GET
// /api/v1/imports/scheduled).
type ScheduledImport struct {
	ID          int64     `json:"id"`
	At          time.Time `json:"scheduled_at"`
	ExpectedEnd time.Time `json:"expected_end"`
	// EstimateSeconds is how long the window is expected to last.
	EstimateSeconds int64          `json:"estimate_seconds"`
	Records         map[string]int `json:"records"`
	Status          string         `json:"status"`
	Actor           string         `json:"actor"`
	CreatedAt       time.Time      `json:"created_at"`
	StartedAt       *time.Time     `json:"started_at,omitempty"`
	FinishedAt      *time.Time     `json:"finished_at,omitempty"`
	RunID           *int64         `json:"run_id,omitempty"`
	Error           string         `json:"error,omitempty"`
}

// ScheduleImport validates exp (every problem listed at once, as a real
// run would) and stores it to run at at, which must be in the future.
func (s *Store) ScheduleImport(ctx context.Context, exp ClassicExport, at time.Time) (*ScheduledImport, error) {
	at = at.UTC().Truncate(time.Second)
	if !at.After(s.now()) {
		return nil, invalid("scheduled time %s is not in the future; leave it out to import now", at.Format(time.RFC3339))
	}
	if _, err := s.planImport(exp, at); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(exp)
	if err != nil {
		return nil, err
	}
	recs, _ := json.Marshal(map[string]int{"licenses": len(exp.Licenses), "users": len(exp.Users), "devices": len(exp.Devices)})
	var out *ScheduledImport
	err = s.write(ctx, "schedule_import", func(t *tx) error {
		var id int64
		if err := t.QueryRowContext(t.ctx, `INSERT INTO scheduled_imports (at, export, estimate_ms, records, status, actor, created_at)
			VALUES (?,?,?,?,'scheduled',?,?) RETURNING id`, at.Unix(), raw, EstimateImport(exp).Milliseconds(), string(recs), t.actor, t.now.Unix()).Scan(&id); err != nil {
			return err
		}
		if out, err = getScheduled(t.ctx, t, id); err != nil {
			return err
		}
		return t.audit("schedule", "import", idStr(id), nil, out)
	})
	return out, err
}

const scheduledCols = `SELECT id, at, estimate_ms, records, status, actor, created_at, started_at, finished_at, run_id, error FROM scheduled_imports `

func scanScheduled(sc interface{ Scan(...any) error }) (*ScheduledImport, error) {
	var si ScheduledImport
	var at, est, created int64
	var recs string
	var started, finished, run sql.NullInt64
	if err := sc.Scan(&si.ID, &at, &est, &recs, &si.Status, &si.Actor, &created, &started, &finished, &run, &si.Error); err != nil {
		return nil, err
	}
	si.At, si.CreatedAt = time.Unix(at, 0).UTC(), time.Unix(created, 0).UTC()
	d := time.Duration(est) * time.Millisecond
	si.EstimateSeconds = int64((d + time.Second - 1) / time.Second)
	si.ExpectedEnd = si.At.Add(time.Duration(si.EstimateSeconds) * time.Second)
	si.StartedAt, si.FinishedAt = unixPtr(started), unixPtr(finished)
	if run.Valid {
		si.RunID = &run.Int64
	}
	json.Unmarshal([]byte(recs), &si.Records)
	return &si, nil
}

func getScheduled(ctx context.Context, q querier, id int64) (*ScheduledImport, error) {
	si, err := scanScheduled(q.QueryRowContext(ctx, scheduledCols+`WHERE id = ?`, id))
	if noRows(err) {
		return nil, notFound("scheduled import %d does not exist", id)
	}
	return si, err
}

// GetScheduledImport returns one scheduled import.
func (s *Store) GetScheduledImport(ctx context.Context, id int64) (*ScheduledImport, error) {
	return getScheduled(ctx, s.r, id)
}

// ListScheduledImports returns the imports waiting or running, soonest
// first, then the last 20 that ended (newest first).
func (s *Store) ListScheduledImports(ctx context.Context) ([]ScheduledImport, error) {
	out := []ScheduledImport{}
	for _, q := range []string{
		`WHERE status IN ('scheduled','running') ORDER BY at, id`,
		`WHERE status NOT IN ('scheduled','running') ORDER BY id DESC LIMIT 20`,
	} {
		rows, err := s.r.QueryContext(ctx, scheduledCols+q)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			si, err := scanScheduled(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, *si)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// NextImportWindow returns the soonest scheduled import still to run, or
// nil.
func (s *Store) NextImportWindow(ctx context.Context) (*ScheduledImport, error) {
	si, err := scanScheduled(s.r.QueryRowContext(ctx, scheduledCols+`WHERE status = 'scheduled' ORDER BY at, id LIMIT 1`))
	if noRows(err) {
		return nil, nil
	}
	return si, err
}

// CancelScheduledImport cancels an import that has not started.
func (s *Store) CancelScheduledImport(ctx context.Context, id int64) (*ScheduledImport, error) {
	var out *ScheduledImport
	err := s.write(ctx, "cancel_import", func(t *tx) error {
		before, err := getScheduled(t.ctx, t, id)
		if err != nil {
			return err
		}
		if before.Status != ScheduledWaiting {
			return conflict("scheduled import %d is %s: only a scheduled import that has not started can be cancelled", id, before.Status)
		}
		if _, err := t.ExecContext(t.ctx, `UPDATE scheduled_imports SET status = 'cancelled', finished_at = ? WHERE id = ?`, t.now.Unix(), id); err != nil {
			return err
		}
		if out, err = getScheduled(t.ctx, t, id); err != nil {
			return err
		}
		return t.audit("cancel", "import", idStr(id), before, out)
	})
	return out, err
}

// RunDueImports runs the scheduled imports whose time has come, one after
// the other, each as ImportClassic with o (a real run). Each is claimed
// in a transaction first, so that of several servers sharing the
// database only one runs it. It returns how many ran (done or failed).
func (s *Store) RunDueImports(ctx context.Context, o ImportOptions) (int, error) {
	n := 0
	for i := 0; i < 100; i++ {
		var id int64
		var raw []byte
		var actor string
		err := s.write(ctx, "claim_import", func(t *tx) error {
			err := t.QueryRowContext(t.ctx, `SELECT id, export, actor FROM scheduled_imports WHERE status = 'scheduled' AND at <= ?
				ORDER BY at, id LIMIT 1`, t.now.Unix()).Scan(&id, &raw, &actor)
			if err != nil {
				return err
			}
			if _, err := t.ExecContext(t.ctx, `UPDATE scheduled_imports SET status = 'running', started_at = ? WHERE id = ? AND status = 'scheduled'`,
				t.now.Unix(), id); err != nil {
				return err
			}
			return t.audit("start", "import", idStr(id), nil, map[string]string{"status": ScheduledRunning})
		})
		if noRows(err) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		var exp ClassicExport
		var rep *ImportReport
		if err = json.Unmarshal(raw, &exp); err == nil {
			rep, err = s.ImportClassic(WithActor(ctx, "scheduler (for "+actor+")"), exp, o)
		}
		n++
		status, msg := ScheduledDone, ""
		var run any
		switch {
		case err != nil && (ctx.Err() != nil || errors.Is(err, ErrUnavailable)):
			// The server is stopping, or another import holds the window:
			// nothing was imported; it runs at the next chance.
			status, n = ScheduledWaiting, n-1
		case err != nil:
			status, msg = ScheduledFailed, err.Error()
		default:
			run = rep.ID
		}
		if werr := s.write(context.WithValue(context.WithoutCancel(ctx), bypassLockKey{}, true), "finish_import", func(t *tx) error {
			var end any = t.now.Unix()
			if status == ScheduledWaiting {
				end = nil
			}
			if _, err := t.ExecContext(t.ctx, `UPDATE scheduled_imports SET status = ?, finished_at = ?, run_id = ?, error = ? WHERE id = ?`,
				status, end, run, msg, id); err != nil {
				return err
			}
			return t.audit("finish", "import", idStr(id), nil, map[string]any{"status": status, "run_id": run, "error": msg})
		}); werr != nil {
			return n, errors.Join(err, werr)
		}
		if status == ScheduledWaiting {
			return n, err
		}
	}
	return n, nil
}
