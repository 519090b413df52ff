package provision

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// TestAdmission: past the bound a request waits for a slot, gets one when
// a request leaves, and gives up after the queue wait or when its client
// goes away; a refused one gets 503, a Retry-After of 5-15 s and a closed
// connection.
func TestAdmission(t *testing.T) {
	a := newAdmission(2, 200*time.Millisecond)
	ctx := context.Background()
	for i := range 2 {
		if !a.enter(ctx) {
			t.Fatalf("request %d of two found no slot", i+1)
		}
	}
	start := time.Now()
	if a.enter(ctx) {
		t.Fatal("a third request got a slot of two")
	}
	if waited := time.Since(start); waited < 150*time.Millisecond || waited > 2*time.Second {
		t.Fatalf("a refused request waited %v, want about the queue wait (200ms)", waited)
	}
	go func() { time.Sleep(50 * time.Millisecond); a.leave() }()
	if !a.enter(ctx) {
		t.Fatal("a request did not get the slot another left")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if a.enter(cctx) {
		t.Fatal("a request whose client left got a slot")
	}
	var rc fasthttp.RequestCtx
	busy(&rc)
	if res := &rc.Response; res.StatusCode() != http.StatusServiceUnavailable || !res.ConnectionClose() {
		t.Fatalf("busy answered %d, Connection: close %v", res.StatusCode(), res.ConnectionClose())
	}
	if n, err := strconv.Atoi(string(rc.Response.Header.Peek("Retry-After"))); err != nil || n < 5 || n > 15 {
		t.Fatalf("Retry-After %q, want 5-15", rc.Response.Header.Peek("Retry-After"))
	}
}
