package cli

import (
	"context"
	"log/slog"
	"sort"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/firmware"
	"github.com/phoneprov/phoneprov/provision/api"
	"github.com/phoneprov/phoneprov/sip"
	"github.com/phoneprov/phoneprov/sip/sipauth"
)

// newRegistrar builds the SIP registrar when --sip-addr is on (nil when
// off). It loads the live bindings; serving starts in startNetServices.
func newRegistrar(c *serveConfig, ls *listeners, store *devicedb.Store, promReg *prometheus.Registry, log *slog.Logger) (*sip.Registrar, error) {
	if ls.sipUDP == nil {
		return nil, nil
	}
	regs := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "phoneprov_sip_registers_total",
		Help: "REGISTER requests by outcome."}, []string{"outcome"})
	promReg.MustRegister(regs)
	algs, _ := c.digestAlgorithms()
	r, err := sip.New(sip.Config{Domain: c.Domain, AdvertiseHost: c.PublicHost, Logger: log.With("server", "sip"),
		Auth:       sipauth.Config{Algorithms: algs},
		OnRegister: func(outcome string) { regs.WithLabelValues(outcome).Inc() }}, store)
	if err != nil {
		return nil, err
	}
	promReg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "phoneprov_sip_bindings",
		Help: "Live registrar bindings."}, func() float64 { return float64(len(r.Bindings("", 0))) }))
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

func apiConfig(fw *firmware.Store, reg *sip.Registrar) api.Config {
	c := api.Config{Firmware: fw}
	if reg != nil {
		c.Registrar = apiRegistrar{reg}
	}
	return c
}
