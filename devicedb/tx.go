package devicedb

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

type actorKey struct{}

// WithActor names who makes the changes done with ctx; it goes to the
// audit log. Default: "system".
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

func actorOf(ctx context.Context) string {
	if a, ok := ctx.Value(actorKey{}).(string); ok && a != "" {
		return a
	}
	return "system"
}

// bypassLockKey marks the writes of the servers' own records (fetches,
// sightings, bindings): they go on while an upgrade holds admin writes, and
// they leave Generation alone.
type bypassLockKey struct{}

// errNoChange, returned by a write's fn, rolls the transaction back and
// makes the write succeed without a change (Generation stays).
var errNoChange = errors.New("no change")

// exclusiveKey marks a write that runs alone in the cluster (the import):
// on PostgreSQL every write transaction takes the cluster's write lock
// shared, this one exclusive, so that its long transaction is never
// aborted by a short one on another node (the others wait; the servers'
// own records are written behind, so phones are still answered).
type exclusiveKey struct{}

// pgWriteLock is the advisory lock of exclusiveKey.
const pgWriteLock = 0x70686f6e77

// tx is one write transaction with its audit trail.
type tx struct {
	*sql.Tx
	s     *Store
	ctx   context.Context
	actor string
	now   time.Time
	fresh map[string]bool // devices inserted by this transaction (their updated_at is now already)
}

// write runs fn in one IMMEDIATE transaction on the writer connection
// (SERIALIZABLE on PostgreSQL, run again when it loses a race) and
// commits it with every audit entry fn added. op names it for metrics.
func (s *Store) write(ctx context.Context, op string, fn func(*tx) error) error {
	if until := s.locked.Load(); until != 0 && ctx.Value(bypassLockKey{}) == nil && !s.lockStale(until) {
		return &Error{Kind: ErrUnavailable, Msg: fmt.Sprintf(
			"an upgrade (Classic import) is in progress: admin changes are held until about %s; phones keep working, retry after that",
			time.Unix(until, 0).UTC().Format(time.RFC3339))}
	}
	start := time.Now()
	defer func() {
		if s.observe != nil {
			s.observe(op, time.Since(start))
		}
	}()
	var err error
	attempts, pause := 5, 50*time.Millisecond
	if s.pg {
		// Serializable transactions that lost a race are run again.
		attempts, pause = 10, 5*time.Millisecond
	}
	for attempt := 0; attempt < attempts; attempt++ {
		err = s.writeOnce(ctx, fn)
		if !isBusy(err) {
			return DiskFull(err)
		}
		time.Sleep(time.Duration(attempt+1)*pause + time.Duration(rand.Int64N(int64(pause))))
	}
	return fmt.Errorf("%s: database stayed busy: %w", op, err)
}

func (s *Store) writeOnce(ctx context.Context, fn func(*tx) error) error {
	var opts *sql.TxOptions
	if s.pg {
		// One writer per node, as on SQLite: the node's writers do not
		// fail each other's serializable transactions; only writers on
		// other nodes can, and those are run again.
		s.wmu.Lock()
		defer s.wmu.Unlock()
		// What SQLite's single writer gives for free: every rule read in
		// the transaction still holds at its commit.
		opts = &sql.TxOptions{Isolation: sql.LevelSerializable}
	}
	var sqlTx *sql.Tx
	var err error
	if s.pg {
		// The cluster's write lock is taken before the transaction
		// starts, so that its snapshot follows every write the wait let
		// through.
		conn, err := s.w.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		lock, unlock := "pg_advisory_lock_shared", "pg_advisory_unlock_shared"
		if ctx.Value(exclusiveKey{}) != nil {
			lock, unlock = "pg_advisory_lock", "pg_advisory_unlock"
		}
		if _, err := conn.ExecContext(ctx, "SELECT "+lock+"(?)", int64(pgWriteLock)); err != nil {
			return err
		}
		defer conn.ExecContext(context.Background(), "SELECT "+unlock+"(?)", int64(pgWriteLock))
		if sqlTx, err = conn.BeginTx(ctx, opts); err != nil {
			return err
		}
	} else if sqlTx, err = s.w.BeginTx(ctx, opts); err != nil {
		return err
	}
	t := &tx{Tx: sqlTx, s: s, ctx: ctx, actor: actorOf(ctx), now: s.now().UTC()}
	if err := fn(t); err != nil {
		sqlTx.Rollback()
		if errors.Is(err, errNoChange) {
			return nil
		}
		return err
	}
	if s.pg && ctx.Value(bypassLockKey{}) == nil {
		// Every node's caches go stale when (and only if) this commits.
		if _, err := sqlTx.ExecContext(ctx, `SELECT pg_notify(?, ?)`, feedChannel, "change "+s.feed.node); err != nil {
			sqlTx.Rollback()
			return err
		}
	}
	if err := sqlTx.Commit(); err != nil {
		return err
	}
	if ctx.Value(bypassLockKey{}) == nil {
		// Only admin changes alter what is rendered or who may register;
		// the records of fetches and bindings do not.
		s.gen.Add(1)
	}
	return nil
}

// audit records one change. before and after are marshalled as JSON and
// must not carry secrets.
func (t *tx) audit(action, entity, id string, before, after any) error {
	enc := func(v any) (any, error) {
		if v == nil {
			return nil, nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	}
	b, err := enc(before)
	if err != nil {
		return err
	}
	a, err := enc(after)
	if err != nil {
		return err
	}
	_, err = t.ExecContext(t.ctx, `INSERT INTO audit (at, actor, action, entity, entity_id, before, after) VALUES (?,?,?,?,?,?,?)`,
		t.now.Unix(), t.actor, action, entity, id, b, a)
	return err
}

// Page asks for one page of a list.
type Page struct {
	// Limit is the page size. Default 100, at most 1000.
	Limit int
	// Cursor is the NextCursor of the previous page; empty for the first.
	Cursor string
}

func (p Page) limit() int {
	switch {
	case p.Limit <= 0:
		return 100
	case p.Limit > 1000:
		return 1000
	}
	return p.Limit
}

func encodeCursor(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(key))
}

func (p Page) after() (string, error) {
	if p.Cursor == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(p.Cursor)
	if err != nil || len(b) > 200 {
		return "", invalid("cursor %q is not one this server gave out; start again without cursor", p.Cursor)
	}
	return string(b), nil
}

// querier is what reads need: the read pool or a write transaction.
type querier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func unixPtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.Unix(v.Int64, 0).UTC()
	return &t
}

func noRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// trimPage cuts a list read with limit+1 rows to the page and returns the
// cursor of the next page ("" on the last one).
func trimPage[T any](out []T, limit int, key func(T) string) ([]T, string) {
	if len(out) <= limit {
		return out, ""
	}
	out = out[:limit]
	return out, encodeCursor(key(out[len(out)-1]))
}
