package ident

import "testing"

// benchRequests are typical config fetches, one per vendor.
var benchRequests = [][2]string{
	{uaPoly, "/0004f2a1b2c3.cfg"},
	{uaYealink, "/001565aabbcc.cfg"},
	{uaCisco, "/00562b043615.xml"},
	{uaGS, "/cfg000b82aabbcc.xml"},
	{uaSnom, "/snom710-000413741767.htm"},
	{uaFanvil, "/0c383e0a0b0c.cfg"},
}

// BenchmarkIdentify runs on every phone fetch; keep it cheap.
func BenchmarkIdentify(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r := benchRequests[i%len(benchRequests)]
		Identify(r[0], r[1])
		i++
	}
}

// TestIdentifyAllocs bounds the allocations of one identification: at most
// two (a MAC that had to be lower-cased or had separators, from UA and
// path).
func TestIdentifyAllocs(t *testing.T) {
	for _, r := range benchRequests {
		if n := testing.AllocsPerRun(50, func() { Identify(r[0], r[1]) }); n > 2 {
			t.Errorf("Identify(%q, %q): %.0f allocations, want at most 2", r[0], r[1], n)
		}
	}
}
