package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// Config is one storm run.
type Config struct {
	Server    string        // phoneprov base URL on loopback, http://127.0.0.1:PORT (required); several, comma-separated, for the nodes of a cluster: phones take them in turn, the first seeds
	Token     string        // admin API bearer token (required; the CLI reads it from --token-file)
	SIP       string        // registrar address on loopback, HOST:PORT (required unless DNS)
	DNS       string        // phoneprov's DNS responder on loopback, HOST:PORT: each phone finds its registrar through _sip._udp/_tcp.<Domain> SRV (RFC 2782 choice) instead of SIP
	Domain    string        // SIP domain (digest realm, AOR host); default "phoneprov.test"
	Devices   int           // phones to boot, 1..1,000,000; default 1000
	Base      int           // offset of the MACs and user names, so runs can use distinct accounts; default 0
	Arrival   string        // "all", "ramp" or "poisson"; default "ramp"
	Window    time.Duration // arrivals fall within this window; default 10s
	Transport string        // SIP transport, "udp" or "tcp"; default "udp"
	Timeout   time.Duration // bound on the storm (after seeding); default 60s
	Step      time.Duration // bound on one fetch or one REGISTER; default 10s
	Seed      int64         // random seed of Poisson arrivals; default 1
	Reuse     bool          // the account was seeded by an earlier run: only verify it; default false
	SeedVia   string        // seed through the admin API ("api") or Classic imports ("import"); default import above 1,000 phones
	SeedChunk int           // users per import when seeding via import; default 10,000
	Workers   int           // concurrent admin API clients while seeding; default 32
	Sources   int           // spread HTTP sources over N loopback addresses from 127.0.0.1 (127.0.0.1..254, 127.0.1.1…); default 1, at most 64770
	SIPConns  int           // SIP client sockets shared by the phones (one per phone costs a UA each); default 64
	PID       int           // server process to sample; 0: found from the HTTP port
	SeedTime  time.Duration // bound on seeding and verification; default 20m

	servers []string // Server split at commas
}

func (c *Config) applyDefaults() {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&c.Domain, "phoneprov.test")
	def(&c.Arrival, "ramp")
	def(&c.Transport, "udp")
	if c.Devices == 0 {
		c.Devices = 1000
	}
	if c.Window == 0 {
		c.Window = 10 * time.Second
	}
	if c.Timeout == 0 {
		c.Timeout = 60 * time.Second
	}
	if c.Step == 0 {
		c.Step = 10 * time.Second
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Workers == 0 {
		c.Workers = 32
	}
	if c.Sources == 0 {
		c.Sources = 1
	}
	if c.SIPConns == 0 {
		c.SIPConns = 64
	}
	if c.SeedTime == 0 {
		c.SeedTime = 20 * time.Minute
	}
	if c.SeedChunk == 0 {
		c.SeedChunk = defaultChunk
	}
	c.SeedVia = seedVia(c.SeedVia, c.Devices)
	c.servers = nil
	for _, s := range strings.Split(c.Server, ",") {
		if s = strings.TrimRight(strings.TrimSpace(s), "/"); s != "" {
			c.servers = append(c.servers, s)
		}
	}
	if len(c.servers) > 0 {
		c.Server = c.servers[0]
	}
}

func (c *Config) validate() error {
	if c.Server == "" || c.Token == "" || (c.SIP == "" && c.DNS == "") {
		return fmt.Errorf("%w: --server, --token-file and --sip (or --dns)", ErrMissingFlag)
	}
	for _, s := range c.servers {
		if err := checkServer("--server", s); err != nil {
			return err
		}
	}
	if c.SIP != "" {
		if err := checkSIP("--sip", c.SIP); err != nil {
			return err
		}
	}
	if c.DNS != "" {
		if err := checkSIP("--dns", c.DNS); err != nil {
			return err
		}
	}
	switch {
	case c.Devices < 1 || c.Devices > 1000000:
		return fmt.Errorf("--devices %d: %w (1..1000000)", c.Devices, ErrBadValue)
	case c.Base < 0 || c.Base+c.Devices > 0xffffff:
		return fmt.Errorf("--base %d: %w", c.Base, ErrBadValue)
	case c.Arrival != "all" && c.Arrival != "ramp" && c.Arrival != "poisson":
		return fmt.Errorf("--arrival %q: %w (all, ramp, poisson)", c.Arrival, ErrBadValue)
	case c.Transport != "udp" && c.Transport != "tcp":
		return fmt.Errorf("--transport %q: %w (udp, tcp)", c.Transport, ErrBadValue)
	case c.Window < 0 || c.Window > time.Hour || c.Timeout < 0 || c.Timeout > 24*time.Hour || c.Step < 0:
		return fmt.Errorf("--window, --timeout, --step-timeout: %w", ErrBadValue)
	case c.Workers < 1 || c.Workers > 256 || c.Sources < 1 || c.Sources > maxSources || c.SIPConns < 1 || c.SIPConns > 4096:
		return fmt.Errorf("--workers 1..256, --sources 1..64770, --sip-conns 1..4096: %w", ErrBadValue)
	case c.SeedVia != viaAPI && c.SeedVia != viaImport:
		return fmt.Errorf("--seed-via %q: %w (api, import)", c.SeedVia, ErrBadValue)
	case c.SeedChunk < 1 || c.SeedChunk > 50000:
		return fmt.Errorf("--seed-chunk %d: %w (1..50000)", c.SeedChunk, ErrBadValue)
	}
	return nil
}

// maxSources is how many 127.0.X.Y addresses --sources may use.
const maxSources = 254 * 255

// flags declares the storm flags on fs, filling c; the token is read
// from *tokenFile by the caller, the report goes to *jsonOut.
func (c *Config) flags(fs *flag.FlagSet, tokenFile, jsonOut *string) {
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.Server, "server", "", "phoneprov base URL on loopback, http://127.0.0.1:PORT (required); a comma-separated list for the nodes of a cluster")
	fs.StringVar(tokenFile, "token-file", "", "admin token file, DATA/admin.token (required)")
	fs.StringVar(&c.SIP, "sip", "", "registrar address, 127.0.0.1:PORT (required unless --dns)")
	fs.StringVar(&c.DNS, "dns", "", "phoneprov's DNS responder, 127.0.0.1:PORT: phones find the registrar through SRV of --domain")
	fs.StringVar(&c.Domain, "domain", "phoneprov.test", "SIP domain of the server")
	fs.IntVar(&c.Devices, "devices", 1000, "phones to boot")
	fs.IntVar(&c.Base, "base", 0, "offset of MACs and user names (distinct accounts per run)")
	fs.StringVar(&c.Arrival, "arrival", "ramp", "arrival of the phones: all, ramp or poisson")
	fs.DurationVar(&c.Window, "window", 10*time.Second, "arrivals fall within this window")
	fs.StringVar(&c.Transport, "transport", "udp", "SIP transport: udp or tcp")
	fs.DurationVar(&c.Timeout, "timeout", 60*time.Second, "bound on the storm")
	fs.DurationVar(&c.Step, "step-timeout", 10*time.Second, "bound on one fetch or REGISTER")
	fs.Int64Var(&c.Seed, "seed", 1, "random seed of Poisson arrivals")
	fs.BoolVar(&c.Reuse, "reuse", false, "the account exists (an earlier run with the same --devices/--base): only verify it")
	fs.StringVar(&c.SeedVia, "seed-via", "", "seed through the admin API (api) or Classic imports (import); default import above 1000 phones")
	fs.IntVar(&c.SeedChunk, "seed-chunk", defaultChunk, "users per import when seeding via import")
	fs.IntVar(&c.Workers, "workers", 32, "concurrent admin API clients while seeding")
	fs.IntVar(&c.Sources, "sources", 1, "spread HTTP sources over N loopback addresses (127.0.0.1..254, 127.0.1.1..254, …)")
	fs.IntVar(&c.SIPConns, "sip-conns", 64, "SIP client sockets shared by the phones")
	fs.IntVar(&c.PID, "pid", 0, "server process to sample (default: the one listening on the --server port)")
	fs.DurationVar(&c.SeedTime, "seed-timeout", 20*time.Minute, "bound on seeding and verification")
	fs.StringVar(jsonOut, "json", "", "also write the report as JSON to this file")
}
