package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/phoneprov/phoneprov/provision"
	"github.com/phoneprov/phoneprov/provision/jobs"
	"github.com/phoneprov/phoneprov/provision/tftp"
)

// startTFTP serves phones' files over TFTP on conn in bg until it stops
// (which waits for the transfers to end). TFTP cannot authenticate a
// device, so start-up says what it will serve.
func startTFTP(bg *jobs.Group, conn net.PacketConn, phones *provision.Phones, allow []netip.Prefix,
	reg prometheus.Registerer, log *slog.Logger) error {
	log = log.With("component", "tftp")
	dropped := prometheus.NewCounter(prometheus.CounterOpts{Name: "phoneprov_tftp_dropped_total",
		Help: "TFTP read requests dropped because the transfer caps were reached (the phone retries)."})
	if err := reg.Register(dropped); err != nil {
		return err
	}
	s, err := tftp.New(tftp.Config{Source: phones.TFTP(), Logger: log, OnDropped: dropped.Inc})
	if err != nil {
		return err
	}
	if len(allow) == 0 {
		log.Warn("TFTP serves only files without secrets (shared files, firmware): TFTP cannot authenticate a device, and --allow is any; set --allow to the phones' networks to serve their configs over TFTP",
			"addr", conn.LocalAddr().String())
	} else {
		log.Info("TFTP serves device configs (they hold SIP credentials) only to sources inside --allow, since TFTP cannot authenticate a device; shared files and firmware to those sources too",
			"addr", conn.LocalAddr().String(), "allow", fmt.Sprint(allow))
	}
	bg.Go(func(ctx context.Context) {
		if err := s.Serve(ctx, conn); err != nil {
			log.Error("tftp server stopped", "err", err)
		}
	})
	return nil
}
