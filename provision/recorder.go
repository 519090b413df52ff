package provision

import (
	"context"
	"hash/maphash"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
)

// maxQueued bounds each of the recorder's maps between two flushes.
const maxQueued = 50000

// recordEvery is how often a device's fetch that repeats its last stored
// one (same file, source, status, User-Agent and firmware) is stored again:
// phones re-checking their file in a loop would otherwise cost a row and a
// device update each per flush.
const recordEvery = time.Minute

// recorder writes fetches and sightings behind the request path. Requests
// only note them in a map keyed by MAC, so a device that fetches several
// files in a row (or a boot storm) costs one record per device per flush;
// one goroutine stores what accumulated every flushEvery, except fetches
// repeating a device's last stored one within recordEvery. When a map is
// full, a record is dropped (and counted), never the request.
type recorder struct {
	store      *devicedb.Store
	log        *slog.Logger
	dropped    func()
	flushEvery time.Duration

	mu      sync.Mutex
	fetches map[string]fetchNote
	seen    map[string]devicedb.Sighting

	// last is each device's last stored fetch, used by the flush only.
	last    map[string]storedFetch
	flushes int
	seed    maphash.Seed

	quit chan struct{}
	done chan struct{}
	once sync.Once
}

// storedFetch is when a device's last stored fetch was, and a hash of what
// it said.
type storedFetch struct {
	at  time.Time
	sum uint64
}

func (r *recorder) sum(f *fetchNote) uint64 {
	var h maphash.Hash
	h.SetSeed(r.seed)
	ip := f.ip.As16()
	h.Write(ip[:])
	for _, s := range [...]string{f.file, f.ua, f.firmware} {
		h.WriteString(s)
		h.WriteByte(0)
	}
	h.WriteByte(byte(f.status >> 8))
	h.WriteByte(byte(f.status))
	return h.Sum64()
}

// repeats reports whether f only repeats mac's last stored fetch, less
// than recordEvery later; else it becomes the last stored one.
func (r *recorder) repeats(mac string, f *fetchNote) bool {
	sum := r.sum(f)
	if l, ok := r.last[mac]; ok && l.sum == sum && f.at.Sub(l.at) < recordEvery {
		return true
	}
	r.last[mac] = storedFetch{at: f.at, sum: sum}
	return false
}

// fetchNote is a fetch as the request path notes it: no string formatting
// there, that waits for the flush.
type fetchNote struct {
	at       time.Time
	ip       netip.Addr
	file, ua string
	status   int
	firmware string
}

func newRecorder(s *devicedb.Store, log *slog.Logger, dropped func()) *recorder {
	r := &recorder{store: s, log: log, dropped: dropped, flushEvery: time.Second,
		fetches: make(map[string]fetchNote), seen: make(map[string]devicedb.Sighting),
		last: make(map[string]storedFetch), seed: maphash.MakeSeed(),
		quit: make(chan struct{}), done: make(chan struct{})}
	go r.run()
	return r
}

func (r *recorder) fetch(mac string, f fetchNote) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.fetches[mac]; !ok && len(r.fetches) >= maxQueued {
		r.dropped()
		return
	}
	r.fetches[mac] = f
}

func (r *recorder) sighting(s devicedb.Sighting) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.seen[s.MAC]; !ok && len(r.seen) >= maxQueued {
		r.dropped()
		return
	}
	r.seen[s.MAC] = s
}

func (r *recorder) run() {
	defer close(r.done)
	tick := time.NewTicker(r.flushEvery)
	defer tick.Stop()
	for {
		select {
		case <-r.quit:
			r.flush()
			return
		case <-tick.C:
			r.flush()
		}
	}
}

// flush stores what accumulated: per device its last fetch (the fetch log
// keeps one row per device per flush), per unknown MAC its last sighting.
func (r *recorder) flush() {
	r.mu.Lock()
	fs, ss := r.fetches, r.seen
	if len(fs)+len(ss) == 0 {
		r.mu.Unlock()
		return
	}
	r.fetches, r.seen = make(map[string]fetchNote, len(fs)), make(map[string]devicedb.Sighting, len(ss))
	r.mu.Unlock()
	r.flushes++
	if r.flushes%60 == 0 { // forget what cannot be repeated any more
		for mac, l := range r.last {
			if time.Since(l.at) >= recordEvery {
				delete(r.last, mac)
			}
		}
	}
	batch := make([]devicedb.FetchRecord, 0, len(fs))
	for mac, f := range fs {
		if r.repeats(mac, &f) {
			continue
		}
		batch = append(batch, devicedb.FetchRecord{MAC: mac, At: f.at, IP: f.ip.String(), File: f.file, Status: f.status,
			UserAgent: f.ua, Firmware: f.firmware})
	}
	sights := make([]devicedb.Sighting, 0, len(ss))
	for _, s := range ss {
		sights = append(sights, s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.store.RecordFetches(ctx, batch); err != nil {
		r.log.Warn("recording fetches", "n", len(batch), "err", err)
	}
	if err := r.store.RecordPending(ctx, sights); err != nil {
		r.log.Warn("recording pending devices", "n", len(sights), "err", err)
	}
}

// close stores what is noted and stops.
func (r *recorder) close() {
	r.once.Do(func() {
		close(r.quit)
		<-r.done
	})
}
