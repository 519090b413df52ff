package devicedb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Outbox message statuses.
const (
	// OutboxQueued: waiting to be sent (again at NextAttempt).
	OutboxQueued = "queued"
	// OutboxSent: accepted by the SMTP server.
	OutboxSent = "sent"
	// OutboxNoAddress: the user has no e-mail address; the admin hands
	// the link over another way.
	OutboxNoAddress = "no_address"
)

// OutboxMessage is a message to send, with its delivery state.
type OutboxMessage struct {
	ID       int64  `json:"id"`
	Kind     string `json:"kind"`
	UserID   *int64 `json:"user_id"`
	Username string `json:"username"`
	ToName   string `json:"to_name"`
	To       string `json:"to"`
	Subject  string `json:"subject"`
	Body     string `json:"body"`
	// Link is the set-password link; LinkExpires when it stops working.
	Link        string     `json:"link,omitempty"`
	LinkExpires *time.Time `json:"link_expires_at,omitempty"`
	Status      string     `json:"status"`
	Attempts    int        `json:"attempts"`
	NextAttempt time.Time  `json:"next_attempt_at"`
	LastError   string     `json:"last_error,omitempty"`
	Created     time.Time  `json:"created_at"`
	SentAt      *time.Time `json:"sent_at,omitempty"`
}

// welcome is a welcome message for a user the upgrade made.
type welcome struct {
	userID                    int64
	username, first, last     string
	email, extension          string
	account                   ClassicAccount
	original                  string
	linkBase                  string
	ttl                       time.Duration
	now                       time.Time
	replacedDevice, newDevice string
	// vmClassic and vm are the Classic voicemail-to-email option and what
	// the import made of it; the message says when they differ.
	vmClassic, vm string
}

// queueWelcome makes a one-time set-password token for the user and
// queues the welcome message carrying it.
func (t *tx) queueWelcome(w welcome) (int64, error) {
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return 0, err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(token))
	expires := w.now.Add(w.ttl)
	if _, err := t.ExecContext(t.ctx, `INSERT INTO password_tokens (token_hash, user_id, created_at, expires_at) VALUES (?,?,?,?)`,
		hex.EncodeToString(sum[:]), w.userID, w.now.Unix(), expires.Unix()); err != nil {
		return 0, err
	}
	link := w.linkBase + token
	name := strings.TrimSpace(w.first + " " + w.last)
	subject, body := welcomeText(w, name, link, expires)
	status := OutboxQueued
	if w.email == "" {
		status = OutboxNoAddress
	}
	var id int64
	err := t.QueryRowContext(t.ctx, `INSERT INTO outbox (kind, user_id, username, to_name, to_addr, subject, body_enc, link_enc,
		link_expires_at, status, next_attempt_at, created_at) VALUES ('welcome',?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
		w.userID, w.username, name, w.email, subject, t.s.box.seal(body), t.s.box.seal(link), expires.Unix(), status,
		w.now.Unix(), w.now.Unix()).Scan(&id)
	if err != nil {
		return 0, err
	}
	return id, t.audit("queue", "outbox", idStr(id), nil, map[string]any{"kind": "welcome", "user_id": w.userID,
		"username": w.username, "to": w.email, "subject": subject, "status": status})
}

func welcomeText(w welcome, name, link string, expires time.Time) (subject, body string) {
	hello := "Hello"
	if w.first != "" {
		hello += " " + w.first
	}
	acct := w.account.CompanyName
	if w.account.PBXName != "" {
		acct = strings.TrimSpace(acct + " (" + w.account.PBXName + ")")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s,\n\n", hello)
	if w.replacedDevice != "" {
		subject = fmt.Sprintf("Your new phone for extension %s: new username %s", w.extension, w.username)
		fmt.Fprintf(&b, "Your phone %s has been replaced by a new one (%s). Extension %s now has a new user profile:\n\n",
			w.replacedDevice, w.newDevice, w.extension)
	} else {
		subject = fmt.Sprintf("Your username for extension %s: %s", w.extension, w.username)
		fmt.Fprintf(&b, "Your phone system%s has been upgraded to X Series. Every extension now has its own user.\n", ifSet(" "+acct, acct))
		fmt.Fprintf(&b, "Your username %s stays with another of your extensions; extension %s has a user of its own:\n\n", w.original, w.extension)
	}
	fmt.Fprintf(&b, "  Username:   %s\n  Extension:  %s\n\n", w.username, w.extension)
	fmt.Fprintf(&b, "Create your password with this link (it works once, until %s):\n\n  %s\n\n",
		expires.UTC().Format("2006-01-02 15:04 MST"), link)
	if w.vmClassic != "" && w.vmClassic != w.vm {
		b.WriteString("Your first name and last name are as before.\n")
		fmt.Fprintf(&b, "Your voicemail-to-email setting changed: %s is not offered after the upgrade, it is now %s.\n",
			strings.ReplaceAll(w.vmClassic, "_", " "), strings.ReplaceAll(w.vm, "_", " "))
	} else {
		b.WriteString("Your first name, last name and voicemail-to-email settings are as before.\n")
	}
	return subject, b.String()
}

func ifSet(s, cond string) string {
	if cond == "" {
		return ""
	}
	return s
}

const outboxCols = `SELECT id, kind, user_id, username, to_name, to_addr, subject, body_enc, link_enc, link_expires_at, status,
	attempts, next_attempt_at, last_error, created_at, sent_at FROM outbox `

func (s *Store) scanOutbox(rows *sql.Rows) (OutboxMessage, error) {
	var m OutboxMessage
	var uid, linkExp, sent sql.NullInt64
	var body, link []byte
	var next, created int64
	if err := rows.Scan(&m.ID, &m.Kind, &uid, &m.Username, &m.ToName, &m.To, &m.Subject, &body, &link, &linkExp, &m.Status,
		&m.Attempts, &next, &m.LastError, &created, &sent); err != nil {
		return m, err
	}
	if uid.Valid {
		m.UserID = &uid.Int64
	}
	m.LinkExpires, m.SentAt = unixPtr(linkExp), unixPtr(sent)
	m.NextAttempt, m.Created = time.Unix(next, 0).UTC(), time.Unix(created, 0).UTC()
	var err error
	if m.Body, err = s.box.open(body); err != nil {
		return m, err
	}
	if link != nil {
		if m.Link, err = s.box.open(link); err != nil {
			return m, err
		}
	}
	return m, nil
}

func (s *Store) queryOutbox(ctx context.Context, q string, args ...any) ([]OutboxMessage, error) {
	rows, err := s.r.QueryContext(ctx, outboxCols+q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []OutboxMessage{}
	for rows.Next() {
		m, err := s.scanOutbox(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// ListOutbox returns one page of the outbox, newest first; status filters
// when set (queued, sent, no_address).
func (s *Store) ListOutbox(ctx context.Context, status string, p Page) ([]OutboxMessage, string, error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	where, args := "WHERE 1=1", []any{}
	if after != "" {
		id, err := strconv.ParseInt(after, 10, 64)
		if err != nil {
			return nil, "", invalid("cursor %q is not one this server gave out; start again without cursor", p.Cursor)
		}
		where, args = where+" AND id < ?", append(args, id)
	}
	switch status {
	case "":
	case OutboxQueued, OutboxSent, OutboxNoAddress:
		where, args = where+" AND status = ?", append(args, status)
	default:
		return nil, "", invalid("status %q: use queued, sent or no_address", status)
	}
	out, err := s.queryOutbox(ctx, where+" ORDER BY id DESC LIMIT ?", append(args, p.limit()+1)...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > p.limit() {
		out = out[:p.limit()]
		next = encodeCursor(idStr(out[len(out)-1].ID))
	}
	return out, next, nil
}

// DueMessages returns up to limit queued messages whose next attempt is
// due at now, oldest first.
func (s *Store) DueMessages(ctx context.Context, now time.Time, limit int) ([]OutboxMessage, error) {
	return s.queryOutbox(ctx, `WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`, now.Unix(), limit)
}

// MarkSent records that the SMTP server accepted message id.
func (s *Store) MarkSent(ctx context.Context, id int64, at time.Time) error {
	return s.outboxUpdate(ctx, id, `UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_error = '' WHERE id = ? AND status = 'queued'`,
		at.Unix(), id)
}

// MarkFailed records a failed attempt at message id and when to try next.
func (s *Store) MarkFailed(ctx context.Context, id int64, cause string, next time.Time) error {
	return s.outboxUpdate(ctx, id, `UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ? AND status = 'queued'`,
		clip(cause, 500), next.Unix(), id)
}

// outboxUpdate runs one delivery bookkeeping write: not an admin change,
// so it goes on during an upgrade and is not audited.
func (s *Store) outboxUpdate(ctx context.Context, id int64, q string, args ...any) error {
	return s.write(context.WithValue(ctx, bypassLockKey{}, true), "outbox_update", func(t *tx) error {
		res, err := t.ExecContext(t.ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("outbox message %d is not queued", id)
		}
		return nil
	})
}

// UsePasswordToken spends a set-password token: it returns the user it
// belongs to, once, before it expires.
func (s *Store) UsePasswordToken(ctx context.Context, token string) (int64, error) {
	sum := sha256.Sum256([]byte(token))
	h := hex.EncodeToString(sum[:])
	var uid int64
	err := s.write(ctx, "use_password_token", func(t *tx) error {
		var exp int64
		var used sql.NullInt64
		err := t.QueryRowContext(t.ctx, `SELECT user_id, expires_at, used_at FROM password_tokens WHERE token_hash = ?`, h).Scan(&uid, &exp, &used)
		switch {
		case noRows(err):
			return notFound("this set-password link is not valid; ask the admin for a new one")
		case err != nil:
			return err
		case used.Valid:
			return conflict("this set-password link was used already; ask the admin for a new one")
		case t.now.Unix() >= exp:
			return conflict("this set-password link expired at %s; ask the admin for a new one", time.Unix(exp, 0).UTC().Format(time.RFC3339))
		}
		if _, err := t.ExecContext(t.ctx, `UPDATE password_tokens SET used_at = ? WHERE token_hash = ?`, t.now.Unix(), h); err != nil {
			return err
		}
		return t.audit("use", "password_token", idStr(uid), nil, map[string]any{"user_id": uid})
	})
	return uid, err
}

// CheckPasswordToken says whether a set-password token can still be used
// (nil), without spending it: the same refusals as UsePasswordToken.
func (s *Store) CheckPasswordToken(ctx context.Context, token string) error {
	sum := sha256.Sum256([]byte(token))
	var exp int64
	var used sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT expires_at, used_at FROM password_tokens WHERE token_hash = ?`, hex.EncodeToString(sum[:])).Scan(&exp, &used)
	switch {
	case noRows(err):
		return notFound("this set-password link is not valid; ask the admin for a new one")
	case err != nil:
		return err
	case used.Valid:
		return conflict("this set-password link was used already; ask the admin for a new one")
	case s.now().Unix() >= exp:
		return conflict("this set-password link expired at %s; ask the admin for a new one", time.Unix(exp, 0).UTC().Format(time.RFC3339))
	}
	return nil
}
