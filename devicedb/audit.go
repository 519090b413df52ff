package devicedb

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// AuditEntry is one change in the audit log.
type AuditEntry struct {
	ID       int64           `json:"id"`
	At       time.Time       `json:"at"`
	Actor    string          `json:"actor"`
	Action   string          `json:"action"`
	Entity   string          `json:"entity"`
	EntityID string          `json:"entity_id"`
	Before   json.RawMessage `json:"before"`
	After    json.RawMessage `json:"after"`
}

// AuditFilter narrows ListAudit; empty fields match all.
type AuditFilter struct {
	Entity, EntityID, Actor string
}

// ListAudit returns one page of the audit log, newest first.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter, p Page) ([]AuditEntry, string, error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	where := []string{"1=1"}
	var args []any
	if after != "" {
		id, err := strconv.ParseInt(after, 10, 64)
		if err != nil {
			return nil, "", invalid("cursor %q is not one this server gave out; start again without cursor", p.Cursor)
		}
		where, args = append(where, "id < ?"), append(args, id)
	}
	for col, v := range map[string]string{"entity": f.Entity, "entity_id": f.EntityID, "actor": f.Actor} {
		if v != "" {
			where, args = append(where, col+" = ?"), append(args, v)
		}
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, at, actor, action, entity, entity_id, coalesce(before, 'null'), coalesce(after, 'null')
		FROM audit WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT ?`, append(args, p.limit()+1)...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var e AuditEntry
		var at int64
		var b, a string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Entity, &e.EntityID, &b, &a); err != nil {
			return nil, "", err
		}
		e.At, e.Before, e.After = time.Unix(at, 0).UTC(), json.RawMessage(b), json.RawMessage(a)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, p.limit(), func(e AuditEntry) string { return idStr(e.ID) })
	return out, next, nil
}

// RecordResyncRequest writes an admin's re-sync request of a device to the
// audit log (the device's history shows it). It is not a change: it goes
// on during an upgrade and leaves Generation alone.
func (s *Store) RecordResyncRequest(ctx context.Context, mac, event string) error {
	m, err := NormalizeMAC(mac)
	if err != nil {
		return err
	}
	return s.write(context.WithValue(ctx, bypassLockKey{}, true), "resync_request", func(t *tx) error {
		return t.audit("resync_request", "device", m, nil, map[string]string{"event": event})
	})
}
