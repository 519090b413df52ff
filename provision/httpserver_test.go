package provision

import (
	"context"
	"crypto/tls"
	"net"
	"testing"
	"time"
)

// serveTest serves h's HTTP server on a loopback port (over TLS with tc,
// when given) until the test ends, and returns its base URL.
func serveTest(tb testing.TB, h *Server, tc *tls.Config) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	scheme := "http://"
	if tc != nil {
		l, scheme = tls.NewListener(l, tc), "https://"
	}
	s := h.HTTPServer(nil)
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.ShutdownWithContext(ctx); err != nil {
			tb.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != nil {
			tb.Errorf("serve: %v", err)
		}
	})
	return scheme + l.Addr().String()
}
