package sip

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/sip/digest"
)

// TestConfig: New refuses bad configs with named errors.
func TestConfig(t *testing.T) {
	st := openStore(t)
	for _, tc := range []struct {
		name string
		cfg  Config
		want error
	}{
		{"no domain", Config{}, ErrConfigDomain},
		{"domain with a space", Config{Domain: "phone prov"}, ErrConfigDomain},
		{"min above max", Config{Domain: testDomain, MinExpires: 600, MaxExpires: 300, DefaultExpires: 300}, ErrConfigExpires},
		{"default below min", Config{Domain: testDomain, DefaultExpires: 30}, ErrConfigExpires},
		{"default above max", Config{Domain: testDomain, MaxExpires: 600}, ErrConfigExpires},
		{"negative contacts", Config{Domain: testDomain, MaxContactsPerAOR: -1}, ErrConfigRange},
		{"negative interval", Config{Domain: testDomain, FlushInterval: -time.Second}, ErrConfigRange},
		{"tiny messages", Config{Domain: testDomain, MaxMessageSize: 100}, ErrConfigRange},
		{"huge messages", Config{Domain: testDomain, MaxMessageSize: 1 << 20}, ErrConfigRange},
		{"CR in user agent", Config{Domain: testDomain, UserAgent: "phoneprov\r\nX: 1"}, ErrConfigHeader},
		{"bad advertise host", Config{Domain: testDomain, AdvertiseHost: "a b"}, ErrConfigHeader},
		{"bad auth", Config{Domain: testDomain, Auth: digest.Config{Algorithms: []string{"SHA-512"}}}, digest.ErrConfigAlgorithm},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.cfg, st); !errors.Is(err, tc.want) {
				t.Fatalf("New: %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := New(Config{Domain: testDomain}, nil); !errors.Is(err, ErrNoDirectory) {
		t.Fatalf("nil directory: %v", err)
	}
}

// TestConfigDefaults: zero fields get the documented defaults.
func TestConfigDefaults(t *testing.T) {
	c := Config{Domain: "PhoneProv.Test"}.withDefaults()
	if err := c.validate(); err != nil {
		t.Fatal(err)
	}
	if c.Domain != "phoneprov.test" || c.MinExpires != 60 || c.MaxExpires != 3600 || c.DefaultExpires != 3600 ||
		c.MaxContactsPerAOR != 10 || c.FlushInterval != time.Second || c.FlushBatch != 1000 || c.SweepInterval != 30*time.Second ||
		c.UserAgent != "phoneprov" || c.Auth.Realm != "phoneprov.test" || len(c.Auth.Algorithms) != 2 || c.Auth.Algorithms[0] != "MD5" || c.IdleTimeout != 3660*time.Second ||
		c.MaxMessageSize != 16384 || len(c.ScannerUserAgents) != len(DefaultScannerUserAgents()) || c.Logger == nil || c.Now == nil ||
		c.ChallengeLimit != 200 {
		t.Fatalf("defaults %+v", c)
	}
	if c := (Config{Domain: "x", ScannerUserAgents: []string{" SIPVicious ", ""}}).withDefaults(); len(c.ScannerUserAgents) != 1 || c.ScannerUserAgents[0] != "sipvicious" {
		t.Fatalf("scanner list %q", c.ScannerUserAgents)
	}
}

// TestServeErrors: nil listeners and serving after Shutdown.
func TestServeErrors(t *testing.T) {
	st := openStore(t)
	r, err := New(Config{Domain: testDomain}, st)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.ServeUDP(nil); !errors.Is(err, ErrNoListener) {
		t.Errorf("ServeUDP(nil): %v", err)
	}
	if err := r.ServeTCP(nil); !errors.Is(err, ErrNoListener) {
		t.Errorf("ServeTCP(nil): %v", err)
	}
	if err := r.ServeTLS(nil); !errors.Is(err, ErrNoListener) {
		t.Errorf("ServeTLS(nil): %v", err)
	}
	ctx, cancel := context.WithTimeout(bg, 5*time.Second)
	defer cancel()
	if err := r.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := r.ServeTCP(l); !errors.Is(err, ErrServerClosed) {
		t.Errorf("ServeTCP after Shutdown: %v", err)
	}
}
