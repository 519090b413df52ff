package devicedb

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"
)

// License statuses.
const (
	LicenseAssigned   = "assigned"
	LicenseUnassigned = "unassigned"
	LicenseSuspended  = "suspended"
)

// RemovalGrace is how long a license removed by the provider stays
// suspended, and can be reinstated, before it is gone.
const RemovalGrace = 30 * 24 * time.Hour

// License is one license of the account.
type License struct {
	ID             string `json:"id"`
	Type           string `json:"type"`
	Country        string `json:"country"`
	ServiceAddress string `json:"service_address"`
	Status         string `json:"status"`
	UserID         *int64 `json:"user_id"`
	Username       string `json:"username,omitempty"`
	// SuspendedReason is "user_deactivated" or "removed" when suspended.
	SuspendedReason string `json:"suspended_reason,omitempty"`
	// PurgeAt is when a license removed by the provider is gone for good.
	PurgeAt *time.Time `json:"purge_at,omitempty"`
}

// NewLicense is what CreateLicense takes. ID is generated when empty.
type NewLicense struct {
	ID             string `json:"id,omitempty"`
	Type           string `json:"type"`
	Country        string `json:"country"`
	ServiceAddress string `json:"service_address"`
}

// LicenseFilter narrows ListLicenses; empty fields match all.
type LicenseFilter struct {
	Type, Country, Status, ID string
	UserID                    int64
}

// licenseCols: a license held by a user on a site shows the site's
// address as its service address; others keep their own (manual) one.
const licenseCols = `SELECT l.id, l.type, l.country, coalesce(st.address, l.service_address), l.user_id, u.username, l.suspended, l.removed_at
	FROM licenses l LEFT JOIN users u ON u.id = l.user_id LEFT JOIN sites st ON st.id = u.site_id `

func scanLicense(sc interface{ Scan(...any) error }) (License, error) {
	var l License
	var uid sql.NullInt64
	var uname sql.NullString
	var removed sql.NullInt64
	if err := sc.Scan(&l.ID, &l.Type, &l.Country, &l.ServiceAddress, &uid, &uname, &l.SuspendedReason, &removed); err != nil {
		return l, err
	}
	if uid.Valid {
		l.UserID, l.Username = &uid.Int64, uname.String
	}
	switch {
	case l.SuspendedReason != "":
		l.Status = LicenseSuspended
	case uid.Valid:
		l.Status = LicenseAssigned
	default:
		l.Status = LicenseUnassigned
	}
	if removed.Valid {
		t := time.Unix(removed.Int64, 0).Add(RemovalGrace).UTC()
		l.PurgeAt = &t
	}
	return l, nil
}

// clocked is a querier that knows the time of its reads: a write
// transaction, or the read pool at one moment (readAt).
type clocked interface{ clock() time.Time }

func (t *tx) clock() time.Time { return t.now }

// readAt is the read pool seen at a moment.
type readAt struct {
	*sql.DB
	now time.Time
}

func (r readAt) clock() time.Time { return r.now }

// gone reports whether l was removed by the provider more than
// RemovalGrace before now: it is gone, whether or not the purge has
// deleted its row yet, so every view leaves it out.
func (l License) gone(now time.Time) bool {
	return l.SuspendedReason == "removed" && l.PurgeAt != nil && !now.Before(*l.PurgeAt)
}

// queryLicenses lists licenses; when q knows its time (clocked), licenses
// past their purge are left out, as the purge will delete them.
func queryLicenses(ctx context.Context, q querier, where string, args ...any) ([]License, error) {
	rows, err := q.QueryContext(ctx, licenseCols+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	c, hasClock := q.(clocked)
	out := []License{}
	for rows.Next() {
		l, err := scanLicense(rows)
		if err != nil {
			return nil, err
		}
		if hasClock && l.gone(c.clock()) {
			continue
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func getLicense(ctx context.Context, q querier, id string) (License, error) {
	l, err := scanLicense(q.QueryRowContext(ctx, licenseCols+`WHERE l.id = ?`, id))
	if noRows(err) {
		return l, notFound("license %q does not exist", id)
	}
	return l, err
}

// GetLicense returns one license.
func (s *Store) GetLicense(ctx context.Context, id string) (License, error) {
	l, err := getLicense(ctx, s.r, id)
	if err == nil && l.gone(s.now()) {
		return License{}, notFound("license %q was removed by the provider more than 30 days ago and is gone", id)
	}
	return l, err
}

// ListLicenses returns one page of licenses ordered by id.
func (s *Store) ListLicenses(ctx context.Context, f LicenseFilter, p Page) ([]License, string, error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	where := []string{"l.id > ?", "NOT (l.suspended = 'removed' AND l.removed_at <= ?)"}
	args := []any{after, s.now().Add(-RemovalGrace).Unix()}
	if f.Type != "" {
		t, err := checkLicenseType(f.Type)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, "l.type = ?"), append(args, t)
	}
	if f.Country != "" {
		where, args = append(where, "l.country = ?"), append(args, strings.ToUpper(f.Country))
	}
	if f.ID != "" {
		where, args = append(where, "l.id LIKE ? ESCAPE '\\'"), append(args, "%"+strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(f.ID)+"%")
	}
	if f.UserID != 0 {
		where, args = append(where, "l.user_id = ?"), append(args, f.UserID)
	}
	switch f.Status {
	case "":
	case LicenseSuspended:
		where = append(where, "l.suspended <> ''")
	case LicenseAssigned:
		where = append(where, "l.suspended = '' AND l.user_id IS NOT NULL")
	case LicenseUnassigned:
		where = append(where, "l.suspended = '' AND l.user_id IS NULL")
	default:
		return nil, "", invalid("status %q: use assigned, unassigned or suspended", f.Status)
	}
	ls, err := queryLicenses(ctx, s.r, "WHERE "+strings.Join(where, " AND ")+" ORDER BY l.id LIMIT ?", append(args, p.limit()+1)...)
	if err != nil {
		return nil, "", err
	}
	ls, next := trimPage(ls, p.limit(), func(l License) string { return l.ID })
	return ls, next, nil
}

func (n *NewLicense) check() error {
	var err error
	if n.Type, err = checkLicenseType(n.Type); err != nil {
		return err
	}
	if n.Country, err = checkCountry(n.Country); err != nil {
		return err
	}
	if err := checkServiceAddress(n.ServiceAddress); err != nil {
		return err
	}
	if n.ID == "" {
		n.ID = "L-" + strings.ToUpper(randomString(10))
	}
	if len(n.ID) > 64 || strings.ContainsAny(n.ID, " /?#%\x00\r\n") {
		return invalid("license id %q: at most 64 characters, no spaces or / ? # %%", n.ID)
	}
	return nil
}

// CreateLicense adds a license to the account, unassigned.
func (s *Store) CreateLicense(ctx context.Context, n NewLicense) (License, error) {
	if err := n.check(); err != nil {
		return License{}, err
	}
	var l License
	err := s.write(ctx, "create_license", func(t *tx) error {
		_, err := t.ExecContext(t.ctx, `INSERT INTO licenses (id, type, country, service_address, created_at) VALUES (?,?,?,?,?)`,
			n.ID, n.Type, n.Country, n.ServiceAddress, t.now.Unix())
		if isUnique(err) {
			return conflict("license %q exists already", n.ID)
		}
		if err != nil {
			return err
		}
		if l, err = getLicense(t.ctx, t, n.ID); err != nil {
			return err
		}
		return t.audit("create", "license", n.ID, nil, l)
	})
	return l, err
}

// SetServiceAddress changes the service address of an unassigned license
// (assigned ones follow their user's site).
func (s *Store) SetServiceAddress(ctx context.Context, id, addr string) (License, error) {
	if err := checkServiceAddress(addr); err != nil {
		return License{}, err
	}
	return s.changeLicense(ctx, id, "set_service_address", func(t *tx, l License) error {
		if l.Status != LicenseUnassigned {
			return conflict("license %s is %s: only unassigned licenses take a new service address", id, l.Status)
		}
		_, err := t.ExecContext(t.ctx, `UPDATE licenses SET service_address = ? WHERE id = ?`, addr, id)
		return err
	})
}

// AssignLicense gives a license to a user. Suspended licenses cannot be
// assigned.
func (s *Store) AssignLicense(ctx context.Context, userID int64, id string) (License, error) {
	return s.changeLicense(ctx, id, "assign", func(t *tx, l License) error {
		u, err := loadUser(t.ctx, t, userID)
		if err != nil {
			return err
		}
		switch {
		case l.Status == LicenseSuspended:
			return invalid("license %s is suspended and cannot be assigned; pick an unassigned license", id)
		case l.Status == LicenseAssigned && *l.UserID == userID:
			return nil
		case l.Status == LicenseAssigned:
			return conflict("license %s is assigned to %s; unassign it there first", id, l.Username)
		case u.Status != "active":
			return conflict("user %d is deactivated; reactivate the user before assigning a license", userID)
		}
		if err := t.guardUnsupported(userID); err != nil {
			return err
		}
		_, err = t.ExecContext(t.ctx, `UPDATE licenses SET user_id = ? WHERE id = ?`, userID, id)
		return err
	})
}

// UnassignLicense takes a license back from a user.
func (s *Store) UnassignLicense(ctx context.Context, userID int64, id string) (License, error) {
	return s.changeLicense(ctx, id, "unassign", func(t *tx, l License) error {
		if l.UserID == nil || *l.UserID != userID {
			return notFound("user %d does not hold license %s", userID, id)
		}
		if err := t.guardUnsupported(userID); err != nil {
			return err
		}
		_, err := t.ExecContext(t.ctx, `UPDATE licenses SET user_id = NULL,
			suspended = CASE suspended WHEN 'user_deactivated' THEN '' ELSE suspended END WHERE id = ?`, id)
		return err
	})
}

// RemoveLicense is the provider's removal: the license stays suspended for
// RemovalGrace, during which ReinstateLicense brings it back, then it is gone.
func (s *Store) RemoveLicense(ctx context.Context, id string) (License, error) {
	return s.changeLicense(ctx, id, "remove", func(t *tx, l License) error {
		if l.SuspendedReason == "removed" {
			return nil
		}
		_, err := t.ExecContext(t.ctx, `UPDATE licenses SET suspended = 'removed', removed_at = ? WHERE id = ?`, t.now.Unix(), id)
		return err
	})
}

// ReinstateLicense undoes a provider removal within RemovalGrace.
func (s *Store) ReinstateLicense(ctx context.Context, id string) (License, error) {
	return s.changeLicense(ctx, id, "reinstate", func(t *tx, l License) error {
		if l.SuspendedReason != "removed" {
			return conflict("license %s was not removed; nothing to reinstate", id)
		}
		next := ""
		if l.UserID != nil {
			var st string
			if err := t.QueryRowContext(t.ctx, `SELECT status FROM users WHERE id = ?`, *l.UserID).Scan(&st); err != nil {
				return err
			}
			if st != "active" {
				next = "user_deactivated"
			}
		}
		_, err := t.ExecContext(t.ctx, `UPDATE licenses SET suspended = ?, removed_at = NULL WHERE id = ?`, next, id)
		return err
	})
}

// changeLicense runs one audited change on an existing license.
func (s *Store) changeLicense(ctx context.Context, id, action string, fn func(*tx, License) error) (License, error) {
	var after License
	err := s.write(ctx, action+"_license", func(t *tx) error {
		gone, err := t.removedPastGrace()
		if err != nil {
			return err
		}
		if err := t.purgeRemoved(); err != nil {
			return err
		}
		before, err := getLicense(t.ctx, t, id)
		if errors.Is(err, ErrNotFound) && slices.Contains(gone, id) {
			return notFound("license %q was removed by the provider more than 30 days ago and is gone", id)
		}
		if err != nil {
			return err
		}
		if err := fn(t, before); err != nil {
			return err
		}
		if after, err = getLicense(t.ctx, t, id); err != nil {
			return err
		}
		if after == before || (after.Status == before.Status && after.ServiceAddress == before.ServiceAddress &&
			equalPtr(after.UserID, before.UserID)) {
			return nil
		}
		return t.audit(action, "license", id, before, after)
	})
	return after, err
}

func equalPtr(a, b *int64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// PurgeRemovedLicenses deletes licenses removed by the provider more than
// RemovalGrace ago and says how many went.
func (s *Store) PurgeRemovedLicenses(ctx context.Context) (int, error) {
	var n int
	err := s.write(ctx, "purge_licenses", func(t *tx) error {
		ids, err := t.removedPastGrace()
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			// Nothing to purge: Generation stays, so caches keyed by it
			// (credentials, rendered configs, the re-sync watcher) are kept.
			return errNoChange
		}
		n = len(ids)
		return t.purgeRemoved()
	})
	return n, err
}

func (t *tx) removedPastGrace() ([]string, error) {
	rows, err := t.QueryContext(t.ctx, `SELECT id FROM licenses WHERE suspended = 'removed' AND removed_at <= ?`,
		t.now.Add(-RemovalGrace).Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func (t *tx) purgeRemoved() error {
	ids, err := t.removedPastGrace()
	if err != nil {
		return err
	}
	for _, id := range ids {
		before, err := getLicense(t.ctx, t, id)
		if err != nil {
			return err
		}
		if _, err := t.ExecContext(t.ctx, `DELETE FROM licenses WHERE id = ?`, id); err != nil {
			return err
		}
		if err := t.audit("purge", "license", id, before, nil); err != nil {
			return err
		}
	}
	return nil
}
