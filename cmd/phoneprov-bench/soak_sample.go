package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/procfs"
)

// Sample is the server and the harness at one moment of a soak.
type Sample struct {
	T          float64 `json:"t_s"`           // seconds since the load started
	RSSMB      float64 `json:"rss_mb"`        // VmRSS of the server; 0: unreadable
	Goroutines int     `json:"goroutines"`    // the server's; -1: unknown
	HeapMB     float64 `json:"heap_inuse_mb"` // go_memstats_heap_inuse_bytes; -1: unknown
	Bindings   int     `json:"bindings"`      // phoneprov_sip_bindings; -1: unknown
	CPUPercent float64 `json:"cpu_pct"`       // server CPU since the previous sample, % of one core
	Load1      float64 `json:"load1"`         // the machine's 1-minute load average
	Requests   int64   `json:"requests"`      // harness requests so far, all kinds
	Errors     int64   `json:"errors"`        // of which failed
}

// soakSampler samples every Sample until finished.
type soakSampler struct {
	s     *soak
	pid   int
	debug string
	start time.Time
	hc    *http.Client
	stop  chan struct{}
	done  sync.WaitGroup
	mu    sync.Mutex
	out   []Sample
	tick0 int64
	t0    time.Time
}

func startSoakSampler(s *soak, pid int, debug string, start time.Time) *soakSampler {
	p := &soakSampler{s: s, pid: pid, debug: debug, start: start, stop: make(chan struct{}),
		hc: &http.Client{Timeout: 5 * time.Second}}
	p.tick0, _ = cpuTicks(pid)
	p.t0 = time.Now()
	p.take()
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		tk := time.NewTicker(s.c.Sample)
		defer tk.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-tk.C:
				p.take()
			}
		}
	}()
	return p
}

// finish stops the sampling, takes a last sample and returns them all.
func (p *soakSampler) finish() []Sample {
	close(p.stop)
	p.done.Wait()
	p.take()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out
}

// take reads one sample; what cannot be read is left at its "unknown"
// value.
func (p *soakSampler) take() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	now := time.Now()
	sm := Sample{T: now.Sub(p.start).Seconds(), Goroutines: -1, HeapMB: -1, Bindings: -1, Load1: load1()}
	sm.RSSMB, _ = rssMB(p.pid)
	if t, err := cpuTicks(p.pid); err == nil {
		if d := now.Sub(p.t0).Seconds(); d > 0 {
			sm.CPUPercent = 100 * float64(t-p.tick0) / clkTck / d
		}
		p.tick0, p.t0 = t, now
	}
	m := scrape(ctx, p.hc, p.s.c.Server+"/metrics", "go_goroutines", "go_memstats_heap_inuse_bytes", "phoneprov_sip_bindings")
	if v, ok := m["go_memstats_heap_inuse_bytes"]; ok {
		sm.HeapMB = v / (1 << 20)
	}
	if v, ok := m["phoneprov_sip_bindings"]; ok {
		sm.Bindings = int(v)
	}
	if p.debug != "" {
		if n, err := goroutines(ctx, p.debug); err == nil {
			sm.Goroutines = n
		}
	} else if v, ok := m["go_goroutines"]; ok {
		sm.Goroutines = int(v)
	}
	for _, k := range soakKinds {
		c := p.s.counts[k]
		ok, bad := c.ok.Load(), c.err.Load()
		sm.Requests, sm.Errors = sm.Requests+ok+bad, sm.Errors+bad
	}
	p.mu.Lock()
	p.out = append(p.out, sm)
	p.mu.Unlock()
}

// goroutines reads the goroutine count from a Go profiling listener: the
// first line of /debug/pprof/goroutine?debug=1, "goroutine profile:
// total N".
func goroutines(ctx context.Context, debug string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, debug+"/debug/pprof/goroutine?debug=1", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	line, _ := bufio.NewReader(resp.Body).ReadString('\n')
	v, ok := strings.CutPrefix(strings.TrimSpace(line), "goroutine profile: total ")
	n, err := strconv.Atoi(v)
	if resp.StatusCode != http.StatusOK || !ok || err != nil {
		return 0, fmt.Errorf("%s: status %d, first line %.80q: %w", debug, resp.StatusCode, line, ErrNoDebug)
	}
	return n, nil
}

// findDebug looks for the server's --debug-addr among the TCP ports its
// process listens on (but the HTTP and SIP ones), asking each on
// 127.0.0.1 for the goroutine profile; "" when none answers.
func findDebug(ctx context.Context, pid int, server, sipAddr string) (string, error) {
	ports, err := listeningPorts(pid)
	if err != nil {
		return "", err
	}
	skip := map[string]bool{}
	for _, a := range []string{strings.TrimPrefix(server, "http://"), sipAddr} {
		if _, p, err := net.SplitHostPort(a); err == nil {
			skip[p] = true
		}
	}
	for _, port := range ports {
		if skip[strconv.Itoa(port)] {
			continue
		}
		u := fmt.Sprintf("http://127.0.0.1:%d", port)
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := goroutines(pctx, u)
		cancel()
		if err == nil {
			return u, nil
		}
	}
	return "", ErrNoDebug
}

// scrape reads the named series (without labels) from a Prometheus text
// page; missing ones are absent from the map.
func scrape(ctx context.Context, hc *http.Client, u string, names ...string) map[string]float64 {
	out := map[string]float64{}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return out
	}
	resp, err := hc.Do(req)
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return out
	}
	for _, n := range names {
		f := fams[n]
		if f == nil || len(f.GetMetric()) == 0 {
			continue
		}
		m := f.GetMetric()[0]
		switch {
		case m.Gauge != nil:
			out[n] = m.GetGauge().GetValue()
		case m.Counter != nil:
			out[n] = m.GetCounter().GetValue()
		case m.Untyped != nil:
			out[n] = m.GetUntyped().GetValue()
		}
	}
	return out
}

// loadAvg is the machine's load average, "1m 5m 15m".
func loadAvg() string {
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		return ""
	}
	l, err := fs.LoadAvg()
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%.2f %.2f %.2f", l.Load1, l.Load5, l.Load15)
}

func load1() float64 {
	f := strings.Fields(loadAvg())
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
