// Package jobs owns the server's background work: every goroutine that
// outlives the call that started it (a re-sync NOTIFY, a console import,
// the scheduler) runs in one Group, which shutdown stops and waits for
// before the database closes.
package jobs

import (
	"context"
	"sync"
)

// Group runs background jobs. The zero value is not usable; use New.
type Group struct {
	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex // guards stopped and the wait group's Add against Stop's Wait
	stop   bool
	wg     sync.WaitGroup
}

// New returns a running group.
func New() *Group {
	ctx, cancel := context.WithCancel(context.Background())
	return &Group{ctx: ctx, cancel: cancel}
}

// Go runs f in its own goroutine with the group's context, which ends at
// Stop. After Stop it runs nothing and reports false.
func (g *Group) Go(f func(ctx context.Context)) bool {
	return g.GoFrom(g.ctx, f)
}

// GoFrom is Go for a job started by a request: f's context carries
// parent's values (the audit actor) but not its cancellation, so the job
// outlives the request that started it and ends at Stop.
func (g *Group) GoFrom(parent context.Context, f func(ctx context.Context)) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stop {
		return false
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
		defer cancel()
		defer context.AfterFunc(g.ctx, cancel)()
		f(ctx)
	}()
	return true
}

// Stop cancels every job's context and waits for all of them to return.
// It may be called more than once.
func (g *Group) Stop() {
	g.mu.Lock()
	g.stop = true
	g.mu.Unlock()
	g.cancel()
	g.wg.Wait()
}
