package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// soakCmd is "phoneprov-bench soak": it parses flags, runs the soak and
// prints the report; the exit code is 1 on growth or too many errors.
func soakCmd(args []string, stdout, stderr io.Writer) int {
	var c SoakConfig
	return runCommand("soak", args, stdout, stderr, c.flags, func(ctx context.Context, token string) (report, bool, error) {
		c.Token = token
		rep, err := RunSoak(ctx, c, stdout)
		if rep == nil {
			return nil, false, err
		}
		return rep, !rep.Verdict.Pass, err
	})
}

// Operation kinds of a soak, in report order.
var soakKinds = []string{"fetch", "register", "unregister", "admin"}

// opCount counts the requests of one kind.
type opCount struct{ ok, err, late atomic.Int64 }

// soak is one running soak.
type soak struct {
	c      SoakConfig
	a      *admin
	pool   *sipPool
	phones []*phone
	hcs    []*http.Client // fetch clients, one per source address
	slots  []*slot
	rec    *recorder
	counts map[string]*opCount
	regN   atomic.Int64 // the next phone to register
	slotN  atomic.Int64 // the next admin slot
	// resyncSkipped counts re-sync steps with no phone registered to take.
	resyncSkipped atomic.Int64
}

// RunSoak seeds (unless Reuse) and reads every phone's credentials from
// its config, then runs the mixed load for Duration while sampling the
// server, and judges the samples. progress gets one line per phase.
func RunSoak(ctx context.Context, c SoakConfig, progress io.Writer) (*SoakReport, error) {
	c.applyDefaults()
	if err := c.validate(); err != nil {
		return nil, err
	}
	ds := devices(c.Devices, c.Base, vendors)
	a := newAdmin(c.Server, c.Token, 32)
	sctx, cancel := context.WithTimeout(ctx, c.SeedTime)
	defer cancel()
	t0 := time.Now()
	if !c.Reuse {
		if err := seedDevices(sctx, a, ds, c.SeedVia, defaultChunk, 32, progress); err != nil {
			return nil, fmt.Errorf("seeding: %w", err)
		}
	}
	if err := a.credentials(sctx, ds, 32); err != nil {
		return nil, fmt.Errorf("reading the phones' provisioning credentials: %w", err)
	}
	seedSecs := time.Since(t0).Seconds()
	pid, debug, err := soakTargets(sctx, c)
	if err != nil {
		return nil, err
	}
	s := &soak{c: c, a: a, rec: newRecorder(), counts: map[string]*opCount{}}
	for _, k := range soakKinds {
		s.counts[k] = &opCount{}
	}
	s.rec.declare("fetch", "register", "unregister")
	for _, st := range adminSteps {
		s.rec.declare("admin " + st.name)
	}
	s.phones = make([]*phone, len(ds))
	runID := fmt.Sprintf("%x", time.Now().UnixNano())
	err = phase(sctx, ds, 32, func(ctx context.Context, d device) error {
		body, _, err := fetchMain(ctx, a.http, c.Server, d)
		if err != nil {
			return err
		}
		cr, err := lineCreds(d, body, false)
		s.phones[d.i] = &phone{d: d, cr: cr, callID: "soak-" + runID + "-" + d.mac, cseq: 1}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading the phones' credentials: %w", err)
	}
	for k := 0; k < c.Sources; k++ {
		local := &net.TCPAddr{IP: net.IPv4(127, 0, byte(k/254), byte(1+k%254))}
		tr := &http.Transport{DialContext: (&net.Dialer{LocalAddr: local, Timeout: c.Step}).DialContext,
			DisableKeepAlives: true, DisableCompression: true}
		s.hcs = append(s.hcs, &http.Client{Transport: tr, Timeout: c.Step})
	}
	if s.pool, err = newSIPPool(c.SIPConns, c.Transport, c.SIP, c.Domain); err != nil {
		return nil, err
	}
	defer s.pool.close()
	if err := s.setupSlots(sctx); err != nil {
		return nil, fmt.Errorf("preparing the admin objects: %w", err)
	}
	src := "pprof " + debug
	if debug == "" {
		src = "go_goroutines of /metrics (no --debug-addr listener found)"
	}
	fmt.Fprintf(progress, "soak: %d phones ready in %.1f s; server pid %d, goroutines from %s; running %v\n",
		len(ds), time.Since(t0).Seconds(), pid, src, c.Duration)
	rep := s.run(ctx, pid, debug)
	rep.SeedSeconds, rep.SetupSeconds = seedSecs, time.Since(t0).Seconds()-rep.WallSeconds
	return rep, nil
}

// soakTargets finds the server's process and its profiling listener.
func soakTargets(ctx context.Context, c SoakConfig) (pid int, debug string, err error) {
	pid = c.PID
	if pid == 0 {
		if pid, err = serverPID(c.Server); err != nil {
			return 0, "", fmt.Errorf("finding the server process (give --pid): %w", err)
		}
	}
	if _, err := rssMB(pid); err != nil {
		return 0, "", fmt.Errorf("--pid %d: %w", pid, err)
	}
	if c.Debug != "" {
		if _, err := goroutines(ctx, c.Debug); err != nil {
			return 0, "", fmt.Errorf("--debug %s: %w", c.Debug, err)
		}
		return pid, c.Debug, nil
	}
	debug, _ = findDebug(ctx, pid, c.Server, c.SIP)
	return pid, debug, nil
}

// run is the load: three pacers at their rates for Duration, the sampler
// beside them. Calls in flight at the end complete (each is bounded by
// Step) before the last sample.
func (s *soak) run(ctx context.Context, pid int, debug string) *SoakReport {
	load0, cpu0 := loadAvg(), selfCPU()
	start := time.Now()
	lctx, stop := context.WithTimeout(ctx, s.c.Duration)
	defer stop()
	smp := startSoakSampler(s, pid, debug, start)
	var wg sync.WaitGroup
	for _, p := range []struct {
		rate  float64
		limit int
		kind  string
		fire  func(context.Context, int64)
	}{{s.c.Fetches, 64, "fetch", s.fetchOp}, {s.c.Registers, 64, "register", s.registerOp}, {s.c.Admin, 4, "admin", s.adminOp}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pace(lctx, p.rate, p.limit, &s.counts[p.kind].late, func(n int64) { p.fire(ctx, n) })
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	samples := smp.finish()
	rep := &SoakReport{Devices: s.c.Devices, Duration: s.c.Duration.String(), WallSeconds: wall.Seconds(),
		Rates:     map[string]float64{"fetch": s.c.Fetches, "register": s.c.Registers, "admin": s.c.Admin},
		Transport: s.c.Transport, Expires: s.c.Expires, PID: pid, Debug: debug, Samples: samples,
		Ops: map[string]OpStats{}, Notifies: s.pool.notifies.Load(), ResyncSkipped: s.resyncSkipped.Load(),
		Steps: s.rec.steps(), LoadStart: load0, LoadEnd: loadAvg(), BenchCPU: selfCPU() - cpu0}
	var reqs, errs int64
	for _, k := range soakKinds {
		c := s.counts[k]
		o := OpStats{OK: c.ok.Load(), Errors: c.err.Load(), Late: c.late.Load()}
		o.Requests = o.OK + o.Errors
		o.PerS = float64(o.Requests) / wall.Seconds()
		rep.Ops[k] = o
		reqs, errs = reqs+o.Requests, errs+o.Errors
	}
	s.rec.mu.Lock()
	rep.Failures, rep.Examples = s.rec.failures, s.rec.examples
	s.rec.mu.Unlock()
	rep.Verdict = judge(samples, s.c.Duration, tolerance{RSSPct: s.c.RSSTol, Goroutines: s.c.GorTol,
		ErrorRatio: s.c.MaxErrors}, reqs, errs)
	return rep
}

// pace calls fire about rate times a second until ctx ends, each call in
// its own goroutine and at most limit at a time: a call due while limit
// are in flight is skipped and counted in late. It returns once every
// call it made has returned.
func pace(ctx context.Context, rate float64, limit int, late *atomic.Int64, fire func(n int64)) {
	if rate <= 0 {
		return
	}
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	defer wg.Wait()
	tick := time.NewTicker(min(10*time.Millisecond, time.Duration(float64(time.Second)/rate)))
	defer tick.Stop()
	start := time.Now()
	var n int64
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			for due := int64(now.Sub(start).Seconds() * rate); n < due; n++ {
				select {
				case sem <- struct{}{}:
					wg.Add(1)
					go func(n int64) {
						defer func() { <-sem; wg.Done() }()
						fire(n)
					}(n)
				default:
					late.Add(1)
				}
			}
		}
	}
}

// done counts one request of kind; step names its latency series, and
// the failure kind is step plus what went wrong.
func (s *soak) done(kind, step string, t0 time.Time, err error, what func(error) string) {
	c := s.counts[kind]
	if err == nil {
		c.ok.Add(1)
		s.rec.ok(step, time.Since(t0))
		return
	}
	c.err.Add(1)
	s.rec.fail(step+" "+what(err), err.Error())
}
