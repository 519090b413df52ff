package cli

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
)

// scheduler runs the server's timed jobs at start and then every
// interval: it purges the licenses the provider removed more than 30 days
// ago (one transaction with its audit entries, idempotent: every node of
// an account may run it) and runs the scheduled Classic imports whose time
// has come (each claimed in a transaction, so one node runs it).
type scheduler struct {
	store    *devicedb.Store
	imports  devicedb.ImportOptions
	interval time.Duration
	log      *slog.Logger
}

// run runs the scheduler until ctx ends, then returns when the running
// job has ended (an import stopped half-way is rolled back whole and runs
// again at the next start).
func (s scheduler) run(ctx context.Context) {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		s.tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s scheduler) tick(ctx context.Context) {
	n, err := s.store.PurgeRemovedLicenses(ctx)
	switch {
	case errors.Is(err, devicedb.ErrUnavailable):
		// An import holds admin writes: next tick.
	case err != nil && ctx.Err() == nil:
		s.log.Warn("scheduler: purging removed licenses", "err", err)
	case n > 0:
		s.log.Info("scheduler: purged licenses removed by the provider more than 30 days ago", "licenses", n)
	}
	ran, err := s.store.RunDueImports(ctx, s.imports)
	if err != nil && !errors.Is(err, devicedb.ErrUnavailable) && ctx.Err() == nil {
		s.log.Warn("scheduler: scheduled imports", "err", err)
	}
	if ran > 0 {
		s.log.Info("scheduler: ran scheduled imports", "imports", ran)
	}
}
