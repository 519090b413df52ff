package devicedb

import (
	"fmt"
	"time"
)

// Lock holds admin writes until Unlock: they fail with ErrUnavailable
// saying an upgrade is in progress and until about when. The servers' own
// writes (fetch records, sightings, bindings) and all reads go on. It
// fails with ErrUnavailable when a lock is held already (one upgrade at a
// time).
func (s *Store) Lock(until time.Time) error {
	u := until.Unix()
	if u <= 0 {
		u = 1
	}
	if !s.locked.CompareAndSwap(0, u) {
		return &Error{Kind: ErrUnavailable, Msg: fmt.Sprintf(
			"an upgrade (Classic import) is in progress already, expected to end about %s; retry after that",
			time.Unix(s.locked.Load(), 0).UTC().Format(time.RFC3339))}
	}
	return nil
}

// Unlock lets admin writes through again.
func (s *Store) Unlock() { s.locked.Store(0) }

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
	if cur := s.locked.Load(); cur != 0 && until > cur {
		s.locked.CompareAndSwap(cur, until)
	}
}
