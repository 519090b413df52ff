// Command stunbench serves phoneprov's STUN responder on a loopback UDP
// address for a bounded time, for the load comparison in sip/stun/bench.
//
//	go run ./sip/stun/internal/stunbench -addr 127.0.0.1:3480 -for 2m
//
// The per-source limit is set far above any load (the load generator sends
// from one address), so the limiter runs on every answer but never drops.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/phoneprov/phoneprov/sip/stun"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3480", "UDP address to serve (loopback only)")
	dur := flag.Duration("for", time.Minute, "serve this long, then exit (at most 30m)")
	workers := flag.Int("workers", stun.DefaultWorkers, "reading goroutines")
	flag.Parse()
	if err := run(*addr, *dur, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "stunbench:", err)
		os.Exit(1)
	}
}

func run(addr string, dur time.Duration, workers int) error {
	if dur <= 0 || dur > 30*time.Minute {
		return fmt.Errorf("-for %v: must be in (0, 30m]", dur)
	}
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return err
	}
	if !ua.IP.IsLoopback() {
		return fmt.Errorf("refusing non-loopback address %s", ua)
	}
	srv, err := stun.New(stun.Config{RatePerSecond: 1e9, Burst: 1e6, Workers: workers})
	if err != nil {
		return err
	}
	pc, err := net.ListenUDP("udp", ua)
	if err != nil {
		return err
	}
	_ = pc.SetReadBuffer(1 << 20)
	fmt.Printf("serving %s for %v with %d workers\n", pc.LocalAddr(), dur, workers)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		select {
		case <-sig:
		case <-time.After(dur):
		}
		_ = srv.Close()
	}()
	return srv.Serve(pc)
}
