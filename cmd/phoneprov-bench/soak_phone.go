package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// phone is a soaked phone: its credentials and its registration as the
// harness believes it is. mu serialises its REGISTERs (CSeq order) and
// the re-sync an admin write sends it.
type phone struct {
	mu     sync.Mutex
	d      device
	cr     creds
	callID string    // kept across refreshes, as a phone does
	cseq   uint32    // of its next REGISTER
	until  time.Time // end of its binding; zero: not registered
}

// fetchOp is one config fetch: phone n (in turn) asks for its own config
// with its User-Agent on a new connection from one of the sources.
func (s *soak) fetchOp(ctx context.Context, n int64) {
	ph := s.phones[n%int64(len(s.phones))]
	hc := s.hcs[n%int64(len(s.hcs))]
	t0 := time.Now()
	_, _, err := fetchMain(ctx, hc, s.c.Server, ph.d)
	s.done("fetch", "fetch", t0, err, httpKind)
}

// httpKind names an HTTP failure for the report.
func httpKind(err error) string {
	var se *statusError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("http %d", se.code)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return "http timeout"
	default:
		return "http error"
	}
}

// registerOp is one REGISTER exchange (with digest) of the next phone not
// busy: an unregister (Expires 0) of a registered phone with probability
// Unreg, else a registration or its refresh with Expires.
func (s *soak) registerOp(ctx context.Context, _ int64) {
	var ph *phone
	for k := 0; k < 8 && ph == nil; k++ {
		p := s.phones[s.regN.Add(1)%int64(len(s.phones))]
		if p.mu.TryLock() {
			ph = p
		}
	}
	if ph == nil {
		s.counts["register"].late.Add(1)
		return
	}
	defer ph.mu.Unlock()
	remove := time.Now().Before(ph.until) && rand.Float64() < s.c.Unreg
	kind := "register"
	if remove {
		kind = "unregister"
	}
	rctx, cancel := context.WithTimeout(ctx, s.c.Step)
	defer cancel()
	t0 := time.Now()
	last, err := s.pool.register(rctx, ph.d, ph.cr, regOpts{Sticky: true, CallID: ph.callID, CSeq: ph.cseq,
		Expires: s.c.Expires, Remove: remove})
	ph.cseq = last + 1
	switch {
	case err != nil:
		ph.until = time.Time{} // unknown: no re-sync is sent to it
	case remove:
		ph.until = time.Time{}
	default:
		ph.until = t0.Add(time.Duration(s.c.Expires) * time.Second)
	}
	s.done(kind, kind, t0, err, func(err error) string { return sipKind(rctx, err) })
}

// registeredPhone returns a phone registered for at least 5 more seconds,
// locked (the caller unlocks it), trying at most 64 from a random one;
// nil if none.
func (s *soak) registeredPhone() *phone {
	n := len(s.phones)
	first := rand.IntN(n)
	for k := 0; k < min(n, 64); k++ {
		ph := s.phones[(first+k)%n]
		if !ph.mu.TryLock() {
			continue
		}
		if time.Until(ph.until) > 5*time.Second {
			return ph
		}
		ph.mu.Unlock()
	}
	return nil
}
