package provision

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/phoneprov/phoneprov/templates"
)

// Pusher is what the re-sync watcher needs of the registrar: which devices
// are registered, and a way to make one re-fetch its config.
type Pusher interface {
	// RegisteredMACs lists the devices with live bindings.
	RegisteredMACs() []string
	// Push sends the re-sync NOTIFY with the given Event to a device.
	Push(ctx context.Context, mac, event string) error
}

// served is what a device last fetched: the request, to decide on it
// again, and the file's ETag, to tell whether it changed.
type served struct {
	req   PhoneRequest
	model string
	etag  string
}

// noteServed remembers the per-device file a device fetched last.
func (p *Phones) noteServed(req PhoneRequest, d *Decision) {
	if d.ID.Kind != templates.KindDevice && d.ID.Kind != templates.KindPhone {
		return
	}
	req.Authorization, req.proven = "", true
	p.servedMu.Lock()
	model := d.model // the device's own: TFTP's file names may not tell it
	if model == "" {
		model = d.ID.Model
	}
	p.served[d.ID.MAC] = served{req: req, model: model, etag: d.ETag}
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
		if d := p.Decide(ctx, s.req); d.Status == http.StatusOK && d.ETag == s.etag {
			continue
		}
		// Changed, or no longer served (retired, removed): either way the
		// phone must look again.
		m, ok := p.store.Catalog().Lookup(s.model)
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
