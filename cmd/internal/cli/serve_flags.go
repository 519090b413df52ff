package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/phoneprov/phoneprov/provision"
	"github.com/phoneprov/phoneprov/sip/digest"
)

// serveConfig is every setting of `phoneprov serve`. Each flag's default
// comes from its environment variable when set.
type serveConfig struct {
	Data       string // --data, PHONEPROV_DATA: ./phoneprov-data
	Database   string // --database, PHONEPROV_DATABASE: empty (SQLite in Data)
	SRV        string // --srv, PHONEPROV_SRV: 10/10 (this node's SRV priority/weight in a cluster)
	HTTPAddr   string // --http-addr, PHONEPROV_HTTP_ADDR: :8080 (empty: off)
	HTTPSAddr  string // --https-addr, PHONEPROV_HTTPS_ADDR: :8443 (empty: off)
	SIPAddr    string // --sip-addr, PHONEPROV_SIP_ADDR: :5060
	SIPSAddr   string // --sips-addr, PHONEPROV_SIPS_ADDR: :5061 (empty: off)
	STUNAddr   string // --stun-addr, PHONEPROV_STUN_ADDR: :3478 (empty: off)
	DNSAddr    string // --dns-addr, PHONEPROV_DNS_ADDR: :5300 (empty: off)
	Domain     string // --domain, PHONEPROV_DOMAIN: phoneprov.test
	PublicHost string // --public-host, PHONEPROV_PUBLIC_HOST: first non-loopback IP
	Demo       bool   // --demo: seed a demo account on an empty database
	LogLevel   string // --log-level, PHONEPROV_LOG_LEVEL: info
	// TemplatesDir, --templates-dir, PHONEPROV_TEMPLATES_DIR: override
	// templates (device > model > family); empty: embedded only.
	TemplatesDir string
	// SIPChallengeLimit, --sip-challenge-limit, PHONEPROV_SIP_CHALLENGE_LIMIT:
	// 401s per second per UDP source, 200 (negative: no limit).
	SIPChallengeLimit int
	// NTPServer, --ntp-server, PHONEPROV_NTP_SERVER: pool.ntp.org
	NTPServer string
	// Allow, --allow, PHONEPROV_ALLOW: comma-separated networks phones may
	// fetch configs from; empty: any.
	Allow string
	// ResyncInterval, --resync-interval, PHONEPROV_RESYNC_INTERVAL: 24h
	ResyncInterval time.Duration
	// SchedulerInterval, --scheduler-interval,
	// PHONEPROV_SCHEDULER_INTERVAL: 1m. How often the purge of removed
	// licenses and the scheduled imports are looked at.
	SchedulerInterval time.Duration
	// DigestAlgorithms, --digest-algorithms, PHONEPROV_DIGEST_ALGORITHMS:
	// MD5. The algorithms offered in SIP and HTTP digest challenges, in
	// order.
	DigestAlgorithms string
	// SMTPURL, --smtp-url, PHONEPROV_SMTP_URL: where queued messages
	// (welcome messages) are delivered, e.g.
	// smtp://user:pass@mail.example.com:587?from=noreply@example.com;
	// empty: they stay in the outbox (GET /api/v1/outbox).
	SMTPURL string
	// DebugAddr, --debug-addr, PHONEPROV_DEBUG_ADDR: Go profiling
	// (/debug/pprof/) on its own listener, for loopback use; empty: off.
	DebugAddr string
	// DeviceCA, --device-ca, PHONEPROV_DEVICE_CA: PEM bundle of vendor
	// device CAs; HTTPS clients presenting a certificate must chain to it
	// and its MAC must be the path's. Empty: no client certificates asked.
	DeviceCA string
	// TFTPAddr, --tftp-addr, PHONEPROV_TFTP_ADDR: read-only TFTP for
	// devices whose factory default is TFTP; empty: off.
	TFTPAddr string
	// DeviceAuth, --device-auth, PHONEPROV_DEVICE_AUTH: credentials. What
	// a phone must prove, besides its vendor's User-Agent, to get a file
	// holding secrets: credentials, network (needs --allow) or open.
	DeviceAuth string
	// TLSMinVersion, --tls-min-version, PHONEPROV_TLS_MIN_VERSION: 1.2.
	// The oldest TLS version HTTPS and SIPS accept: 1.0, 1.1 (logged as a
	// warning at start-up), 1.2 or 1.3.
	TLSMinVersion string
	// AdminHTTPSOnly, --admin-https-only, PHONEPROV_ADMIN_HTTPS_ONLY:
	// false. The console and admin API answer 403 over plain HTTP.
	AdminHTTPSOnly bool
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func parseServe(args []string, stderr io.Writer) (*serveConfig, error) {
	c := &serveConfig{}
	fs := flag.NewFlagSet("phoneprov serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Data, "data", envOr("PHONEPROV_DATA", defaultData), "data directory: SQLite file, local CA and certificates, secret key, admin token (env PHONEPROV_DATA)")
	fs.StringVar(&c.Database, "database", envOr("PHONEPROV_DATABASE", ""), "database URL: empty or sqlite:PATH = SQLite (default: phoneprov.db in --data); postgres://USER@HOST/DB = PostgreSQL, shared by several serve processes (env PHONEPROV_DATABASE)")
	fs.StringVar(&c.SRV, "srv", envOr("PHONEPROV_SRV", "10/10"), "PRIORITY/WEIGHT of this node in the DNS SRV records of several nodes on PostgreSQL (RFC 2782: lower priority first, higher weight more often) (env PHONEPROV_SRV)")
	fs.StringVar(&c.HTTPAddr, "http-addr", envOr("PHONEPROV_HTTP_ADDR", ":8080"), "config routes and admin API over HTTP; empty: off (env PHONEPROV_HTTP_ADDR)")
	fs.StringVar(&c.HTTPSAddr, "https-addr", envOr("PHONEPROV_HTTPS_ADDR", ":8443"), "the same over TLS with the local CA; empty: off (env PHONEPROV_HTTPS_ADDR)")
	fs.StringVar(&c.SIPAddr, "sip-addr", envOr("PHONEPROV_SIP_ADDR", ":5060"), "SIP registrar, UDP and TCP (env PHONEPROV_SIP_ADDR)")
	fs.StringVar(&c.SIPSAddr, "sips-addr", envOr("PHONEPROV_SIPS_ADDR", ":5061"), "SIP registrar over TLS; empty: off (env PHONEPROV_SIPS_ADDR)")
	fs.StringVar(&c.STUNAddr, "stun-addr", envOr("PHONEPROV_STUN_ADDR", ":3478"), "STUN binding responder, UDP; empty: off (env PHONEPROV_STUN_ADDR)")
	fs.StringVar(&c.DNSAddr, "dns-addr", envOr("PHONEPROV_DNS_ADDR", ":5300"), "DNS responder for the SIP domain, UDP and TCP; use :53 in production; empty: off (env PHONEPROV_DNS_ADDR)")
	fs.StringVar(&c.Domain, "domain", envOr("PHONEPROV_DOMAIN", "phoneprov.test"), "SIP domain: digest realm, AOR host, DNS zone (env PHONEPROV_DOMAIN)")
	fs.StringVar(&c.PublicHost, "public-host", envOr("PHONEPROV_PUBLIC_HOST", ""), "host name or IP written into rendered configs; default: first non-loopback IP (env PHONEPROV_PUBLIC_HOST)")
	fs.BoolVar(&c.Demo, "demo", false, "on an empty database, create a demo account and print what to try")
	fs.StringVar(&c.TemplatesDir, "templates-dir", envOr("PHONEPROV_TEMPLATES_DIR", ""), "folder of override templates: device/<mac>/, model/<model>/, family/<family>/ (env PHONEPROV_TEMPLATES_DIR)")
	fs.StringVar(&c.NTPServer, "ntp-server", envOr("PHONEPROV_NTP_SERVER", "pool.ntp.org"), "NTP server rendered into configs (env PHONEPROV_NTP_SERVER)")
	fs.StringVar(&c.Allow, "allow", envOr("PHONEPROV_ALLOW", ""), "comma-separated networks (CIDR) phones may fetch configs from; empty: any (env PHONEPROV_ALLOW)")
	resync, err := time.ParseDuration(envOr("PHONEPROV_RESYNC_INTERVAL", "24h"))
	if err != nil {
		return nil, fmt.Errorf("PHONEPROV_RESYNC_INTERVAL: %v", err)
	}
	fs.DurationVar(&c.ResyncInterval, "resync-interval", resync, "how often phones re-check their config (env PHONEPROV_RESYNC_INTERVAL)")
	chl, err := strconv.Atoi(envOr("PHONEPROV_SIP_CHALLENGE_LIMIT", "200"))
	if err != nil {
		return nil, fmt.Errorf("PHONEPROV_SIP_CHALLENGE_LIMIT: %v", err)
	}
	fs.IntVar(&c.SIPChallengeLimit, "sip-challenge-limit", chl, "SIP 401 answers per second to one UDP source; phones behind one NAT share it; negative: no limit (env PHONEPROV_SIP_CHALLENGE_LIMIT)")
	sched, err := time.ParseDuration(envOr("PHONEPROV_SCHEDULER_INTERVAL", "1m"))
	if err != nil {
		return nil, fmt.Errorf("PHONEPROV_SCHEDULER_INTERVAL: %v", err)
	}
	fs.DurationVar(&c.SchedulerInterval, "scheduler-interval", sched, "how often removed licenses past their 30 days are purged and scheduled imports started (env PHONEPROV_SCHEDULER_INTERVAL)")
	fs.StringVar(&c.DeviceCA, "device-ca", envOr("PHONEPROV_DEVICE_CA", ""), "PEM bundle of vendor device CAs for mutual TLS on HTTPS; a phone's certificate must name the MAC it asks for (env PHONEPROV_DEVICE_CA)")
	fs.StringVar(&c.DigestAlgorithms, "digest-algorithms", envOr("PHONEPROV_DIGEST_ALGORITHMS", "MD5"), "digest algorithms offered to phones, in order: MD5, SHA-256 or both (MD5,SHA-256); some clients fail when offered one they lack (env PHONEPROV_DIGEST_ALGORITHMS)")
	fs.StringVar(&c.SMTPURL, "smtp-url", envOr("PHONEPROV_SMTP_URL", ""), "deliver queued welcome messages through this SMTP server, smtp://user:pass@host:587?from=addr or smtps://; empty: keep them in the outbox (env PHONEPROV_SMTP_URL)")
	fs.StringVar(&c.DebugAddr, "debug-addr", envOr("PHONEPROV_DEBUG_ADDR", ""), "serve Go profiling (/debug/pprof/) here, e.g. 127.0.0.1:6060; empty: off (env PHONEPROV_DEBUG_ADDR)")
	fs.StringVar(&c.TFTPAddr, "tftp-addr", envOr("PHONEPROV_TFTP_ADDR", ""), "read-only TFTP (UDP) for phones whose factory default is TFTP, e.g. :69; device configs only to sources inside --allow; empty: off (env PHONEPROV_TFTP_ADDR)")
	fs.StringVar(&c.DeviceAuth, "device-auth", envOr("PHONEPROV_DEVICE_AUTH", provision.DeviceAuthCredentials), "what a phone proves, besides its vendor's User-Agent, to get a config holding secrets: credentials (its own credential, enrollment URL or --device-ca certificate), network (its source is in --allow) or open (nothing more; closed lab networks) (env PHONEPROV_DEVICE_AUTH)")
	fs.StringVar(&c.TLSMinVersion, "tls-min-version", envOr("PHONEPROV_TLS_MIN_VERSION", "1.2"), "oldest TLS version on HTTPS and SIPS: 1.0, 1.1 (old phones; logged as a warning), 1.2 or 1.3 (env PHONEPROV_TLS_MIN_VERSION)")
	httpsOnly, err := strconv.ParseBool(envOr("PHONEPROV_ADMIN_HTTPS_ONLY", "false"))
	if err != nil {
		return nil, fmt.Errorf("PHONEPROV_ADMIN_HTTPS_ONLY: use true or false")
	}
	fs.BoolVar(&c.AdminHTTPSOnly, "admin-https-only", httpsOnly, "serve the console and admin API over HTTPS only; over plain HTTP they answer 403 (env PHONEPROV_ADMIN_HTTPS_ONLY)")
	fs.StringVar(&c.LogLevel, "log-level", envOr("PHONEPROV_LOG_LEVEL", "info"), "debug, info, warn or error (env PHONEPROV_LOG_LEVEL)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (flags start with --)", fs.Arg(0))
	}
	return c, c.validate()
}

func (c *serveConfig) validate() error {
	if c.Data == "" {
		return errors.New("--data: give a directory")
	}
	for name, v := range map[string]string{"--http-addr": c.HTTPAddr, "--https-addr": c.HTTPSAddr, "--sip-addr": c.SIPAddr,
		"--sips-addr": c.SIPSAddr, "--stun-addr": c.STUNAddr, "--dns-addr": c.DNSAddr, "--tftp-addr": c.TFTPAddr} {
		if v == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(v); err != nil {
			return fmt.Errorf("%s %q: use host:port, :port or host:0 (%v)", name, v, err)
		}
	}
	if c.HTTPAddr == "" && c.HTTPSAddr == "" {
		return errors.New("--http-addr and --https-addr are both off: phones and admins need one")
	}
	if c.Domain == "" || strings.ContainsAny(c.Domain, " /:@") {
		return fmt.Errorf("--domain %q: use a DNS name such as phoneprov.test", c.Domain)
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	if _, err := c.allowNets(); err != nil {
		return err
	}
	if _, err := c.digestAlgorithms(); err != nil {
		return err
	}
	if c.SchedulerInterval < time.Second || c.SchedulerInterval > time.Hour {
		return fmt.Errorf("--scheduler-interval %v: from 1s to 1h", c.SchedulerInterval)
	}
	if err := c.validateDeviceAuth(); err != nil {
		return err
	}
	if _, err := tlsMinVersion(c.TLSMinVersion); err != nil {
		return err
	}
	if c.AdminHTTPSOnly && c.HTTPSAddr == "" {
		return errors.New("--admin-https-only needs --https-addr: the console and API would be unreachable")
	}
	if c.ResyncInterval < time.Minute {
		return fmt.Errorf("--resync-interval %v: at least 1m", c.ResyncInterval)
	}
	return nil
}

func (c *serveConfig) validateDeviceAuth() error {
	switch c.DeviceAuth {
	case provision.DeviceAuthCredentials, provision.DeviceAuthOpen:
		return nil
	case provision.DeviceAuthNetwork:
		if nets, _ := c.allowNets(); len(nets) == 0 {
			return errors.New("--device-auth network: give the phones' networks with --allow (with --allow empty any source could fetch every config)")
		}
		return nil
	}
	return fmt.Errorf("--device-auth %q: use credentials, network or open", c.DeviceAuth)
}

func (c *serveConfig) digestAlgorithms() ([]string, error) {
	var out []string
	for _, a := range strings.Split(c.DigestAlgorithms, ",") {
		switch strings.ToUpper(strings.TrimSpace(a)) {
		case "MD5":
			out = append(out, digest.MD5)
		case "SHA-256", "SHA256":
			out = append(out, digest.SHA256)
		default:
			return nil, fmt.Errorf("--digest-algorithms %q: use MD5, SHA-256 or MD5,SHA-256", c.DigestAlgorithms)
		}
	}
	return out, nil
}

func (c *serveConfig) allowNets() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(c.Allow, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil {
				return nil, fmt.Errorf("--allow %q: use networks such as 10.0.0.0/8 or addresses", f)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("--log-level %q: use debug, info, warn or error", s)
	}
	return l, nil
}

// newLogger logs text on a terminal and JSON otherwise.
func newLogger(w io.Writer, level string) *slog.Logger {
	l, _ := parseLevel(level)
	opts := &slog.HandlerOptions{Level: l}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			return slog.New(slog.NewTextHandler(w, opts))
		}
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
