package main

import (
	"fmt"
	"io"
	"sort"
	"time"
)

// SoakReport is the outcome of a soak, written as text and as JSON.
type SoakReport struct {
	Devices       int                `json:"devices"`
	Duration      string             `json:"duration"`
	WallSeconds   float64            `json:"wall_seconds"`
	SeedSeconds   float64            `json:"seed_seconds"`
	SetupSeconds  float64            `json:"setup_seconds"`
	Rates         map[string]float64 `json:"rates_per_s"`
	Transport     string             `json:"transport"`
	Expires       int                `json:"expires"`
	PID           int                `json:"pid"`
	Debug         string             `json:"debug,omitempty"`
	Samples       []Sample           `json:"samples"`
	Ops           map[string]OpStats `json:"operations"`
	Notifies      int64              `json:"notifies_answered"`
	ResyncSkipped int64              `json:"resyncs_skipped"`
	Steps         []StepStats        `json:"steps"`
	Failures      map[string]int     `json:"failures"`
	Examples      []string           `json:"failure_examples,omitempty"`
	LoadStart     string             `json:"load_average_start"`
	LoadEnd       string             `json:"load_average_end"`
	BenchCPU      float64            `json:"bench_cpu_seconds"`
	Verdict       Verdict            `json:"verdict"`
}

// Step returns the latencies of the named step.
func (r *SoakReport) Step(name string) (StepStats, bool) {
	for _, s := range r.Steps {
		if s.Step == name {
			return s, true
		}
	}
	return StepStats{}, false
}

// OpStats count the requests of one kind of operation.
type OpStats struct {
	Requests int64   `json:"requests"`
	OK       int64   `json:"ok"`
	Errors   int64   `json:"errors"`
	Late     int64   `json:"late"` // due but not sent: too many in flight
	PerS     float64 `json:"per_s"`
}

// tolerance is what the verdict lets pass.
type tolerance struct {
	RSSPct     float64 // RSS growth, per cent
	Goroutines int     // goroutine growth
	ErrorRatio float64 // failed requests / requests
}

// Verdict compares the second fifth of the run (the first is warm-up)
// with the last fifth, and counts errors.
type Verdict struct {
	WarmupSeconds    float64  `json:"warmup_s"`
	RSSSecondMB      float64  `json:"rss_second_fifth_mb"`
	RSSLastMB        float64  `json:"rss_last_fifth_mb"`
	RSSGrowthPct     float64  `json:"rss_growth_pct"`
	RSSTolPct        float64  `json:"rss_tolerance_pct"`
	GoroutinesSecond float64  `json:"goroutines_second_fifth"`
	GoroutinesLast   float64  `json:"goroutines_last_fifth"`
	GoroutineGrowth  float64  `json:"goroutine_growth"`
	GoroutineTol     int      `json:"goroutine_tolerance"`
	GoroutinesKnown  bool     `json:"goroutines_known"`
	Requests         int64    `json:"requests"`
	Errors           int64    `json:"errors"`
	ErrorRatio       float64  `json:"error_ratio"`
	MaxErrorRatio    float64  `json:"max_error_ratio"`
	Growth           bool     `json:"growth"`
	TooManyErrors    bool     `json:"too_many_errors"`
	Inconclusive     bool     `json:"inconclusive"`
	Pass             bool     `json:"pass"`
	Reasons          []string `json:"reasons,omitempty"`
}

// judge gives the verdict on samples of a run of duration dur: the mean
// RSS and goroutine count of the samples in the second fifth against
// those in the last fifth (a sample taken after the end counts in the
// last), and the error ratio. Growth beyond the tolerance, too many
// errors, no request, or a fifth without samples fails it.
func judge(samples []Sample, dur time.Duration, tol tolerance, requests, errors int64) Verdict {
	v := Verdict{WarmupSeconds: dur.Seconds() / 5, RSSTolPct: tol.RSSPct, GoroutineTol: tol.Goroutines,
		Requests: requests, Errors: errors, MaxErrorRatio: tol.ErrorRatio}
	var rss2, rssN, gor2, gorN []float64
	for _, s := range samples {
		f := s.T / dur.Seconds()
		in2, inN := f >= 0.2 && f < 0.4, f >= 0.8
		if s.RSSMB > 0 && in2 {
			rss2 = append(rss2, s.RSSMB)
		}
		if s.RSSMB > 0 && inN {
			rssN = append(rssN, s.RSSMB)
		}
		if s.Goroutines >= 0 && in2 {
			gor2 = append(gor2, float64(s.Goroutines))
		}
		if s.Goroutines >= 0 && inN {
			gorN = append(gorN, float64(s.Goroutines))
		}
	}
	if len(rss2) == 0 || len(rssN) == 0 {
		v.Inconclusive = true
		v.Reasons = append(v.Reasons, "no RSS sample in the second or the last fifth of the run")
	} else {
		v.RSSSecondMB, v.RSSLastMB = mean(rss2), mean(rssN)
		v.RSSGrowthPct = 100 * (v.RSSLastMB - v.RSSSecondMB) / v.RSSSecondMB
		if v.RSSGrowthPct > tol.RSSPct {
			v.Growth = true
			v.Reasons = append(v.Reasons, fmt.Sprintf("RSS grew %.1f%% (tolerance %.0f%%)", v.RSSGrowthPct, tol.RSSPct))
		}
	}
	if len(gor2) > 0 && len(gorN) > 0 {
		v.GoroutinesKnown = true
		v.GoroutinesSecond, v.GoroutinesLast = mean(gor2), mean(gorN)
		v.GoroutineGrowth = v.GoroutinesLast - v.GoroutinesSecond
		if v.GoroutineGrowth > float64(tol.Goroutines) {
			v.Growth = true
			v.Reasons = append(v.Reasons, fmt.Sprintf("goroutines grew by %.0f (tolerance %d)", v.GoroutineGrowth, tol.Goroutines))
		}
	}
	if requests > 0 {
		v.ErrorRatio = float64(errors) / float64(requests)
	}
	switch {
	case requests == 0:
		v.TooManyErrors = true
		v.Reasons = append(v.Reasons, "no request was made")
	case v.ErrorRatio > tol.ErrorRatio:
		v.TooManyErrors = true
		v.Reasons = append(v.Reasons, fmt.Sprintf("%d of %d requests failed (%.4f, at most %.4f)", errors, requests,
			v.ErrorRatio, tol.ErrorRatio))
	}
	v.Pass = !v.Growth && !v.TooManyErrors && !v.Inconclusive
	return v
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// WriteText prints the report for people.
func (r *SoakReport) WriteText(w io.Writer) {
	fmt.Fprintf(w, "soak: %d devices for %s (%.0f s) at fetch %g/s, register %g/s, admin %g/s; SIP %s, expires %d s; server pid %d\n",
		r.Devices, r.Duration, r.WallSeconds, r.Rates["fetch"], r.Rates["register"], r.Rates["admin"], r.Transport, r.Expires, r.PID)
	fmt.Fprintf(w, "%8s %8s %8s %10s %8s %6s %6s %8s %7s\n", "t_s", "rss_mb", "heap_mb", "goroutines", "bindings",
		"cpu_%", "load1", "req/s", "errors")
	var prev Sample
	for i, s := range r.Samples {
		rate := 0.0
		if i > 0 && s.T > prev.T {
			rate = float64(s.Requests-prev.Requests) / (s.T - prev.T)
		}
		fmt.Fprintf(w, "%8.1f %8.1f %8.1f %10d %8d %6.0f %6.2f %8.0f %7d\n", s.T, s.RSSMB, s.HeapMB, s.Goroutines,
			s.Bindings, s.CPUPercent, s.Load1, rate, s.Errors)
		prev = s
	}
	fmt.Fprintf(w, "%-12s %9s %9s %7s %7s %8s\n", "operation", "requests", "ok", "errors", "late", "per_s")
	for _, k := range soakKinds {
		o := r.Ops[k]
		fmt.Fprintf(w, "%-12s %9d %9d %7d %7d %8.1f\n", k, o.Requests, o.OK, o.Errors, o.Late, o.PerS)
	}
	fmt.Fprintf(w, "%-36s %8s %10s %10s %10s\n", "step", "count", "p50 ms", "p99 ms", "max ms")
	for _, s := range r.Steps {
		fmt.Fprintf(w, "%-36s %8d %10.1f %10.1f %10.1f\n", s.Step, s.Count, s.P50, s.P99, s.Max)
	}
	fmt.Fprintf(w, "re-sync NOTIFYs answered by the phones: %d; re-syncs skipped (no phone registered): %d\n",
		r.Notifies, r.ResyncSkipped)
	kinds := make([]string, 0, len(r.Failures))
	for k := range r.Failures {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(w, "failures %-36s %d\n", k, r.Failures[k])
	}
	for _, e := range r.Examples {
		fmt.Fprintf(w, "  e.g. %s\n", e)
	}
	fmt.Fprintf(w, "load average %s at the start, %s at the end; bench CPU %.1f s (it shares the machine with the server)\n",
		r.LoadStart, r.LoadEnd, r.BenchCPU)
	v := r.Verdict
	gor := "goroutines not sampled"
	if v.GoroutinesKnown {
		gor = fmt.Sprintf("goroutines %.0f -> %.0f (%+.0f, tolerance +%d)", v.GoroutinesSecond, v.GoroutinesLast,
			v.GoroutineGrowth, v.GoroutineTol)
	}
	growth := "no growth"
	if v.Growth {
		growth = "GROWTH"
	}
	verdict := "PASS"
	if !v.Pass {
		verdict = "FAIL"
	}
	fmt.Fprintf(w, "verdict after %.0f s of warm-up, second fifth -> last fifth: RSS %.1f -> %.1f MB (%+.1f%%, tolerance %.0f%%), %s: %s; errors %d of %d (%.4f, at most %.4f): %s\n",
		v.WarmupSeconds, v.RSSSecondMB, v.RSSLastMB, v.RSSGrowthPct, v.RSSTolPct, gor, growth, v.Errors, v.Requests,
		v.ErrorRatio, v.MaxErrorRatio, verdict)
	for _, why := range v.Reasons {
		fmt.Fprintf(w, "  %s\n", why)
	}
}
