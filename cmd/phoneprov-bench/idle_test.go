package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// TestIdleHoldsConnections: idle opens, uses once and holds every
// connection against a real loopback server, and counts those the server
// closes.
func TestIdleHoldsConnections(t *testing.T) {
	for _, tc := range []struct {
		name      string
		keepAlive bool
		want      string
	}{
		{"kept alive", true, "20 connections opened"},
		{"server closes", false, "(20 failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
			srv.Config.SetKeepAlivesEnabled(tc.keepAlive)
			srv.Start()
			defer srv.Close()
			var out bytes.Buffer
			err := runIdle(context.Background(), IdleConfig{Addr: srv.Listener.Addr().String(), Conns: 20, Path: "/x", UA: "t",
				Hold: 50 * time.Millisecond, PIDs: []int{os.Getpid()}, Workers: 4}, &out)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), tc.want) || (tc.keepAlive && !strings.Contains(out.String(), " 20 held")) {
				t.Fatalf("output %q, want %q", out.String(), tc.want)
			}
		})
	}
	if err := runIdle(context.Background(), IdleConfig{Addr: "192.0.2.1:80", Conns: 1, PIDs: []int{1}, Workers: 1}, &bytes.Buffer{}); err == nil {
		t.Fatal("a non-loopback address was accepted")
	}
}
