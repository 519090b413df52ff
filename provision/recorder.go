package provision

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
)

// recorder writes fetches and sightings behind the request path: requests
// only queue them, and one goroutine stores a batch at a time. When the
// queue is full a record is dropped (and counted), never the request.
type recorder struct {
	store   *devicedb.Store
	log     *slog.Logger
	fetches chan devicedb.FetchRecord
	seen    chan devicedb.Sighting
	dropped func()
	quit    chan struct{}
	done    chan struct{}
	once    sync.Once
}

func newRecorder(s *devicedb.Store, log *slog.Logger, dropped func()) *recorder {
	r := &recorder{store: s, log: log, fetches: make(chan devicedb.FetchRecord, 8192),
		seen: make(chan devicedb.Sighting, 4096), dropped: dropped, quit: make(chan struct{}), done: make(chan struct{})}
	go r.run()
	return r
}

func (r *recorder) fetch(f devicedb.FetchRecord) {
	select {
	case r.fetches <- f:
	default:
		r.dropped()
	}
}

func (r *recorder) sighting(s devicedb.Sighting) {
	select {
	case r.seen <- s:
	default:
		r.dropped()
	}
}

// run stores what is queued every 500 ms or when 1000 records wait.
func (r *recorder) run() {
	defer close(r.done)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	var fs []devicedb.FetchRecord
	var ss []devicedb.Sighting
	flush := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := r.store.RecordFetches(ctx, fs); err != nil {
			r.log.Warn("recording fetches", "n", len(fs), "err", err)
		}
		if err := r.store.RecordPending(ctx, dedupSightings(ss)); err != nil {
			r.log.Warn("recording pending devices", "n", len(ss), "err", err)
		}
		fs, ss = fs[:0], ss[:0]
	}
	for {
		select {
		case <-r.quit:
			for {
				select {
				case f := <-r.fetches:
					fs = append(fs, f)
				case s := <-r.seen:
					ss = append(ss, s)
				default:
					flush()
					return
				}
			}
		case f := <-r.fetches:
			if fs = append(fs, f); len(fs) >= 1000 {
				flush()
			}
		case s := <-r.seen:
			if ss = append(ss, s); len(ss) >= 1000 {
				flush()
			}
		case <-tick.C:
			if len(fs)+len(ss) > 0 {
				flush()
			}
		}
	}
}

// dedupSightings keeps the last sighting of each MAC in a batch.
func dedupSightings(ss []devicedb.Sighting) []devicedb.Sighting {
	if len(ss) < 2 {
		return ss
	}
	last := make(map[string]int, len(ss))
	for i, s := range ss {
		last[s.MAC] = i
	}
	out := ss[:0:0]
	for i, s := range ss {
		if last[s.MAC] == i {
			out = append(out, s)
		}
	}
	return out
}

// close stores what is queued and stops.
func (r *recorder) close() {
	r.once.Do(func() {
		close(r.quit)
		<-r.done
	})
}
