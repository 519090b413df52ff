package devicedb

import (
	"context"
	"strings"
	"time"
)

// LineCredential is what the registrar needs to authenticate a REGISTER:
// the line its auth user belongs to, its password, and whether the line may
// register at all.
type LineCredential struct {
	AuthUser  string
	Password  string
	MAC       string
	Line      int
	Model     string
	UserID    int64
	Username  string
	Extension string
	// Allowed is false when the line must be refused (403): the user is
	// deactivated or unlicensed, the extension virtual, the device retired.
	// Refusal says why.
	Allowed bool
	Refusal string
}

const credentialQuery = `SELECT l.mac, l.line, d.model, d.status, l.user_id, u.username, coalesce(e.number, ''), coalesce(e.kind, ''),
	u.status, l.password_enc, ` + licensedExpr + `
	FROM device_lines l JOIN devices d ON d.mac = l.mac JOIN users u ON u.id = l.user_id
	LEFT JOIN extensions e ON e.user_id = u.id WHERE l.auth_user = ?`

// LineByAuthUser finds the line an auth user belongs to. It returns an
// ErrNotFound error for an unknown auth user.
func (s *Store) LineByAuthUser(ctx context.Context, authUser string) (*LineCredential, error) {
	c := &LineCredential{AuthUser: authUser}
	var devStatus, kind, userStatus string
	var pw []byte
	var licensed bool
	err := s.rr.QueryRowContext(ctx, credentialQuery, authUser).Scan(&c.MAC, &c.Line, &c.Model, &devStatus, &c.UserID, &c.Username,
		&c.Extension, &kind, &userStatus, &pw, &licensed)
	if noRows(err) {
		return nil, notFound("no line has auth user %q", authUser)
	}
	if err != nil {
		return nil, err
	}
	if c.Password, err = s.box.open(pw); err != nil {
		return nil, err
	}
	c.Refusal = lineRefusal(devStatus, userStatus, kind, c.Extension, licensed)
	c.Allowed = c.Refusal == ""
	return c, nil
}

// Binding is one registered contact of an address of record.
type Binding struct {
	AOR          string    `json:"aor"`
	Contact      string    `json:"contact"`
	AuthUser     string    `json:"auth_user"`
	MAC          string    `json:"mac"`
	Line         int       `json:"line"`
	UserID       int64     `json:"user_id"`
	Expires      time.Time `json:"expires_at"`
	CallID       string    `json:"call_id"`
	CSeq         uint32    `json:"cseq"`
	Instance     string    `json:"instance,omitempty"`
	RegID        int       `json:"reg_id,omitempty"`
	Source       string    `json:"source"`
	Transport    string    `json:"transport"`
	UserAgent    string    `json:"user_agent"`
	RegisteredAt time.Time `json:"registered_at"`
}

// BindingKey names one binding.
type BindingKey struct{ AOR, Contact string }

// SaveBindings writes a batch of binding changes in one transaction:
// upserts, then deletions. The registrar calls it behind its hot path.
func (s *Store) SaveBindings(ctx context.Context, upserts []Binding, deletes []BindingKey) error {
	if len(upserts)+len(deletes) == 0 {
		return nil
	}
	return s.write(context.WithValue(ctx, bypassLockKey{}, true), "save_bindings", func(t *tx) error {
		up, err := t.PrepareContext(t.ctx, `INSERT INTO bindings (aor, contact, auth_user, mac, line, user_id, expires_at, call_id,
			cseq, instance, reg_id, source, transport, user_agent, registered_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
			ON CONFLICT (aor, contact) DO UPDATE SET auth_user = excluded.auth_user, mac = excluded.mac, line = excluded.line,
			user_id = excluded.user_id, expires_at = excluded.expires_at, call_id = excluded.call_id, cseq = excluded.cseq,
			instance = excluded.instance, reg_id = excluded.reg_id, source = excluded.source, transport = excluded.transport,
			user_agent = excluded.user_agent, registered_at = excluded.registered_at`)
		if err != nil {
			return err
		}
		defer up.Close()
		for _, b := range upserts {
			if _, err := up.ExecContext(t.ctx, b.AOR, b.Contact, b.AuthUser, b.MAC, b.Line, b.UserID, b.Expires.Unix(), clip(b.CallID, 256),
				b.CSeq, clip(b.Instance, 256), b.RegID, clip(b.Source, 64), b.Transport, clip(b.UserAgent, 256), b.RegisteredAt.Unix()); err != nil {
				return err
			}
		}
		del, err := t.PrepareContext(t.ctx, `DELETE FROM bindings WHERE aor = ? AND contact = ?`)
		if err != nil {
			return err
		}
		defer del.Close()
		for _, k := range deletes {
			if _, err := del.ExecContext(t.ctx, k.AOR, k.Contact); err != nil {
				return err
			}
		}
		return nil
	})
}

// LoadBindings returns the bindings that have not expired at now.
func (s *Store) LoadBindings(ctx context.Context, now time.Time) ([]Binding, error) {
	return s.LiveBindings(ctx, now, "", 0)
}

// LiveBindings returns the bindings that have not expired at now of one
// device (mac, normalized) and/or one user; zero filters match all.
func (s *Store) LiveBindings(ctx context.Context, now time.Time, mac string, userID int64) ([]Binding, error) {
	where, args := "expires_at > ?", []any{now.Unix()}
	if mac != "" {
		where, args = where+" AND mac = ?", append(args, mac)
	}
	if userID != 0 {
		where, args = where+" AND user_id = ?", append(args, userID)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT aor, contact, auth_user, mac, line, user_id, expires_at, call_id, cseq, instance,
		reg_id, source, transport, user_agent, registered_at FROM bindings WHERE `+where+` ORDER BY aor, contact`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Binding
	for rows.Next() {
		var b Binding
		var exp, reg int64
		if err := rows.Scan(&b.AOR, &b.Contact, &b.AuthUser, &b.MAC, &b.Line, &b.UserID, &exp, &b.CallID, &b.CSeq, &b.Instance,
			&b.RegID, &b.Source, &b.Transport, &b.UserAgent, &reg); err != nil {
			return nil, err
		}
		b.Expires, b.RegisteredAt = time.Unix(exp, 0).UTC(), time.Unix(reg, 0).UTC()
		out = append(out, b)
	}
	return out, rows.Err()
}

// DeleteExpiredBindings removes bindings expired at now.
func (s *Store) DeleteExpiredBindings(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := s.write(context.WithValue(ctx, bypassLockKey{}, true), "expire_bindings", func(t *tx) error {
		res, err := t.ExecContext(t.ctx, `DELETE FROM bindings WHERE expires_at <= ?`, now.Unix())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// AOR is the address of record of an extension in a SIP domain.
func AOR(extension, domain string) string {
	return "sip:" + extension + "@" + strings.ToLower(domain)
}
