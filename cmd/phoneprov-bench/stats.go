package main

import (
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// recorder collects step latencies and failures from many goroutines.
type recorder struct {
	mu       sync.Mutex
	order    []string
	lat      map[string][]time.Duration
	failures map[string]int
	examples []string
}

func newRecorder() *recorder {
	return &recorder{lat: map[string][]time.Duration{}, failures: map[string]int{}}
}

// declare fixes the order of the steps in the report.
func (r *recorder) declare(steps ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, st := range steps {
		if _, seen := r.lat[st]; !seen {
			r.order = append(r.order, st)
			r.lat[st] = nil
		}
	}
}

func (r *recorder) ok(step string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, seen := r.lat[step]; !seen {
		r.order = append(r.order, step)
	}
	r.lat[step] = append(r.lat[step], d)
}

// fail counts a failure of the given kind; the first few are kept whole.
func (r *recorder) fail(kind, detail string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures[kind]++
	if len(r.examples) < 10 {
		r.examples = append(r.examples, kind+": "+detail)
	}
}

// StepStats are the latencies of one step, in milliseconds.
type StepStats struct {
	Step  string  `json:"step"`
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p/100*float64(len(sorted))+0.999999) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return sorted[i]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (r *recorder) steps() []StepStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]StepStats, 0, len(r.order))
	for _, s := range r.order {
		l := append([]time.Duration(nil), r.lat[s]...)
		if len(l) == 0 {
			continue
		}
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
		out = append(out, StepStats{Step: s, Count: len(l), P50: ms(percentile(l, 50)), P99: ms(percentile(l, 99)),
			Max: ms(l[len(l)-1])})
	}
	return out
}

// Report is the outcome of a storm, written as text and as JSON.
type Report struct {
	Devices      int            `json:"devices"`
	Arrival      string         `json:"arrival"`
	Window       string         `json:"window"`
	Transport    string         `json:"transport"`
	SeedSeconds  float64        `json:"seed_seconds"`
	WallSeconds  float64        `json:"wall_seconds"`
	Booted       int            `json:"booted"`
	Failed       int            `json:"failed"`
	DevicesPerS  float64        `json:"devices_per_s"`
	RequestsPerS float64        `json:"requests_per_s"`
	Steps        []StepStats    `json:"steps"`
	Failures     map[string]int `json:"failures"`
	Examples     []string       `json:"failure_examples,omitempty"`
	Server       *ServerStats   `json:"server,omitempty"`
	Servers      []*ServerStats `json:"servers,omitempty"`             // every --server's process, with several
	Nodes        map[string]int `json:"registered_per_node,omitempty"` // with --dns: phones registered per SRV target
	BenchCPU     float64        `json:"bench_cpu_seconds"`
	TimedOut     bool           `json:"timed_out"`
	Warnings     []string       `json:"warnings,omitempty"`
}

// Step returns the stats of the named step.
func (r *Report) Step(name string) (StepStats, bool) {
	for _, s := range r.Steps {
		if s.Step == name {
			return s, true
		}
	}
	return StepStats{}, false
}

// WriteText prints the report for people.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "storm: %d devices, arrival %s over %s, SIP %s; seeding %.1f s\n", r.Devices, r.Arrival, r.Window,
		r.Transport, r.SeedSeconds)
	fmt.Fprintf(w, "booted %d, failed %d in %.2f s: %.0f devices/s, %.0f requests/s (fetches + REGISTERs)\n",
		r.Booted, r.Failed, r.WallSeconds, r.DevicesPerS, r.RequestsPerS)
	if r.TimedOut {
		fmt.Fprintln(w, "the storm hit --timeout")
	}
	fmt.Fprintf(w, "%-36s %8s %10s %10s %10s\n", "step", "count", "p50 ms", "p99 ms", "max ms")
	for _, s := range r.Steps {
		fmt.Fprintf(w, "%-36s %8d %10.1f %10.1f %10.1f\n", s.Step, s.Count, s.P50, s.P99, s.Max)
	}
	kinds := make([]string, 0, len(r.Failures))
	for k := range r.Failures {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(w, "failures %-30s %d\n", k, r.Failures[k])
	}
	for _, e := range r.Examples {
		fmt.Fprintf(w, "  e.g. %s\n", e)
	}
	for _, msg := range r.Warnings {
		fmt.Fprintf(w, "warning: %s\n", msg)
	}
	servers := r.Servers
	if len(servers) == 0 && r.Server != nil {
		servers = []*ServerStats{r.Server}
	}
	for _, s := range servers {
		fmt.Fprintf(w, "server pid %d: CPU %.1f s (%.0f%% of one core), RSS %.1f MB before, %.1f MB max, %.1f MB after\n",
			s.PID, s.CPUSeconds, s.CPUPercent, s.RSSBeforeMB, s.RSSMaxMB, s.RSSAfterMB)
	}
	nodes := make([]string, 0, len(r.Nodes))
	for n := range r.Nodes {
		nodes = append(nodes, n)
	}
	sort.Strings(nodes)
	for _, n := range nodes {
		fmt.Fprintf(w, "registered through SRV at %s: %d\n", n, r.Nodes[n])
	}
	fmt.Fprintf(w, "bench CPU over the storm: %.1f s (it shares the machine with the server)\n", r.BenchCPU)
}
