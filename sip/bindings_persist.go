package sip

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
)

// persister writes binding changes to the Directory behind the REGISTER
// path and expires old bindings. A change only marks its key dirty; a
// flush reads the current state of each dirty key from the table and
// upserts or deletes it, so any number of refreshes of one binding between
// two flushes cost one row write.
type persister struct {
	r    *Registrar
	kick chan struct{}
	quit chan struct{}
	done chan struct{}

	mu    sync.Mutex
	dirty map[devicedb.BindingKey]struct{}
}

func startPersister(r *Registrar) *persister {
	p := &persister{
		r: r, kick: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{}),
		dirty: make(map[devicedb.BindingKey]struct{}),
	}
	go p.loop()
	return p
}

// mark records that the bindings of aor with these contacts changed.
func (p *persister) mark(aor string, contacts []string) {
	if len(contacts) == 0 {
		return
	}
	p.mu.Lock()
	for _, c := range contacts {
		p.dirty[devicedb.BindingKey{AOR: aor, Contact: c}] = struct{}{}
	}
	full := len(p.dirty) >= p.r.cfg.FlushBatch
	p.mu.Unlock()
	if full {
		select {
		case p.kick <- struct{}{}:
		default:
		}
	}
}

func (p *persister) loop() {
	defer close(p.done)
	flush := time.NewTicker(p.r.cfg.FlushInterval)
	defer flush.Stop()
	sweep := time.NewTicker(p.r.cfg.SweepInterval)
	defer sweep.Stop()
	for {
		select {
		case <-p.quit:
			return
		case <-flush.C:
		case <-p.kick:
		case <-sweep.C:
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			if err := p.r.sweep(ctx); err != nil {
				p.r.log.Warn("registrar: expiring bindings", "error", err)
			}
			cancel()
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := p.flush(ctx); err != nil {
			p.r.log.Warn("registrar: saving bindings", "error", err)
		}
		cancel()
	}
}

// flush writes the dirty bindings. On failure they stay dirty, to be
// written by the next flush.
func (p *persister) flush(ctx context.Context) error {
	p.mu.Lock()
	if len(p.dirty) == 0 {
		p.mu.Unlock()
		return nil
	}
	keys := p.dirty
	p.dirty = make(map[devicedb.BindingKey]struct{}, len(keys))
	p.mu.Unlock()
	now := p.r.cfg.Now().Unix()
	var ups []devicedb.Binding
	var dels []devicedb.BindingKey
	for k := range keys {
		if b, ok := p.r.table.get(k); ok && b.expires > now {
			ups = append(ups, b.record(k.AOR))
		} else {
			dels = append(dels, k)
		}
	}
	if err := p.r.dir.SaveBindings(ctx, ups, dels); err != nil {
		p.mu.Lock()
		for k := range keys {
			p.dirty[k] = struct{}{}
		}
		p.mu.Unlock()
		return err
	}
	return nil
}

// stop ends the loop and writes what is still dirty, the expiries of
// refreshes included.
func (p *persister) stop(ctx context.Context) error {
	close(p.quit)
	select {
	case <-p.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	p.catchUp(1<<62 - 1)
	return p.flush(ctx)
}

// catchUp marks dirty the bindings whose written expiry lags their
// expiry and comes at or before horizon (Unix seconds).
func (p *persister) catchUp(horizon int64) {
	keys := p.r.table.lagging(p.r.cfg.Now().Unix(), horizon)
	if len(keys) == 0 {
		return
	}
	p.mu.Lock()
	for _, k := range keys {
		p.dirty[k] = struct{}{}
	}
	p.mu.Unlock()
}

// pending returns the number of bindings waiting to be written.
func (p *persister) pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.dirty)
}

// sweep removes the bindings expired now from memory and the Directory.
// First it writes the expiries of refreshes whose written row would lapse
// before the next sweep, so no live binding's row is deleted.
func (r *Registrar) sweep(ctx context.Context) error {
	now := r.cfg.Now()
	r.persist.catchUp(now.Add(2 * r.cfg.SweepInterval).Unix())
	if err := r.persist.flush(ctx); err != nil {
		return err
	}
	r.table.sweep(now.Unix())
	_, err := r.dir.DeleteExpiredBindings(ctx, now)
	return err
}

// sortBindings orders bindings by AOR, then contact.
func sortBindings(bs []devicedb.Binding) {
	slices.SortFunc(bs, func(a, b devicedb.Binding) int {
		if c := strings.Compare(a.AOR, b.AOR); c != 0 {
			return c
		}
		return strings.Compare(a.Contact, b.Contact)
	})
}
