package provision

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

// BenchmarkPhoneFetch is the config route's hot path in process: a known
// device fetching its cached config (identification, throttle check, cache
// lookup, headers, body, fetch record, metrics).
func BenchmarkPhoneFetch(b *testing.B) {
	t := &testing.T{}
	e := newPhoneEnv(t, ThrottleConfig{})
	defer e.srv.Close()
	// --device-auth network: the source's network is the proof, as in
	// provision/bench/run-wrk.sh
	e.phones.mode, e.phones.allow = DeviceAuthNetwork, []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
	h := e.srv.Config.Handler
	req := httptest.NewRequest("GET", "/"+yealinkMAC+".cfg", nil)
	req.Header.Set("User-Agent", yealinkUA)
	req.RemoteAddr = "192.0.2.50:5060"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Fatalf("status %d", w.Code)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}
