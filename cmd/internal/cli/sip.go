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
	"github.com/phoneprov/phoneprov/sip"
	"github.com/phoneprov/phoneprov/sip/sipauth"
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
		Auth: sipauth.Config{Algorithms: algs}, ChallengeLimit: c.SIPChallengeLimit,
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
type pusher struct{ r *sip.Registrar }

func (p pusher) RegisteredMACs() []string {
	seen := map[string]bool{}
	for _, b := range p.r.Bindings("", 0) {
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
	_, err := p.r.Resync(ctx, mac, event)
	return err
}

// apiRegistrar adapts the registrar to the admin API.
type apiRegistrar struct{ r *sip.Registrar }

func (a apiRegistrar) Bindings(mac string, userID int64) []devicedb.Binding {
	return a.r.Bindings(mac, userID)
}

func (a apiRegistrar) Resync(ctx context.Context, mac, event string) (any, error) {
	return a.r.Resync(ctx, mac, event)
}

func (a apiRegistrar) ResyncState(mac string) (any, bool) { return a.r.ResyncState(mac) }

func (a apiRegistrar) LastRefusal(mac string) (time.Time, int, string, bool) {
	f, ok := a.r.LastRefusal(mac)
	return f.At, f.Line, f.Reason, ok
}

// apiConfig wires the admin API's hooks: firmware, the registrar, the
// frozen configs of imported unsupported devices, welcome links, and what
// follows a device replacement.
func apiConfig(fw *firmware.Store, reg *sip.Registrar, phones *provision.Phones, store *devicedb.Store, linkBase string, log *slog.Logger) api.Config {
	c := api.Config{Firmware: fw, Freeze: phones.Freeze, WelcomeLinkBase: linkBase}
	if reg == nil {
		return c
	}
	c.Registrar = apiRegistrar{reg}
	// The old device's registrations end with it; both devices are told to
	// re-fetch (the old one then finds nothing, the new one its lines).
	c.OnReplaced = func(_ context.Context, oldMAC, newMAC string) {
		// The replacement's transaction deleted the stored bindings; the
		// registrar's copy in memory goes now, before the answer, so that
		// GET /registrations agrees at once. The re-syncs take seconds.
		dropped := reg.Drop(oldMAC)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
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
		}()
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

// start writes the counts every registerCountsEvery until the returned
// stop, which writes the last ones.
func (c *registerCounts) start(store *devicedb.Store, log *slog.Logger) (stop func()) {
	flush := func() {
		batch := map[string]int{}
		for o, n := range c.n {
			if v := n.Swap(0); v > 0 {
				batch[o] = int(v)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := store.AddRegisterCounts(ctx, time.Now(), batch); err != nil {
			log.Warn("writing REGISTER counts", "err", err)
		}
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(registerCountsEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				flush()
			case <-done:
				flush()
				return
			}
		}
	}()
	return func() { close(done); <-finished }
}
