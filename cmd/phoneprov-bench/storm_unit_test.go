package main

import (
	"errors"
	"testing"
	"time"
)

func TestArrivals(t *testing.T) {
	const n, w = 1000, 10 * time.Second
	for _, kind := range []string{"all", "ramp", "poisson"} {
		t.Run(kind, func(t *testing.T) {
			a := arrivals(kind, n, w, 7)
			if len(a) != n {
				t.Fatalf("%d arrivals", len(a))
			}
			for i := 1; i < n; i++ {
				if a[i] < a[i-1] {
					t.Fatalf("arrival %d before %d", i, i-1)
				}
			}
			last := a[n-1]
			switch kind {
			case "all":
				if last != 0 {
					t.Fatalf("last arrival %v, want 0", last)
				}
			case "ramp":
				if last >= w || last < w*99/100 {
					t.Fatalf("last arrival %v, want just under %v", last, w)
				}
			case "poisson": // mean of 1000 exponentials: within 20% of the window
				if last < w*8/10 || last > w*12/10 {
					t.Fatalf("last arrival %v, want about %v", last, w)
				}
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	cases := []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0, time.Millisecond}}
	for _, c := range cases {
		if got := percentile(d, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if percentile(nil, 50) != 0 {
		t.Error("percentile of nothing")
	}
}

func TestConfigValidate(t *testing.T) {
	good := Config{Server: "http://127.0.0.1:8080", Token: "t", SIP: "127.0.0.1:5060"}
	cases := []struct {
		name string
		edit func(*Config)
		want error
	}{
		{"good", func(*Config) {}, nil},
		{"no token", func(c *Config) { c.Token = "" }, ErrMissingFlag},
		{"remote server", func(c *Config) { c.Server = "http://192.0.2.1:8080" }, ErrNotLoopback},
		{"https", func(c *Config) { c.Server = "https://127.0.0.1:8443" }, ErrNotLoopback},
		{"remote sip", func(c *Config) { c.SIP = "example.com:5060" }, ErrNotLoopback},
		{"too many", func(c *Config) { c.Devices = 2000000 }, ErrBadValue},
		{"arrival", func(c *Config) { c.Arrival = "burst" }, ErrBadValue},
		{"transport", func(c *Config) { c.Transport = "tls" }, ErrBadValue},
		{"sources", func(c *Config) { c.Sources = 70000 }, ErrBadValue},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.edit(&c)
			c.applyDefaults()
			if err := c.validate(); !errors.Is(err, tc.want) {
				t.Fatalf("validate = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestDevicesMix(t *testing.T) {
	ds := devices(12, 100, vendors)
	seen := map[string]bool{}
	for _, d := range ds {
		if seen[d.mac] || len(d.mac) != 12 {
			t.Fatalf("MAC %q repeated or malformed", d.mac)
		}
		seen[d.mac] = true
		if len(d.paths) != len(d.v.files) || d.paths[0][0] != '/' {
			t.Fatalf("paths %v", d.paths)
		}
	}
	if ds[0].v.name == ds[1].v.name {
		t.Fatal("the mix does not alternate vendors")
	}
	if got := expandFile("snomD735-{MAC}.htm", "000413abcdef"); got != "/snomD735-000413ABCDEF.htm" {
		t.Fatalf("expandFile = %q", got)
	}
}
