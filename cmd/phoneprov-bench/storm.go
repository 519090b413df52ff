package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// stormCmd is "phoneprov-bench storm": it parses flags, runs the storm and
// prints the report; the exit code is 1 if any device failed.
func stormCmd(args []string, stdout, stderr io.Writer) int {
	var c Config
	return runCommand("storm", args, stdout, stderr, c.flags, func(ctx context.Context, token string) (report, bool, error) {
		c.Token = token
		rep, err := Run(ctx, c, stdout)
		if rep == nil {
			return nil, false, err
		}
		return rep, rep.Failed > 0, err
	})
}

// arrivals gives each of n devices its start offset in the window.
func arrivals(kind string, n int, window time.Duration, seed int64) []time.Duration {
	out := make([]time.Duration, n)
	switch kind {
	case "ramp":
		for i := range out {
			out[i] = time.Duration(int64(window) * int64(i) / int64(n))
		}
	case "poisson":
		rng := rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))
		mean := float64(window) / float64(n)
		var t float64
		for i := range out {
			t += rng.ExpFloat64() * mean
			out[i] = time.Duration(t)
		}
	}
	return out
}

// Run seeds (or verifies, with Reuse) the account, then boots every device
// at its arrival time and reports. progress gets one line per phase.
func Run(ctx context.Context, c Config, progress io.Writer) (*Report, error) {
	c.applyDefaults()
	if err := c.validate(); err != nil {
		return nil, err
	}
	ds := devices(c.Devices, c.Base, vendors)
	a := newAdmin(c.Server, c.Token, c.Workers)
	sctx, cancel := context.WithTimeout(ctx, c.SeedTime)
	defer cancel()
	t0 := time.Now()
	if !c.Reuse {
		if err := seedDevices(sctx, a, ds, c.SeedVia, c.SeedChunk, c.Workers, progress); err != nil {
			return nil, fmt.Errorf("seeding: %w", err)
		}
	}
	if err := a.credentials(sctx, ds, c.Workers); err != nil {
		return nil, fmt.Errorf("reading the phones' provisioning credentials: %w", err)
	}
	if err := phase(sctx, ds, c.Workers, a.verify); err != nil {
		return nil, fmt.Errorf("verifying: %w", err)
	}
	var warnings []string
	want, err := a.expected(sctx, ds, func(w string) { warnings = append(warnings, w) })
	if err != nil {
		return nil, fmt.Errorf("verifying: %w", err)
	}
	fmt.Fprintf(progress, "verified %d devices with identify in %.1f s\n", len(ds), time.Since(t0).Seconds())
	seedSecs := time.Since(t0).Seconds()

	pool, err := newSIPPool(c.SIPConns, c.Transport, c.SIP, c.Domain)
	if err != nil {
		return nil, err
	}
	defer pool.close()
	smps := serverSamplers(c, progress)
	s := &storm{c: c, rec: newRecorder(), want: want, sip: pool, nodes: map[string]int{}}
	rep := s.run(ctx, ds)
	rep.SeedSeconds, rep.Warnings = seedSecs, warnings
	for i, smp := range smps {
		if smp == nil {
			continue
		}
		st := smp.finish()
		if i == 0 {
			rep.Server = st
		}
		if len(c.servers) > 1 {
			rep.Servers = append(rep.Servers, st)
		}
	}
	if c.DNS != "" {
		rep.Nodes = s.nodes
	}
	return rep, nil
}

// serverSamplers follow the server given by --pid, else the process
// listening on each --server address (nil where none is found).
func serverSamplers(c Config, progress io.Writer) []*sampler {
	out := make([]*sampler, len(c.servers))
	for i, base := range c.servers {
		pid := c.PID
		var err error
		if pid == 0 || i > 0 {
			pid, err = serverPID(base)
		}
		if err == nil {
			out[i], err = startSampler(pid)
		}
		if err != nil {
			fmt.Fprintf(progress, "no server CPU/RSS figures for %s: %v\n", base, err)
		}
	}
	return out
}

// storm boots the devices.
type storm struct {
	c        Config
	rec      *recorder
	want     map[*vendor][]bool
	sip      *sipPool
	requests atomic.Int64

	mu    sync.Mutex
	nodes map[string]int // with --dns: phones registered per SRV target
}

func (s *storm) run(parent context.Context, ds []device) *Report {
	ctx, cancel := context.WithTimeout(parent, s.c.Timeout)
	defer cancel()
	offs := arrivals(s.c.Arrival, len(ds), s.c.Window, s.c.Seed)
	for _, v := range vendors {
		for _, f := range v.files {
			s.rec.declare(v.name + " " + f)
		}
	}
	if s.c.DNS != "" {
		s.rec.declare("dns srv")
	}
	s.rec.declare("register "+s.c.Transport, "boot (arrival to registered)")
	cpu0 := selfCPU()
	var wg sync.WaitGroup
	var booted, failed atomic.Int64
	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
dispatch:
	for i, d := range ds {
		if wait := time.Until(start.Add(offs[i])); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				failed.Add(int64(len(ds) - i))
				s.rec.fail("not started", fmt.Sprintf("%d devices not started before --timeout", len(ds)-i))
				break dispatch
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s.boot(ctx, d) {
				booted.Add(1)
			} else {
				failed.Add(1)
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	r := &Report{Devices: len(ds), Arrival: s.c.Arrival, Window: s.c.Window.String(), Transport: s.c.Transport,
		WallSeconds: wall.Seconds(), Booted: int(booted.Load()), Failed: int(failed.Load()),
		DevicesPerS: float64(booted.Load()) / wall.Seconds(), RequestsPerS: float64(s.requests.Load()) / wall.Seconds(),
		Steps: s.rec.steps(), TimedOut: ctx.Err() != nil, BenchCPU: selfCPU() - cpu0}
	s.rec.mu.Lock()
	r.Failures, r.Examples = s.rec.failures, s.rec.examples
	s.rec.mu.Unlock()
	return r
}

// boot is one phone: its files in order, then REGISTER; false on the first
// failure.
func (s *storm) boot(ctx context.Context, d device) bool {
	t0 := time.Now()
	k := d.i % s.c.Sources
	local := &net.TCPAddr{IP: net.IPv4(127, 0, byte(k/254), byte(1+k%254))}
	tr := &http.Transport{DialContext: (&net.Dialer{LocalAddr: local, Timeout: s.c.Step}).DialContext,
		MaxIdleConnsPerHost: 1, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := d.client(&http.Client{Transport: tr, Timeout: s.c.Step})
	base := s.c.servers[d.i%len(s.c.servers)]
	var cr creds
	found := false
	for i, p := range d.paths {
		step := d.v.name + " " + d.v.files[i]
		t := time.Now()
		code, body, retry, err := s.fetch(ctx, hc, base, p, d.ua)
		s.requests.Add(1)
		// A phone told 503 (the server is shedding a storm) waits the
		// Retry-After it was given and asks again, up to maxBusyRetries.
		for try := 0; err == nil && code == http.StatusServiceUnavailable && try < maxBusyRetries; try++ {
			w := time.Now()
			select {
			case <-time.After(retry):
			case <-ctx.Done():
			}
			s.rec.ok("retry after 503 (wait)", time.Since(w))
			code, body, retry, err = s.fetch(ctx, hc, base, p, d.ua)
			s.requests.Add(1)
		}
		want := http.StatusNotFound
		if s.want[d.v][i] {
			want = http.StatusOK
		}
		switch {
		case err != nil && (errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil || isTimeout(err)):
			s.rec.fail("http timeout", step+": "+err.Error())
			return false
		case err != nil:
			s.rec.fail("http error", step+": "+err.Error())
			return false
		case code != want && !(d.v.files[i] == d.v.either && (code == http.StatusOK || code == http.StatusNotFound)):
			s.rec.fail(fmt.Sprintf("http %d", code), fmt.Sprintf("%s: GET %s (want %d)", step, p, want))
			return false
		}
		s.rec.ok(step, time.Since(t))
		if code == http.StatusOK && !found {
			cr, found = parseCreds(d.v.family, body)
		}
	}
	if !found {
		s.rec.fail("no credentials", fmt.Sprintf("%s %s: %v", d.v.name, d.mac, ErrNoCredentials))
		return false
	}
	rctx, cancel := context.WithTimeout(ctx, s.c.Step)
	defer cancel()
	dest, node := s.c.SIP, ""
	if s.c.DNS != "" {
		t := time.Now()
		pick, err := lookupSRV(rctx, s.c.DNS, local.IP, s.c.Domain, s.c.Transport, rand.Float64())
		if err != nil {
			s.rec.fail("dns srv", fmt.Sprintf("%s %s: %v", d.v.name, d.mac, err))
			return false
		}
		s.rec.ok("dns srv", time.Since(t))
		dest, node = pick.Addr, pick.Name+" "+pick.Addr
	}
	t := time.Now()
	_, err := s.sip.register(rctx, d, cr, regOpts{Dest: dest})
	s.requests.Add(1)
	if err != nil {
		s.rec.fail(sipKind(rctx, err), fmt.Sprintf("%s %s user %s: %v", d.v.name, d.mac, cr.User, err))
		return false
	}
	s.rec.ok("register "+s.c.Transport, time.Since(t))
	if node != "" {
		s.mu.Lock()
		s.nodes[node]++
		s.mu.Unlock()
	}
	s.rec.ok("boot (arrival to registered)", time.Since(t0))
	return true
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// maxBusyRetries is how often a phone asks again after a 503.
const maxBusyRetries = 3

// fetch asks for one file with the phone's User-Agent. retry is the
// Retry-After of a 503 (at most 30 s; 5 s when absent).
func (s *storm) fetch(ctx context.Context, hc *http.Client, base, path, ua string) (code int, body []byte, retry time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return 0, nil, 0, err
	}
	req.Header.Set("User-Agent", ua)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, 0, err
	}
	defer resp.Body.Close()
	retry = 5 * time.Second
	if n, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && n >= 0 {
		retry = min(time.Duration(n)*time.Second, 30*time.Second)
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return resp.StatusCode, body, retry, err
}
