package cli

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
)

// resyncShare makes a re-sync's outcome the same on every node of a
// cluster: the node that sent the NOTIFY tells all nodes its results, and
// a node that serves the phone's confirming fetch tells all nodes, over
// the change feed, so GET /devices/{mac}/resync answers alike wherever it
// is asked. A nil *resyncShare (one node) does nothing.
type resyncShare struct {
	store *devicedb.Store
	log   *slog.Logger
	now   func() time.Time

	mu sync.Mutex
	m  map[string]*devicedb.ResyncInfo // by MAC
}

const (
	// resyncShareMax bounds the outcomes a node keeps of re-syncs sent by
	// others; the oldest go first.
	resyncShareMax = 10000
	// resyncShareKeep is how long they are kept (as the registrar keeps
	// its own).
	resyncShareKeep = 24 * time.Hour
	// feedPayloadMax stays under PostgreSQL's NOTIFY payload limit (8000
	// bytes) with room for the topic.
	feedPayloadMax = 7800
)

// newResyncShare subscribes to the other nodes' re-sync outcomes; nil
// when the store is not shared.
func newResyncShare(store *devicedb.Store, log *slog.Logger) *resyncShare {
	if store == nil || !store.Shared() {
		return nil
	}
	s := &resyncShare{store: store, log: log, now: time.Now, m: map[string]*devicedb.ResyncInfo{}}
	store.Subscribe("resync-done", s.onDone)
	store.Subscribe("resync-confirmed", s.onConfirmed)
	return s
}

// sent tells every node (this one too) the outcome of a re-sync this node
// sent to mac.
func (s *resyncShare) sent(ctx context.Context, mac string, info devicedb.ResyncInfo) {
	if s == nil {
		return
	}
	b, err := json.Marshal(info)
	for err == nil && len(b) > feedPayloadMax-len(mac)-1 && len(info.Results) > 0 {
		// a phone with very many bindings: the first results tell enough
		info.Results = info.Results[:len(info.Results)/2]
		b, err = json.Marshal(info)
	}
	if err == nil {
		err = s.store.Broadcast(ctx, "resync-done", mac+" "+string(b))
	}
	if err != nil {
		s.log.Warn("telling the other nodes a re-sync's outcome", "mac", mac, "err", err)
	}
}

// fetched is told of every config fetch of a known device on this node:
// the first one after a re-sync any node sent confirms it, on all nodes.
func (s *resyncShare) fetched(mac string, at time.Time) {
	if s == nil {
		return
	}
	s.mu.Lock()
	info := s.m[mac]
	pending := info != nil && info.ConfirmedAt.IsZero() && !at.Before(info.SentAt)
	if pending {
		info.ConfirmedAt = at // here at once: the phone's next fetches tell nobody again
	}
	s.mu.Unlock()
	if !pending {
		return
	}
	// off the phone's request: the notice is a database round trip
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.store.Broadcast(ctx, "resync-confirmed", mac+" "+at.UTC().Format(time.RFC3339Nano)); err != nil {
			s.log.Warn("telling the other nodes a re-sync was confirmed", "mac", mac, "err", err)
		}
	}()
}

func (s *resyncShare) onDone(p string) {
	mac, js, ok := strings.Cut(p, " ")
	var info devicedb.ResyncInfo
	if !ok || json.Unmarshal([]byte(js), &info) != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.m[mac]; old != nil && old.SentAt.After(info.SentAt) {
		return
	}
	if _, ok := s.m[mac]; !ok && len(s.m) >= resyncShareMax {
		s.pruneLocked()
	}
	s.m[mac] = &info
}

// pruneLocked drops the outcomes past resyncShareKeep, and the oldest
// tenth when that frees nothing.
func (s *resyncShare) pruneLocked() {
	cut := s.now().Add(-resyncShareKeep)
	for k, v := range s.m {
		if v.SentAt.Before(cut) {
			delete(s.m, k)
		}
	}
	if len(s.m) < resyncShareMax*9/10 {
		return
	}
	macs := make([]string, 0, len(s.m))
	for k := range s.m {
		macs = append(macs, k)
	}
	slices.SortFunc(macs, func(a, b string) int { return s.m[a].SentAt.Compare(s.m[b].SentAt) })
	for _, k := range macs[:len(macs)-resyncShareMax*9/10] {
		delete(s.m, k)
	}
}

func (s *resyncShare) onConfirmed(p string) {
	mac, ts, ok := strings.Cut(p, " ")
	at, err := time.Parse(time.RFC3339Nano, ts)
	if !ok || err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if info := s.m[mac]; info != nil && info.ConfirmedAt.IsZero() && !at.Before(info.SentAt) {
		info.ConfirmedAt = at
	}
}

// state is the last re-sync of mac any node sent, as told over the feed.
func (s *resyncShare) state(mac string) (devicedb.ResyncInfo, bool) {
	if s == nil {
		return devicedb.ResyncInfo{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	info, ok := s.m[mac]
	if !ok || s.now().Sub(info.SentAt) > resyncShareKeep {
		return devicedb.ResyncInfo{}, false
	}
	out := *info
	out.Results = append([]devicedb.NotifyResult(nil), info.Results...)
	return out, true
}
