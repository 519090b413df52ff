package devicedb

import (
	"context"
	"fmt"
	"time"
)

// Lock holds admin writes until Unlock: they fail with ErrUnavailable
// saying an upgrade is in progress and until about when. The servers' own
// writes (fetch records, sightings, bindings) and all reads go on. It
// fails with ErrUnavailable when a lock is held already (one upgrade at a
// time). On PostgreSQL the lock holds on every node (cluster_locks, told
// over the change feed); a lock whose node died lapses lockGrace after
// its announced end.
func (s *Store) Lock(until time.Time) error {
	u := until.Unix()
	if u <= 0 {
		u = 1
	}
	if cur := s.locked.Load(); cur != 0 && s.lockStale(cur) {
		s.locked.CompareAndSwap(cur, 0)
	}
	if !s.locked.CompareAndSwap(0, u) {
		return &Error{Kind: ErrUnavailable, Msg: fmt.Sprintf(
			"an upgrade (Classic import) is in progress already, expected to end about %s; retry after that",
			time.Unix(s.locked.Load(), 0).UTC().Format(time.RFC3339))}
	}
	s.lockedRemote.Store(false)
	if s.pg {
		if err := s.lockCluster(u); err != nil {
			s.locked.CompareAndSwap(u, 0)
			return err
		}
	}
	return nil
}

// lockGrace is how long after its announced end a lock held by another
// node (which may have died) stops holding this node's writes.
const lockGrace = 30

func (s *Store) lockStale(until int64) bool {
	return s.lockedRemote.Load() && s.now().Unix() > until+lockGrace
}

// lockCluster takes the import lock in cluster_locks unless a live one is
// held, and tells the other nodes.
func (s *Store) lockCluster(u int64) error {
	ctx := context.Background()
	res, err := s.w.ExecContext(ctx, `INSERT INTO cluster_locks (name, holder, until) VALUES ('import', ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
		WHERE cluster_locks.until < ?`, s.feed.node, u, s.now().Unix()-lockGrace)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var cur int64
		_ = s.r.QueryRowContext(ctx, `SELECT until FROM cluster_locks WHERE name = 'import'`).Scan(&cur)
		return &Error{Kind: ErrUnavailable, Msg: fmt.Sprintf(
			"an upgrade (Classic import) is in progress already on another node, expected to end about %s; retry after that",
			time.Unix(cur, 0).UTC().Format(time.RFC3339))}
	}
	return s.notify(ctx, fmt.Sprintf("lock %s %d", s.feed.node, u))
}

// loadClusterLock picks up an import lock held by another node at Open.
func (s *Store) loadClusterLock(ctx context.Context) error {
	var holder string
	var until int64
	err := s.r.QueryRowContext(ctx, `SELECT holder, until FROM cluster_locks WHERE name = 'import'`).Scan(&holder, &until)
	if noRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	s.lockedRemote.Store(true)
	if !s.lockStale(until) {
		s.locked.Store(until)
	}
	return nil
}

// Unlock lets admin writes through again (on every node).
func (s *Store) Unlock() {
	s.locked.Store(0)
	if s.pg {
		ctx := context.Background()
		_, _ = s.w.ExecContext(ctx, `DELETE FROM cluster_locks WHERE name = 'import' AND holder = ?`, s.feed.node)
		_ = s.notify(ctx, fmt.Sprintf("lock %s 0", s.feed.node))
	}
}

// LockedUntil says until about when admin writes are held; ok is false
// when they are not.
func (s *Store) LockedUntil() (until time.Time, ok bool) {
	u := s.locked.Load()
	if u == 0 {
		return time.Time{}, false
	}
	return time.Unix(u, 0).UTC(), true
}

// Import cost model: the import benchmark measures about 90µs per record
// (license, user, extension, device, line) on a 2-core machine; the
// estimate takes three times that, and extendLock moves the announced end
// if a run is slower still.
const (
	importBase      = 5 * time.Second
	importPerRecord = 300 * time.Microsecond
)

// EstimateImport is how long a real import of exp is expected to hold
// admin writes.
func EstimateImport(exp ClassicExport) time.Duration {
	n := len(exp.Licenses) + len(exp.Users) + len(exp.Devices)
	for _, u := range exp.Users {
		n += len(u.Extensions)
	}
	for _, d := range exp.Devices {
		n += len(d.Lines)
	}
	return importBase + time.Duration(n)*importPerRecord
}

// extendLock moves the announced end of a running import later when its
// progress says the estimate was short; it never moves it earlier.
func (s *Store) extendLock(start time.Time, est time.Duration, done, total int) {
	if done == 0 || total == 0 || done%500 != 0 {
		return
	}
	el := time.Since(start)
	proj := time.Duration(float64(el)/float64(done)*float64(total)*1.25) + 2*time.Second
	if proj <= est {
		return
	}
	until := s.now().Add(proj - el).Unix()
	if cur := s.locked.Load(); cur != 0 && until > cur && s.locked.CompareAndSwap(cur, until) && s.pg {
		ctx := context.Background()
		_, _ = s.w.ExecContext(ctx, `UPDATE cluster_locks SET until = ? WHERE name = 'import' AND holder = ?`, until, s.feed.node)
		_ = s.notify(ctx, fmt.Sprintf("lock %s %d", s.feed.node, until))
	}
}
