package provision

import (
	"net"
	"net/http"
	"net/netip"
	"testing"

	"github.com/valyala/fasthttp"
)

// BenchmarkPhoneFetch is the config route's hot path in process: a known
// device fetching its cached config (identification, throttle check, cache
// lookup, headers, body, fetch record, metrics), through the HTTP server's
// handler without the socket.
func BenchmarkPhoneFetch(b *testing.B) {
	e := newPhoneEnv(b, ThrottleConfig{})
	// --device-auth network: the source's network is the proof, as in
	// provision/bench/run-wrk.sh
	e.phones.mode, e.phones.allow = DeviceAuthNetwork, []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
	var req fasthttp.Request
	req.SetRequestURI("/" + yealinkMAC + ".cfg")
	req.Header.SetUserAgent(yealinkUA)
	var ctx fasthttp.RequestCtx
	ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(192, 0, 2, 50), Port: 5060}, nil)
	e.h.serveFast(&ctx)
	if c := ctx.Response.StatusCode(); c != http.StatusOK {
		b.Fatalf("status %d", c)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ctx.Response.Reset()
		e.h.serveFast(&ctx)
		if c := ctx.Response.StatusCode(); c != http.StatusOK {
			b.Fatalf("status %d", c)
		}
	}
}
