package provision

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/phoneprov/phoneprov/provision/ident"
)

// Pusher is what the re-sync watcher needs of the registrar: which devices
// are registered, and a way to make one re-fetch its config.
type Pusher interface {
	// RegisteredMACs lists the devices with live bindings.
	RegisteredMACs() []string
	// Push sends the re-sync NOTIFY with the given Event to a device.
	Push(ctx context.Context, mac, event string) error
}

// served is what a device last fetched: enough to render that file again
// and tell whether it changed.
type served struct {
	id   ident.Identity
	path string
	etag string
}

// noteServed remembers the per-device file a device fetched last.
func (p *Phones) noteServed(id *ident.Identity, path, etag string) {
	if id.Kind != ident.KindDevice && id.Kind != ident.KindPhoneConfig {
		return
	}
	p.servedMu.Lock()
	p.served[id.MAC] = served{id: *id, path: path, etag: etag}
	p.servedMu.Unlock()
}

// WatchChanges pushes a re-sync to every registered device whose config an
// admin change altered: after the store (or the firmware store) changes,
// it waits for writes to settle for debounce, renders the file each
// registered device last fetched and notifies those where it differs. It
// returns when ctx ends.
func (p *Phones) WatchChanges(ctx context.Context, push Pusher, debounce time.Duration) {
	tick := time.NewTicker(debounce)
	defer tick.Stop()
	last := p.generation()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		gen := p.generation()
		if gen == last {
			continue
		}
		// Let a burst of writes (an import, a script) finish first.
		for settled := false; !settled; {
			select {
			case <-ctx.Done():
				return
			case <-time.After(debounce):
			}
			g := p.generation()
			settled, gen = g == gen, g
		}
		last = gen
		p.pushChanged(ctx, push)
	}
}

// pushChanged re-renders what each registered device last fetched and
// pushes a re-sync where it changed.
func (p *Phones) pushChanged(ctx context.Context, push Pusher) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for _, mac := range push.RegisteredMACs() {
		p.servedMu.Lock()
		s, ok := p.served[mac]
		p.servedMu.Unlock()
		if !ok {
			continue
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.path, nil)
		if err != nil {
			continue
		}
		id := s.id
		e, err := p.config(req, &id)
		if err == nil && e.etag == s.etag {
			continue
		}
		// Changed, or no longer served (retired, removed): either way the
		// phone must look again.
		m, ok := p.store.Catalog().Lookup(s.id.Model)
		if !ok || m.ResyncEvent == "" {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(mac, event string) {
			defer func() { <-sem; wg.Done() }()
			if err := push.Push(ctx, mac, event); err != nil {
				p.log.Warn("re-sync after change", "mac", mac, "err", err)
			} else {
				p.log.Info("re-sync pushed after change", "mac", mac, "event", event)
			}
		}(mac, m.ResyncEvent)
	}
	wg.Wait()
}
