package devicedb

import (
	"context"
	"encoding/json"
	"strconv"
	"time"
)

// ImportRun is one real import run, without its full report.
type ImportRun struct {
	ID         int64        `json:"id"`
	StartedAt  time.Time    `json:"started_at"`
	FinishedAt time.Time    `json:"finished_at"`
	Actor      string       `json:"actor"`
	Digest     string       `json:"digest"`
	Totals     ImportTotals `json:"totals"`
}

// ListImports returns one page of import runs, newest first.
func (s *Store) ListImports(ctx context.Context, p Page) ([]ImportRun, string, error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	last := int64(1) << 62
	if after != "" {
		if last, err = strconv.ParseInt(after, 10, 64); err != nil {
			return nil, "", invalid("cursor %q is not one this server gave out; start again without cursor", p.Cursor)
		}
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, started_at, finished_at, actor, digest, totals FROM import_runs
		WHERE id < ? ORDER BY id DESC LIMIT ?`, last, p.limit()+1)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := []ImportRun{}
	for rows.Next() {
		var r ImportRun
		var started, finished int64
		var totals string
		if err := rows.Scan(&r.ID, &started, &finished, &r.Actor, &r.Digest, &totals); err != nil {
			return nil, "", err
		}
		if err := json.Unmarshal([]byte(totals), &r.Totals); err != nil {
			return nil, "", err
		}
		r.StartedAt, r.FinishedAt = time.Unix(started, 0).UTC(), time.Unix(finished, 0).UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > p.limit() {
		out = out[:p.limit()]
		next = encodeCursor(idStr(out[len(out)-1].ID))
	}
	return out, next, nil
}

// GetImport returns the report of an import run.
func (s *Store) GetImport(ctx context.Context, id int64) (*ImportReport, error) {
	var raw string
	err := s.r.QueryRowContext(ctx, `SELECT report FROM import_runs WHERE id = ?`, id).Scan(&raw)
	if noRows(err) {
		return nil, notFound("import run %d does not exist", id)
	}
	if err != nil {
		return nil, err
	}
	rep := &ImportReport{}
	if err := json.Unmarshal([]byte(raw), rep); err != nil {
		return nil, err
	}
	return rep, nil
}
