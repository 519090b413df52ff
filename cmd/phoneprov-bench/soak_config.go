package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// SoakConfig is one soak run: a mixed load at fixed rates for Duration,
// with the server sampled every Sample.
type SoakConfig struct {
	Server    string        // phoneprov base URL on loopback, http://127.0.0.1:PORT (required)
	Token     string        // admin API bearer token (required; the CLI reads it from --token-file)
	SIP       string        // registrar address on loopback, HOST:PORT (required)
	Domain    string        // SIP domain; default "phoneprov.test"
	Debug     string        // the server's --debug-addr as http://127.0.0.1:PORT; default: found among the server's listeners
	PID       int           // server process; 0: the one listening on the --server port
	Devices   int           // phones, 1..100,000; default 2000
	Base      int           // offset of MACs and user names, as storm's; default 0
	Reuse     bool          // the account was seeded before (seed, storm): do not seed; default false
	SeedVia   string        // "api" or "import"; default import above 1,000 phones
	Duration  time.Duration // length of the load, 5 s..24 h; default 10m
	Sample    time.Duration // sampling interval, at most Duration/5; default 10s
	Fetches   float64       // config fetches per second; 0: none (the flag's default: 200)
	Registers float64       // REGISTER operations (register, refresh or unregister) per second; 0: none (flag: 100)
	Admin     float64       // admin writes per second; 0: none (flag: 5)
	Expires   int           // Expires of the registrations, >= the server's minimum (60); default 60
	Unreg     float64       // share of the REGISTER operations on a registered phone that unregister it; 0: none (flag: 0.1)
	Transport string        // "udp" or "tcp"; default "udp"
	SIPConns  int           // SIP client sockets, each phone keeps one; default 32
	Sources   int           // loopback source addresses of the fetches (127.0.0.1…); default 16
	Step      time.Duration // bound on one request or REGISTER exchange; default 10s
	Slots     int           // admin objects cycled (user, device); default 20
	RSSTol    float64       // RSS growth tolerated, per cent; 0: none (flag: 10)
	GorTol    int           // goroutine growth tolerated; 0: none (flag: 50)
	MaxErrors float64       // share of failed requests tolerated; 0: none (flag: 0.001)
	SeedTime  time.Duration // bound on seeding and setup; default 20m
}

func (c *SoakConfig) applyDefaults() {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&c.Domain, "phoneprov.test")
	def(&c.Transport, "udp")
	defInt := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	defInt(&c.Devices, 2000)
	defInt(&c.Expires, 60)
	defInt(&c.SIPConns, 32)
	defInt(&c.Sources, 16)
	defInt(&c.Slots, 20)
	defDur := func(p *time.Duration, v time.Duration) {
		if *p == 0 {
			*p = v
		}
	}
	defDur(&c.Duration, 10*time.Minute)
	defDur(&c.Sample, 10*time.Second)
	defDur(&c.Step, 10*time.Second)
	defDur(&c.SeedTime, 20*time.Minute)
	c.SeedVia = seedVia(c.SeedVia, c.Devices)
	c.Server = strings.TrimRight(c.Server, "/")
	c.Debug = strings.TrimRight(c.Debug, "/")
}

func (c *SoakConfig) validate() error {
	if c.Server == "" || c.Token == "" || c.SIP == "" {
		return fmt.Errorf("%w: --server, --token-file and --sip", ErrMissingFlag)
	}
	if err := checkServer("--server", c.Server); err != nil {
		return err
	}
	if c.Debug != "" {
		if err := checkServer("--debug", c.Debug); err != nil {
			return err
		}
	}
	if err := checkSIP("--sip", c.SIP); err != nil {
		return err
	}
	switch {
	case c.Devices < 1 || c.Devices > 100000:
		return fmt.Errorf("--devices %d: %w (1..100000)", c.Devices, ErrBadValue)
	case c.Base < 0 || c.Base+c.Devices > 0xffffff:
		return fmt.Errorf("--base %d: %w", c.Base, ErrBadValue)
	case c.SeedVia != viaAPI && c.SeedVia != viaImport:
		return fmt.Errorf("--seed-via %q: %w (api, import)", c.SeedVia, ErrBadValue)
	case c.Duration < 5*time.Second || c.Duration > 24*time.Hour:
		return fmt.Errorf("--duration %v: %w (5s..24h)", c.Duration, ErrBadValue)
	case c.Sample < 100*time.Millisecond || c.Sample*5 > c.Duration:
		return fmt.Errorf("--sample %v: %w (100ms..duration/5: every fifth needs a sample)", c.Sample, ErrBadValue)
	case c.Fetches < 0 || c.Fetches > 10000 || c.Registers < 0 || c.Registers > 10000 || c.Admin < 0 || c.Admin > 100:
		return fmt.Errorf("--fetch-rate 0..10000, --register-rate 0..10000, --admin-rate 0..100: %w", ErrBadValue)
	case c.Expires < 1 || c.Unreg < 0 || c.Unreg > 1:
		return fmt.Errorf("--expires >= 1, --unregister 0..1: %w", ErrBadValue)
	case c.Transport != "udp" && c.Transport != "tcp":
		return fmt.Errorf("--transport %q: %w (udp, tcp)", c.Transport, ErrBadValue)
	case c.SIPConns < 1 || c.SIPConns > 4096 || c.Sources < 1 || c.Sources > maxSources || c.Slots < 1 || c.Slots > 1000:
		return fmt.Errorf("--sip-conns 1..4096, --sources 1..64770, --admin-slots 1..1000: %w", ErrBadValue)
	case c.Step <= 0 || c.RSSTol < 0 || c.GorTol < 0 || c.MaxErrors < 0:
		return fmt.Errorf("--step-timeout, --rss-tolerance, --goroutine-tolerance, --max-error-ratio: %w", ErrBadValue)
	}
	return nil
}

// flags declares the soak flags on fs, filling c; the token is read from
// *tokenFile by the caller, the report goes to *jsonOut.
func (c *SoakConfig) flags(fs *flag.FlagSet, tokenFile, jsonOut *string) {
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.Server, "server", "", "phoneprov base URL on loopback, http://127.0.0.1:PORT (required)")
	fs.StringVar(tokenFile, "token-file", "", "admin token file, DATA/admin.token (required)")
	fs.StringVar(&c.SIP, "sip", "", "registrar address, 127.0.0.1:PORT (required)")
	fs.StringVar(&c.Domain, "domain", "phoneprov.test", "SIP domain of the server")
	fs.StringVar(&c.Debug, "debug", "", "the server's --debug-addr, http://127.0.0.1:PORT (default: found among its listeners)")
	fs.IntVar(&c.PID, "pid", 0, "server process to sample (default: the one listening on the --server port)")
	fs.IntVar(&c.Devices, "devices", 2000, "phones (storm's mix and numbering)")
	fs.IntVar(&c.Base, "base", 0, "offset of MACs and user names, as storm's")
	fs.BoolVar(&c.Reuse, "reuse", false, "the phones were seeded before (seed or storm with the same --devices/--base)")
	fs.StringVar(&c.SeedVia, "seed-via", "", "seed through the admin API (api) or Classic imports (import); default import above 1000 phones")
	fs.DurationVar(&c.Duration, "duration", 10*time.Minute, "length of the load")
	fs.DurationVar(&c.Sample, "sample", 10*time.Second, "sampling interval (at most duration/5)")
	fs.Float64Var(&c.Fetches, "fetch-rate", 200, "config fetches per second (each phone its own config, with its User-Agent)")
	fs.Float64Var(&c.Registers, "register-rate", 100, "REGISTER operations per second (register, refresh or unregister; digest)")
	fs.Float64Var(&c.Admin, "admin-rate", 5, "admin writes per second (users, licenses, devices, lines, re-syncs)")
	fs.IntVar(&c.Expires, "expires", 60, "Expires of the registrations, seconds")
	fs.Float64Var(&c.Unreg, "unregister", 0.1, "share of the REGISTER operations on a registered phone that unregister it")
	fs.StringVar(&c.Transport, "transport", "udp", "SIP transport: udp or tcp")
	fs.IntVar(&c.SIPConns, "sip-conns", 32, "SIP client sockets (each phone keeps one)")
	fs.IntVar(&c.Sources, "sources", 16, "spread fetches over N loopback source addresses")
	fs.DurationVar(&c.Step, "step-timeout", 10*time.Second, "bound on one request or REGISTER exchange")
	fs.IntVar(&c.Slots, "admin-slots", 20, "admin objects (a user and a device each) cycled by the writes")
	fs.Float64Var(&c.RSSTol, "rss-tolerance", 10, "RSS growth tolerated between the second and the last fifth, per cent")
	fs.IntVar(&c.GorTol, "goroutine-tolerance", 50, "goroutine growth tolerated between the second and the last fifth")
	fs.Float64Var(&c.MaxErrors, "max-error-ratio", 0.001, "share of failed requests tolerated")
	fs.DurationVar(&c.SeedTime, "seed-timeout", 20*time.Minute, "bound on seeding and setup")
	fs.StringVar(jsonOut, "json", "", "also write the report as JSON to this file")
}
