package jobs

import (
	"context"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type key struct{}

// TestStopCancelsAndWaits: Stop ends every job's context and returns only
// after each job returned; a job started from a request keeps the
// request's values but outlives its cancellation; after Stop nothing
// starts.
func TestStopCancelsAndWaits(t *testing.T) {
	g := New()
	req, cancelReq := context.WithCancel(context.WithValue(context.Background(), key{}, "admin"))
	started := make(chan struct{}, 2)
	var plainDone, fromDone bool
	var gotValue any
	jobCtx := make(chan context.Context, 1)
	g.Go(func(ctx context.Context) {
		started <- struct{}{}
		<-ctx.Done()
		plainDone = true
	})
	g.GoFrom(req, func(ctx context.Context) {
		gotValue = ctx.Value(key{})
		jobCtx <- ctx
		started <- struct{}{}
		<-ctx.Done()
		fromDone = true
	})
	<-started
	<-started
	cancelReq() // the request ends; the job does not
	if err := (<-jobCtx).Err(); err != nil {
		t.Errorf("the job's context ended with its request: %v", err)
	}
	g.Stop()
	if !plainDone || !fromDone {
		t.Fatalf("Stop returned before its jobs: plain %v, from request %v", plainDone, fromDone)
	}
	if gotValue != "admin" {
		t.Errorf("job's context value %v, want the request's", gotValue)
	}
	if g.Go(func(context.Context) { t.Error("a job ran after Stop") }) {
		t.Error("Go after Stop reported true")
	}
	g.Stop() // twice is fine
}
