package cli

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/sip"
	sipdns "github.com/phoneprov/phoneprov/sip/dns"
	"github.com/phoneprov/phoneprov/sip/stun"
)

// startNetServices starts the DNS (and later STUN and SIP) servers on the
// listeners made for them and returns a function that stops them.
func startNetServices(c *serveConfig, ls *listeners, reg *sip.Registrar, store *devicedb.Store, log *slog.Logger) (func(), error) {
	var stops []func(context.Context) error
	if reg != nil {
		serves := []func() error{func() error { return reg.ServeUDP(ls.sipUDP) }, func() error { return reg.ServeTCP(ls.sipTCP) }}
		if ls.sips != nil {
			serves = append(serves, func() error { return reg.ServeTLS(ls.sips) })
		}
		for _, serve := range serves {
			go func() {
				if err := serve(); err != nil && !errors.Is(err, sip.ErrServerClosed) {
					log.Error("sip server", "err", err)
				}
			}()
		}
		stops = append(stops, reg.Shutdown)
	}
	if ls.stun != nil {
		st, err := stun.New(stun.Config{Logger: log.With("server", "stun")})
		if err != nil {
			return nil, err
		}
		go func() {
			if err := st.Serve(ls.stun); err != nil {
				log.Error("stun server", "err", err)
			}
		}()
		stops = append(stops, func(context.Context) error { return st.Close() })
	}
	if ls.dnsUDP != nil {
		ip := net.ParseIP(c.PublicHost)
		if ip == nil {
			ip = net.ParseIP(firstPublicIP())
		}
		dc := sipdns.Config{Domain: c.Domain, Addresses: []net.IP{ip}, PublicHost: c.PublicHost,
			STUNPort: ls.stunPort(), Logger: log.With("server", "dns")}
		if reg != nil {
			dc.SIPUDPPort, dc.SIPTCPPort, dc.SIPSPort = ls.sipPort(), ls.sipPort(), ls.sipsPort()
		}
		d, err := sipdns.New(dc)
		if err != nil {
			return nil, err
		}
		if store.Shared() && reg != nil {
			pctx, stop := context.WithCancel(context.Background())
			go publishNodes(pctx, store, d, log)
			stops = append(stops, func(context.Context) error { stop(); return nil })
		}
		for _, serve := range []func() error{func() error { return d.ServeUDP(ls.dnsUDP) }, func() error { return d.ServeTCP(ls.dnsTCP) }} {
			go func() {
				if err := serve(); err != nil && !errors.Is(err, sipdns.ErrServerClosed) {
					log.Error("dns server", "err", err)
				}
			}()
		}
		stops = append(stops, d.Shutdown)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, stop := range stops {
			if err := stop(ctx); err != nil {
				log.Warn("stopping server", "err", err)
			}
		}
	}, nil
}
