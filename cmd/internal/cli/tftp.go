package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/phoneprov/phoneprov/provision"
	"github.com/phoneprov/phoneprov/provision/tftp"
)

// startTFTP serves phones' files over TFTP on conn until ctx ends or the
// returned stop is called (which waits for the transfers to end). TFTP
// cannot authenticate a device, so start-up says what it will serve.
func startTFTP(ctx context.Context, conn net.PacketConn, phones *provision.Phones, allow []netip.Prefix,
	reg prometheus.Registerer, log *slog.Logger) (stop func(), err error) {
	log = log.With("component", "tftp")
	dropped := prometheus.NewCounter(prometheus.CounterOpts{Name: "phoneprov_tftp_dropped_total",
		Help: "TFTP read requests dropped because the transfer caps were reached (the phone retries)."})
	if err := reg.Register(dropped); err != nil {
		return nil, err
	}
	s, err := tftp.New(tftp.Config{Source: phones.TFTP(), Logger: log, OnDropped: dropped.Inc})
	if err != nil {
		return nil, err
	}
	if len(allow) == 0 {
		log.Warn("TFTP serves only files without secrets (shared files, firmware): TFTP cannot authenticate a device, and --allow is any; set --allow to the phones' networks to serve their configs over TFTP",
			"addr", conn.LocalAddr().String())
	} else {
		log.Info("TFTP serves device configs (they hold SIP credentials) only to sources inside --allow, since TFTP cannot authenticate a device; shared files and firmware to those sources too",
			"addr", conn.LocalAddr().String(), "allow", fmt.Sprint(allow))
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.Serve(ctx, conn); err != nil {
			log.Error("tftp server stopped", "err", err)
		}
	}()
	return func() { cancel(); <-done }, nil
}
