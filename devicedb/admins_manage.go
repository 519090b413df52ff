package devicedb

import (
	"context"
	"database/sql"
	"time"
)

// AdminInfo is an admin account with its last sign-in.
type AdminInfo struct {
	Admin
	// LastSignIn is nil when the admin never signed in.
	LastSignIn *time.Time `json:"last_sign_in_at"`
}

// ListAdmins returns every admin account by name, with its last sign-in
// (from the audit log).
func (s *Store) ListAdmins(ctx context.Context) ([]AdminInfo, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT a.id, a.name, a.created_at,
		(SELECT max(at) FROM audit WHERE action = 'sign_in' AND entity = 'admin' AND entity_id = CAST(a.id AS TEXT))
		FROM admins a ORDER BY a.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []AdminInfo{}
	for rows.Next() {
		var a AdminInfo
		var created int64
		var last sql.NullInt64
		if err := rows.Scan(&a.ID, &a.Name, &created, &last); err != nil {
			return nil, err
		}
		a.Created = time.Unix(created, 0).UTC()
		if last.Valid {
			t := time.Unix(last.Int64, 0).UTC()
			a.LastSignIn = &t
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// adminByName reads an admin in t, or ErrNotFound.
func (t *tx) adminByName(name string) (Admin, string, error) {
	var a Admin
	var h string
	var created int64
	err := t.QueryRowContext(t.ctx, `SELECT id, name, password_hash, created_at FROM admins WHERE name = ?`, name).Scan(&a.ID, &a.Name, &h, &created)
	if noRows(err) {
		return a, "", notFound("no admin %q", name)
	}
	a.Created = time.Unix(created, 0).UTC()
	return a, h, err
}

// DeleteAdmin removes an admin account and ends its sessions. The last
// admin cannot be removed (the console would have nobody).
func (s *Store) DeleteAdmin(ctx context.Context, name string) error {
	return s.write(context.WithValue(ctx, bypassLockKey{}, true), "delete_admin", func(t *tx) error {
		a, _, err := t.adminByName(name)
		if err != nil {
			return err
		}
		var n int
		if err := t.QueryRowContext(t.ctx, `SELECT count(*) FROM admins`).Scan(&n); err != nil {
			return err
		}
		if n <= 1 {
			return conflict("admin %q is the last one: add another admin before removing it", a.Name)
		}
		if _, err := t.ExecContext(t.ctx, `DELETE FROM admins WHERE id = ?`, a.ID); err != nil {
			return err
		}
		return t.audit("delete", "admin", idStr(a.ID), a, nil)
	})
}

// SetAdminPassword sets an admin's password (a reset by another admin, or
// the admin's own change) and ends the admin's sessions except the one
// whose token is keep ("" ends them all).
func (s *Store) SetAdminPassword(ctx context.Context, name, password, keep string) error {
	h, err := hashPassword(ctx, password)
	if err != nil {
		return err
	}
	return s.write(context.WithValue(ctx, bypassLockKey{}, true), "set_admin_password", func(t *tx) error {
		a, _, err := t.adminByName(name)
		if err != nil {
			return err
		}
		if _, err := t.ExecContext(t.ctx, `UPDATE admins SET password_hash = ? WHERE id = ?`, h, a.ID); err != nil {
			return err
		}
		if _, err := t.ExecContext(t.ctx, `DELETE FROM admin_sessions WHERE admin_id = ? AND token_hash <> ?`, a.ID, tokenHash(keep)); err != nil {
			return err
		}
		return t.audit("set_password", "admin", idStr(a.ID), nil, nil)
	})
}

// ChangeOwnPassword sets an admin's password after checking the current
// one; the session keep stays signed in, the others end.
func (s *Store) ChangeOwnPassword(ctx context.Context, name, current, password, keep string) error {
	var h string
	err := s.r.QueryRowContext(ctx, `SELECT password_hash FROM admins WHERE name = ?`, name).Scan(&h)
	if noRows(err) {
		return notFound("no admin %q", name)
	}
	if err != nil {
		return err
	}
	ok, err := checkPassword(ctx, h, current)
	if err != nil {
		return err
	}
	if !ok {
		return invalid("the current password is wrong")
	}
	return s.SetAdminPassword(ctx, name, password, keep)
}
