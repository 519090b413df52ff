package provision

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"
)

// Defaults of the phone routes' admission control.
const (
	DefaultMaxInFlight = 128
	DefaultQueueWait   = time.Second
)

// admission bounds the phone requests answered at once. When a whole site
// boots together, requests past the bound wait up to the queue wait for a
// slot, then get 503 with a Retry-After of 5-15 s (spread, so the retries
// do not arrive together): phones retry, and the server keeps answering at
// full speed with bounded memory instead of slowing down for everyone as
// requests pile up.
type admission struct {
	slots chan struct{}
	wait  time.Duration
}

func newAdmission(max int, wait time.Duration) *admission {
	return &admission{slots: make(chan struct{}, max), wait: wait}
}

// enter takes a slot, waiting up to a.wait. It returns false when none
// came (or the client went away); the caller then answers with busy.
func (a *admission) enter(ctx context.Context) bool {
	select {
	case a.slots <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(a.wait)
	defer t.Stop()
	select {
	case a.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

func (a *admission) leave() { <-a.slots }

// busy answers a request that found no slot, and closes the connection:
// a phone told to come back in seconds should not hold a connection (and
// its goroutine and buffers) open meanwhile.
func busy(ctx *fasthttp.RequestCtx) {
	ctx.Response.Header.Set("Retry-After", strconv.Itoa(5+rand.IntN(11)))
	writeError(ctx, "busy: retry later", http.StatusServiceUnavailable)
	closeLingering(ctx)
}
