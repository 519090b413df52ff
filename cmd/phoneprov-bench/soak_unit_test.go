package main

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// series makes one sample a second over dur from rss(t) and gor(t).
func series(dur time.Duration, rss func(t float64) float64, gor func(t float64) int) []Sample {
	var out []Sample
	for t := 0.0; t <= dur.Seconds(); t++ {
		out = append(out, Sample{T: t, RSSMB: rss(t), Goroutines: gor(t)})
	}
	return out
}

func TestJudge(t *testing.T) {
	const dur = 100 * time.Second
	tol := tolerance{RSSPct: 10, Goroutines: 50, ErrorRatio: 0.001}
	flatRSS := func(float64) float64 { return 50 }
	flatGor := func(float64) int { return 40 }
	// warm-up: RSS triples in the first fifth, then stays
	warm := func(t float64) float64 { return 50 + 100*math.Min(t, 20)/20 }
	cases := []struct {
		name       string
		samples    []Sample
		reqs, errs int64
		pass       bool
		growth     bool
		why        string // a reason must contain this
	}{
		{"flat", series(dur, flatRSS, flatGor), 1000, 0, true, false, ""},
		{"warm-up growth is skipped", series(dur, warm, flatGor), 1000, 0, true, false, ""},
		{"noisy within tolerance", series(dur, func(t float64) float64 { return 50 + 4*math.Sin(t) },
			func(t float64) int { return 40 + int(30*math.Sin(t)) }), 1000, 0, true, false, ""},
		{"RSS creeps 3%", series(dur, func(t float64) float64 { return 50 * (1 + t/2000) }, flatGor), 1000, 0, true, false, ""},
		{"RSS leaks", series(dur, func(t float64) float64 { return 50 + t/2 }, flatGor), 1000, 0, false, true, "RSS grew"},
		{"goroutines leak", series(dur, flatRSS, func(t float64) int { return 40 + int(t) }), 1000, 0, false, true, "goroutines grew"},
		{"goroutines unknown", series(dur, flatRSS, func(float64) int { return -1 }), 1000, 0, true, false, ""},
		{"errors under the ratio", series(dur, flatRSS, flatGor), 10000, 10, true, false, ""},
		{"errors over the ratio", series(dur, flatRSS, flatGor), 10000, 11, false, false, "11 of 10000 requests failed"},
		{"no request", series(dur, flatRSS, flatGor), 0, 0, false, false, "no request"},
		{"no sample in the last fifth", series(dur/2, flatRSS, flatGor), 1000, 0, false, false, "no RSS sample"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := judge(tc.samples, dur, tol, tc.reqs, tc.errs)
			if v.Pass != tc.pass || v.Growth != tc.growth {
				t.Fatalf("pass %v growth %v (want %v %v): %+v", v.Pass, v.Growth, tc.pass, tc.growth, v)
			}
			if tc.why != "" && !slices.ContainsFunc(v.Reasons, func(r string) bool { return strings.Contains(r, tc.why) }) {
				t.Errorf("reasons %q, want one with %q", v.Reasons, tc.why)
			}
			if tc.pass && len(v.Reasons) != 0 {
				t.Errorf("passed with reasons %q", v.Reasons)
			}
		})
	}
	// the figures of a known series: second fifth t=20..39, last t=80..100
	v := judge(series(dur, func(t float64) float64 { return t }, func(t float64) int { return int(t) }), dur, tol, 1, 0)
	if v.RSSSecondMB != 29.5 || v.RSSLastMB != 90 || v.GoroutineGrowth != 60.5 || v.WarmupSeconds != 20 {
		t.Errorf("means %.2f -> %.2f, goroutines %+.2f, warm-up %v s", v.RSSSecondMB, v.RSSLastMB, v.GoroutineGrowth, v.WarmupSeconds)
	}
}

// TestPace: calls come at the rate, never more than the limit at a time;
// the rest are counted late, and pace returns after its calls.
func TestPace(t *testing.T) {
	cases := []struct {
		name     string
		rate     float64
		limit    int
		hold     time.Duration
		min, max int64 // calls made
		late     bool
	}{
		{"at rate", 100, 8, 0, 35, 52, false},
		{"held calls", 100, 2, 200 * time.Millisecond, 2, 8, true},
		{"off", 0, 8, 0, 0, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
			defer cancel()
			var calls, inFlight, most, late atomic.Int64
			pace(ctx, tc.rate, tc.limit, &late, func(int64) {
				calls.Add(1)
				n := inFlight.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(tc.hold)
				inFlight.Add(-1)
			})
			if c := calls.Load(); c < tc.min || c > tc.max || inFlight.Load() != 0 || most.Load() > int64(tc.limit) {
				t.Fatalf("%d calls (want %d..%d), %d still in flight, %d at once (limit %d)", c, tc.min, tc.max,
					inFlight.Load(), most.Load(), tc.limit)
			}
			if (late.Load() > 0) != tc.late {
				t.Errorf("%d late", late.Load())
			}
		})
	}
}

// TestSeedExport: the export has one user with one licensed extension
// and one device per phone, named as the API seeding names them, under
// the field names of CONTRACT.md.
func TestSeedExport(t *testing.T) {
	ds := devices(7, 40, vendors)
	b, err := json.Marshal(seedExport(ds))
	if err != nil {
		t.Fatal(err)
	}
	var exp struct {
		Account  map[string]string `json:"account"`
		Licenses []map[string]any  `json:"licenses"`
		Users    []struct {
			Username   string           `json:"username"`
			Extensions []map[string]any `json:"extensions"`
		} `json:"users"`
		Devices []struct {
			MAC   string           `json:"mac"`
			Model string           `json:"model"`
			Lines []map[string]any `json:"lines"`
		} `json:"devices"`
	}
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	if exp.Account["pbx_name"] == "" || len(exp.Licenses) != 7 || len(exp.Users) != 7 || len(exp.Devices) != 7 {
		t.Fatalf("export %s", b)
	}
	for i, d := range ds {
		u, dev := exp.Users[i], exp.Devices[i]
		if u.Username != d.username() || len(u.Extensions) != 1 || u.Extensions[0]["number"] != d.extension() ||
			u.Extensions[0]["license_id"] != d.licenseID() || exp.Licenses[i]["id"] != d.licenseID() ||
			dev.MAC != d.mac || dev.Model != d.v.model || len(dev.Lines) != 1 ||
			dev.Lines[0]["line"] != 1.0 || dev.Lines[0]["extension"] != d.extension() {
			t.Fatalf("phone %d: user %+v device %+v", i, u, dev)
		}
	}
	if ds[0].username() != "storm0000041" || ds[0].extension() != "3000041" || ds[0].mac != "805ec0000029" {
		t.Errorf("numbering: %s %s %s", ds[0].username(), ds[0].extension(), ds[0].mac)
	}
}

func TestSeedVia(t *testing.T) {
	for _, tc := range []struct {
		via  string
		n    int
		want string
	}{{"", 1000, viaAPI}, {"", 1001, viaImport}, {viaAPI, 100000, viaAPI}, {viaImport, 1, viaImport}} {
		if got := seedVia(tc.via, tc.n); got != tc.want {
			t.Errorf("seedVia(%q, %d) = %q, want %q", tc.via, tc.n, got, tc.want)
		}
	}
}

// TestVendorMain: every vendor's own config is one of its boot files, and
// is where the storm finds the credentials.
func TestVendorMain(t *testing.T) {
	for _, v := range vendors {
		if !slices.Contains(v.files, v.main) {
			t.Errorf("%s: main %q not among %q", v.name, v.main, v.files)
		}
	}
}
