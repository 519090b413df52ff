package devicedb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"
	"time"
)

// Admin is an admin console account. Every admin has full access.
type Admin struct {
	ID      int64     `json:"id"`
	Name    string    `json:"name"`
	Created time.Time `json:"created_at"`
}

// validAdminName: 1 to 64 letters, digits, '.', '_', '-' or '@'.
func validAdminName(n string) bool {
	if n == "" || len(n) > 64 {
		return false
	}
	for _, c := range n {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._-@", c)
		if !ok {
			return false
		}
	}
	return true
}

// CreateAdmin adds an admin account with an argon2id hash of password.
func (s *Store) CreateAdmin(ctx context.Context, name, password string) (Admin, error) {
	if !validAdminName(name) {
		return Admin{}, invalid("admin name %q: use 1 to 64 letters, digits, '.', '_', '-' or '@'", name)
	}
	h, err := hashPassword(ctx, password)
	if err != nil {
		return Admin{}, err
	}
	var a Admin
	err = s.write(context.WithValue(ctx, bypassLockKey{}, true), "create_admin", func(t *tx) error {
		var id int64
		err := t.QueryRowContext(t.ctx, `INSERT INTO admins (name, password_hash, created_at) VALUES (?,?,?) RETURNING id`, name, h, t.now.Unix()).Scan(&id)
		if isUnique(err) {
			return conflict("admin %q exists already", name)
		}
		if err != nil {
			return err
		}
		a = Admin{ID: id, Name: name, Created: t.now}
		return t.audit("create", "admin", idStr(id), nil, a)
	})
	return a, err
}

// dummyHash is checked against when the admin does not exist, so that a
// wrong name takes as long as a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, _ := hashPassword(context.Background(), "phoneprov-no-such-admin")
	return h
})

// SignIn checks an admin's password and opens a session lasting ttl; it
// returns the session token for the cookie. A wrong name or password is an
// ErrInvalid error that does not say which.
func (s *Store) SignIn(ctx context.Context, name, password string, ttl time.Duration) (string, Admin, error) {
	var a Admin
	var h string
	var created int64
	err := s.r.QueryRowContext(ctx, `SELECT id, name, password_hash, created_at FROM admins WHERE name = ?`, name).Scan(&a.ID, &a.Name, &h, &created)
	if noRows(err) {
		if _, err := checkPassword(ctx, dummyHash(), password); err != nil {
			return "", Admin{}, err
		}
		return "", Admin{}, invalid("wrong admin name or password")
	}
	if err != nil {
		return "", Admin{}, err
	}
	if ok, err := checkPassword(ctx, h, password); err != nil {
		return "", Admin{}, err
	} else if !ok {
		return "", Admin{}, invalid("wrong admin name or password")
	}
	a.Created = time.Unix(created, 0).UTC()
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", Admin{}, err
	}
	tok := base64.RawURLEncoding.EncodeToString(raw)
	ctx = WithActor(context.WithValue(ctx, bypassLockKey{}, true), "admin:"+a.Name)
	err = s.write(ctx, "sign_in", func(t *tx) error {
		if _, err := t.ExecContext(t.ctx, `DELETE FROM admin_sessions WHERE expires_at <= ?`, t.now.Unix()); err != nil {
			return err
		}
		if _, err := t.ExecContext(t.ctx, `INSERT INTO admin_sessions (token_hash, admin_id, created_at, expires_at) VALUES (?,?,?,?)`,
			tokenHash(tok), a.ID, t.now.Unix(), t.now.Add(ttl).Unix()); err != nil {
			return err
		}
		return t.audit("sign_in", "admin", idStr(a.ID), nil, nil)
	})
	if err != nil {
		return "", Admin{}, err
	}
	return tok, a, nil
}

// SessionAdmin returns the admin whose live session token is tok.
func (s *Store) SessionAdmin(ctx context.Context, tok string) (Admin, error) {
	var a Admin
	var created int64
	err := s.r.QueryRowContext(ctx, `SELECT a.id, a.name, a.created_at FROM admin_sessions s JOIN admins a ON a.id = s.admin_id
		WHERE s.token_hash = ? AND s.expires_at > ?`, tokenHash(tok), s.now().Unix()).Scan(&a.ID, &a.Name, &created)
	if noRows(err) {
		return Admin{}, notFound("no such session or it expired; sign in again")
	}
	if err != nil {
		return Admin{}, err
	}
	a.Created = time.Unix(created, 0).UTC()
	return a, nil
}

// SignOut ends the session whose token is tok; an unknown token is not an
// error.
func (s *Store) SignOut(ctx context.Context, tok string) error {
	return s.write(context.WithValue(ctx, bypassLockKey{}, true), "sign_out", func(t *tx) error {
		var id int64
		err := t.QueryRowContext(t.ctx, `DELETE FROM admin_sessions WHERE token_hash = ? RETURNING admin_id`, tokenHash(tok)).Scan(&id)
		if noRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return t.audit("sign_out", "admin", idStr(id), nil, nil)
	})
}

// SetUserPassword sets a user's own password (argon2id), as the
// set-password link of the welcome message allows once. It is the user's
// change, not an admin's: it goes on during an upgrade, so that a link
// spent just before the upgrade took its lock is not wasted.
func (s *Store) SetUserPassword(ctx context.Context, userID int64, password string) error {
	h, err := hashPassword(ctx, password)
	if err != nil {
		return err
	}
	return s.write(context.WithValue(ctx, bypassLockKey{}, true), "set_user_password", func(t *tx) error {
		res, err := t.ExecContext(t.ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, h, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("user %d does not exist", userID)
		}
		return t.audit("set_password", "user", idStr(userID), nil, nil)
	})
}

func tokenHash(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}
