package cli

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/firmware"
	"github.com/phoneprov/phoneprov/provision"
	"github.com/phoneprov/phoneprov/provision/api"
	"github.com/phoneprov/phoneprov/provision/jobs"
	"github.com/phoneprov/phoneprov/sip"
	"github.com/phoneprov/phoneprov/sip/digest"
)

// newRegistrar builds the SIP registrar when --sip-addr is on (nil when
// off). It loads the live bindings; serving starts in startNetServices.
func newRegistrar(c *serveConfig, ls *listeners, store *devicedb.Store, promReg *prometheus.Registry, log *slog.Logger, counts *registerCounts) (*sip.Registrar, error) {
	if ls.sipUDP == nil {
		return nil, nil
	}
	regs := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "phoneprov_sip_registers_total",
		Help: "REGISTER requests by outcome."}, []string{"outcome"})
	promReg.MustRegister(regs)
	algs, _ := c.digestAlgorithms()
	r, err := sip.New(sip.Config{Domain: c.Domain, AdvertiseHost: c.PublicHost, Logger: log.With("server", "sip"),
		Auth: digest.Config{Algorithms: algs}, ChallengeLimit: c.SIPChallengeLimit,
		OnRegister: func(outcome string) { regs.WithLabelValues(outcome).Inc(); counts.add(outcome) }}, store)
	if err != nil {
		return nil, err
	}
	promReg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "phoneprov_sip_bindings",
		Help: "Live registrar bindings."}, func() float64 { return float64(r.BindingCount()) }))
	promReg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "phoneprov_sip_udp_dropped_total",
		Help: "UDP REGISTERs dropped because the registrar's queue was full (the phone retransmits)."},
		func() float64 { return float64(r.UDPDropped()) }))
	promReg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "phoneprov_sip_udp_shed_total",
		Help: "UDP REGISTERs without credentials answered 503 with Retry-After because the registrar was overloaded."},
		func() float64 { return float64(r.UDPShed()) }))
	return r, nil
}

// pusher adapts the registrar to the config server's re-sync watcher.
type pusher struct{ r nodeRegistrar }

func (p pusher) RegisteredMACs() []string {
	seen := map[string]bool{}
	for _, b := range p.r.bindings("", 0) {
		seen[b.MAC] = true
	}
	out := make([]string, 0, len(seen))
	for m := range seen {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

func (p pusher) Push(ctx context.Context, mac, event string) error {
	_, err := p.r.resync(ctx, mac, event)
	return err
}

// apiRegistrar is the registrar as the admin API sees it: its own
// Bindings, Resync and ResyncState, and LastRefusal flattened.
type apiRegistrar struct {
	*sip.Registrar
	node nodeRegistrar
}

// Bindings are every node's, on a shared database.
func (a apiRegistrar) Bindings(mac string, userID int64) []devicedb.Binding {
	return a.node.bindings(mac, userID)
}

// ResyncState is the last re-sync of the device sent by any node: this
// node's own, or a newer one another node told of.
func (a apiRegistrar) ResyncState(mac string) (devicedb.ResyncInfo, bool) {
	local, lok := a.Registrar.ResyncState(mac)
	remote, rok := a.node.share.state(mac)
	switch {
	case !rok:
		return local, lok
	case !lok || remote.SentAt.After(local.SentAt):
		return remote, true
	}
	if local.ConfirmedAt.IsZero() && remote.SentAt.Equal(local.SentAt) {
		local.ConfirmedAt = remote.ConfirmedAt // the confirming fetch came to another node
	}
	return local, true
}

// Resync goes out from the node holding the device's registration.
func (a apiRegistrar) Resync(ctx context.Context, mac, event string) ([]devicedb.NotifyResult, error) {
	return a.node.resync(ctx, mac, event)
}

var (
	_ api.Registrar       = apiRegistrar{}
	_ api.RefusalReporter = apiRegistrar{}
)

func (a apiRegistrar) LastRefusal(mac string) (time.Time, int, string, bool) {
	f, ok := a.Registrar.LastRefusal(mac)
	return f.At, f.Line, f.Reason, ok
}

// apiConfig wires the admin API's hooks: firmware, the registrar, the
// frozen configs of imported unsupported devices, welcome links, and what
// follows a device replacement.
func apiConfig(fw *firmware.Store, reg *sip.Registrar, phones *provision.Phones, store *devicedb.Store, share *resyncShare, linkBase string, log *slog.Logger, bg *jobs.Group) api.Config {
	c := api.Config{Firmware: fw, Freeze: phones.Freeze, WelcomeLinkBase: linkBase, Jobs: bg}
	if reg == nil {
		return c
	}
	c.Registrar = apiRegistrar{reg, nodeRegistrar{reg, store, share}}
	// The old device's registrations end with it; both devices are told to
	// re-fetch (the old one then finds nothing, the new one its lines).
	c.OnReplaced = func(ctx context.Context, oldMAC, newMAC string) {
		// The replacement's transaction deleted the stored bindings; the
		// registrar's copy in memory goes now, before the answer, so that
		// GET /registrations agrees at once. The re-syncs take seconds.
		dropped := reg.Drop(oldMAC)
		bg.GoFrom(ctx, func(ctx context.Context) {
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			for _, mac := range []string{oldMAC, newMAC} {
				d, err := store.GetDevice(ctx, mac)
				if err != nil {
					continue
				}
				m, _ := store.Catalog().Lookup(d.Model)
				if mac == oldMAC {
					_, err = reg.ResyncTo(ctx, mac, m.ResyncEvent, dropped)
				} else {
					_, err = reg.Resync(ctx, mac, m.ResyncEvent)
				}
				if err != nil && !errors.Is(err, sip.ErrNotRegistered) {
					log.Warn("re-sync after replacement", "mac", mac, "err", err)
				}
			}
		})
	}
	return c
}

// registerCounts gathers REGISTER outcomes in memory for the overview's
// hourly series (challenges left out: they are the normal first step);
// start writes them to the store in batches, off the hot path.
type registerCounts struct {
	n map[string]*atomic.Int64 // fixed at creation: read concurrently
}

func newRegisterCounts() *registerCounts {
	c := &registerCounts{n: map[string]*atomic.Int64{}}
	for _, o := range []string{sip.OutcomeOK, sip.OutcomeUnauthorized, sip.OutcomeForbidden, sip.OutcomeBadRequest, sip.OutcomeTooBrief,
		sip.OutcomeOutOfOrder, sip.OutcomeThrottled, sip.OutcomeDropped, sip.OutcomeError} {
		c.n[o] = new(atomic.Int64)
	}
	return c
}

func (c *registerCounts) add(outcome string) {
	if n := c.n[outcome]; n != nil {
		n.Add(1)
	}
}

// registerCountsEvery is how often the counts are written.
const registerCountsEvery = 5 * time.Second

// run writes the counts every registerCountsEvery until ctx ends, then
// writes the last ones.
func (c *registerCounts) run(ctx context.Context, store *devicedb.Store, log *slog.Logger) {
	flush := func() {
		batch := map[string]int{}
		for o, n := range c.n {
			if v := n.Swap(0); v > 0 {
				batch[o] = int(v)
			}
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := store.AddRegisterCounts(ctx, time.Now(), batch); err != nil {
			log.Warn("writing REGISTER counts", "err", err)
		}
	}
	t := time.NewTicker(registerCountsEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			flush()
		case <-ctx.Done():
			flush()
			return
		}
	}
}
