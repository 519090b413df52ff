package cli

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only on --debug-addr
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/firmware"
	"github.com/phoneprov/phoneprov/provision"
	"github.com/phoneprov/phoneprov/provision/outbox"
	"github.com/phoneprov/phoneprov/provision/tlsca"
	"github.com/phoneprov/phoneprov/sip/sipauth"
	"github.com/phoneprov/phoneprov/templates"
)

// serveConfig is every setting of `phoneprov serve`. Each flag's default
// comes from its environment variable when set.
type serveConfig struct {
	Data       string // --data, PHONEPROV_DATA: ./phoneprov-data
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
			out = append(out, sipauth.MD5)
		case "SHA-256", "SHA256":
			out = append(out, sipauth.SHA256)
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

func serve(args []string, stdout, stderr io.Writer) int {
	c, err := parseServe(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "phoneprov serve: %v\n", err)
		return 2
	}
	log := newLogger(stderr, c.LogLevel)
	slog.SetDefault(log) // libraries logging to slog.Default (sipgo's package logger) write through ours
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c, log, stdout); err != nil {
		log.Error("phoneprov stopped", "err", err)
		return 1
	}
	return 0
}

// run starts everything, waits for ctx to end, then shuts down cleanly.
func run(ctx context.Context, c *serveConfig, log *slog.Logger, stdout io.Writer) error {
	if err := os.MkdirAll(c.Data, 0o700); err != nil {
		return fmt.Errorf("creating data directory: %w", err)
	}
	promReg := prometheus.NewRegistry()
	promReg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	txHist := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "phoneprov_db_transaction_duration_seconds",
		Help: "Write transaction latency by operation.", Buckets: prometheus.ExponentialBuckets(0.0001, 4, 9)}, []string{"op"})
	promReg.MustRegister(txHist)
	promReg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "phoneprov_password_hashes_peak",
		Help: "Most argon2id password hashes ever computed at once (capped at 2)."},
		func() float64 { _, peak := devicedb.PasswordHashes(); return float64(peak) }))
	store, err := devicedb.Open(ctx, devicedb.Options{Path: dbPath(c.Data),
		ObserveTx: func(op string, d time.Duration) { txHist.WithLabelValues(op).Observe(d.Seconds()) }})
	if err != nil {
		return err
	}
	defer func() {
		if err := store.Close(); err != nil {
			log.Error("closing database", "err", err)
		} else {
			log.Info("database closed")
		}
	}()
	token, err := adminToken(filepath.Join(c.Data, "admin.token"))
	if err != nil {
		return err
	}
	if c.PublicHost == "" {
		c.PublicHost = firstPublicIP()
	}
	renderer, err := templates.NewRenderer(templates.RendererConfig{OverrideDir: c.TemplatesDir})
	if err != nil {
		return fmt.Errorf("--templates-dir: %w", err)
	}
	ls, err := listen(c, log, []string{c.PublicHost, "localhost", "127.0.0.1", "::1", c.Domain})
	if err != nil {
		return err
	}
	defer ls.close()
	allow, _ := c.allowNets()
	fwRefused := prometheus.NewCounter(prometheus.CounterOpts{Name: "phoneprov_firmware_refused_total",
		Help: "Firmware downloads refused (503) because the concurrent-download cap was reached."})
	promReg.MustRegister(fwRefused)
	fw, err := firmware.Open(firmware.Config{Dir: filepath.Join(c.Data, "firmware"), OnRefused: fwRefused.Inc,
		Logger: log.With("component", "firmware")})
	if err != nil {
		return err
	}
	regCounts := newRegisterCounts()
	reg, err := newRegistrar(c, ls, store, promReg, log, regCounts)
	if err != nil {
		return err
	}
	defer regCounts.start(store, log)()
	var onFetch func(string, time.Time)
	if reg != nil {
		onFetch = reg.NoteFetch
	}
	algs, _ := c.digestAlgorithms()
	if c.DeviceAuth == provision.DeviceAuthOpen {
		log.Warn("--device-auth open: any host that sends a phone's User-Agent and knows a MAC gets that phone's config with its SIP passwords; use it only on a closed network")
	}
	phones, err := provision.NewPhones(provision.PhonesConfig{DigestAlgorithms: algs, Store: store, Renderer: renderer, Allow: allow, Firmware: fw, OnFetch: onFetch,
		DeviceAuth: c.DeviceAuth, Registry: promReg, Logger: log, Settings: provision.Settings{Domain: c.Domain, PublicHost: c.PublicHost,
			ProvisionURL: ls.phoneURL(c.PublicHost), CACert: string(ls.caPEM), CACertURL: ls.caURL(c.PublicHost), NTPServer: c.NTPServer,
			ResyncInterval: int(c.ResyncInterval.Seconds()), SIPPort: ls.sipPort(),
			DNSSRV: ls.dnsUDP != nil && reg != nil, STUNPort: ls.stunPort()}})
	if err != nil {
		return err
	}
	defer phones.Close()
	if ls.tftp != nil {
		stopTFTP, err := startTFTP(ctx, ls.tftp, phones, allow, promReg, log)
		if err != nil {
			return err
		}
		defer stopTFTP()
	}
	ac := apiConfig(fw, reg, phones, store, welcomeLinkBase(ls.phoneURL(c.PublicHost)), log)
	ac.ProvisionURL = ls.phoneURL(c.PublicHost)
	h, err := provision.New(provision.Config{Store: store, AdminToken: token, Logger: log, Registry: promReg,
		Phones: phones, CACert: ls.caPEM, AdminHTTPSOnly: c.AdminHTTPSOnly, API: ac})
	if err != nil {
		return err
	}
	servers := startHTTP(h, ls, log)
	if c.DebugAddr != "" {
		dl, err := net.Listen("tcp", c.DebugAddr)
		if err != nil {
			return fmt.Errorf("--debug-addr: %w", err)
		}
		ds := &http.Server{Handler: http.DefaultServeMux, ReadHeaderTimeout: 10 * time.Second}
		go ds.Serve(dl)
		servers = append(servers, ds)
		log.Info("profiling on", "addr", dl.Addr().String())
	}
	stopNet, err := startNetServices(c, ls, reg, log)
	if err != nil {
		return err
	}
	defer stopNet()
	if reg != nil {
		go phones.WatchChanges(ctx, pusher{reg}, 2*time.Second)
	}
	stopSched := scheduler{store: store, interval: c.SchedulerInterval, log: log.With("component", "scheduler"),
		imports: devicedb.ImportOptions{Freeze: phones.Freeze, WelcomeLinkBase: welcomeLinkBase(ls.provisionURL(c.PublicHost))}}.start(ctx)
	defer stopSched()
	if c.SMTPURL != "" {
		stopMail, err := outbox.Start(ctx, store, outbox.Config{SMTPURL: c.SMTPURL, Logger: log.With("component", "outbox")})
		if err != nil {
			return fmt.Errorf("--smtp-url: %w", err)
		}
		defer stopMail()
	}
	if c.Demo {
		if err := seedDemo(ctx, store, c, ls, stdout); err != nil {
			return err
		}
	}
	if err := writePorts(filepath.Join(c.Data, "ports.json"), ls.ports()); err != nil {
		return err
	}
	h.SetReady(true)
	log.Info("phoneprov ready", "version", version(), "data", c.Data, "ports", ls.ports(), "public_host", c.PublicHost)
	<-ctx.Done()
	log.Info("shutting down: draining in-flight requests")
	h.SetReady(false)
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for _, s := range servers {
		if err := s.Shutdown(sctx); err != nil {
			log.Warn("http shutdown", "err", err)
		}
	}
	return nil
}

// listeners are the sockets phoneprov serves on.
type listeners struct {
	http, https net.Listener
	caPEM       []byte
	caCert      tls.Certificate
	sipUDP      net.PacketConn
	sipTCP      net.Listener
	sips        net.Listener
	dnsUDP      net.PacketConn
	dnsTCP      net.Listener
	stun        net.PacketConn
	tftp        net.PacketConn
}

// close closes what was not handed to a server that closes it.
func (l *listeners) close() {
	for _, c := range []io.Closer{l.http, l.https, l.sipUDP, l.sipTCP, l.sips, l.dnsUDP, l.dnsTCP, l.stun, l.tftp} {
		if c != nil {
			c.Close()
		}
	}
}

// provisionURL is the base URL phones fetch from: plain HTTP when it is on
// (phones that have not yet got the CA), else HTTPS.
func (l *listeners) provisionURL(host string) string {
	if l.http != nil {
		return "http://" + net.JoinHostPort(host, fmt.Sprint(l.http.Addr().(*net.TCPAddr).Port)) + "/"
	}
	return "https://" + net.JoinHostPort(host, fmt.Sprint(l.https.Addr().(*net.TCPAddr).Port)) + "/"
}

// phoneURL is the base URL rendered into configs and handed to phones
// with their credential, and the base of the set-password links people
// open: HTTPS when it is on.
func (l *listeners) phoneURL(host string) string {
	if l.https != nil {
		return "https://" + net.JoinHostPort(host, fmt.Sprint(l.https.Addr().(*net.TCPAddr).Port)) + "/"
	}
	return l.provisionURL(host)
}

// caURL is where phones download the local CA: over plain HTTP when it is
// on (a phone that lacks the CA cannot check the HTTPS server); "" when
// there is no CA.
func (l *listeners) caURL(host string) string {
	if l.caPEM == nil {
		return ""
	}
	return l.provisionURL(host) + "ca.crt"
}

func (l *listeners) sipPort() int {
	if l.sipUDP == nil {
		return 0
	}
	return l.sipUDP.LocalAddr().(*net.UDPAddr).Port
}

func (l *listeners) sipsPort() int {
	if l.sips == nil {
		return 0
	}
	return l.sips.Addr().(*net.TCPAddr).Port
}

func (l *listeners) stunPort() int {
	if l.stun == nil {
		return 0
	}
	return l.stun.LocalAddr().(*net.UDPAddr).Port
}

// portOf is the port of a host:port flag, or def when it is empty or 0.
func portOf(addr string, def int) int {
	_, p, err := net.SplitHostPort(addr)
	if n, _ := strconv.Atoi(p); err == nil && n > 0 {
		return n
	}
	return def
}

func (l *listeners) ports() map[string]string {
	m := map[string]string{}
	if l.http != nil {
		m["http"] = l.http.Addr().String()
	}
	if l.https != nil {
		m["https"] = l.https.Addr().String()
	}
	if l.dnsUDP != nil {
		m["dns"] = l.dnsUDP.LocalAddr().String()
	}
	if l.sipUDP != nil {
		m["sip"] = l.sipUDP.LocalAddr().String()
	}
	if l.sips != nil {
		m["sips"] = l.sips.Addr().String()
	}
	if l.stun != nil {
		m["stun"] = l.stun.LocalAddr().String()
	}
	if l.tftp != nil {
		m["tftp"] = l.tftp.LocalAddr().String()
	}
	return m
}

func listen(c *serveConfig, log *slog.Logger, hosts []string) (*listeners, error) {
	ls := &listeners{}
	var err error
	if c.HTTPAddr != "" {
		if ls.http, err = net.Listen("tcp", c.HTTPAddr); err != nil {
			return nil, fmt.Errorf("--http-addr: %w", err)
		}
		ls.http = provision.CoalescingListener(ls.http)
	}
	tlsMin, _ := tlsMinVersion(c.TLSMinVersion)
	if c.HTTPSAddr != "" || c.SIPSAddr != "" {
		ca, err := tlsca.Load(c.Data, hosts, time.Now())
		if err != nil {
			return nil, err
		}
		ls.caPEM, ls.caCert = ca.CertPEM, ca.Server
		if len(ca.Uncovered) > 0 {
			log.Warn("the local CA's name constraints leave out these hosts; the server certificate does not name them (to cover them, make a new CA: see README, Security)",
				"hosts", strings.Join(ca.Uncovered, ","))
		}
		if tlsMin < tls.VersionTLS12 {
			log.Warn("TLS older than 1.2 accepted on HTTPS and SIPS (--tls-min-version), with SHA-1 CBC cipher suites; use it only for phones that cannot do TLS 1.2",
				"tls_min_version", c.TLSMinVersion)
		}
	}
	if c.SIPAddr != "" {
		if ls.sipUDP, ls.sipTCP, err = listenPair(c.SIPAddr); err != nil {
			return nil, fmt.Errorf("--sip-addr: %w", err)
		}
	}
	if c.SIPSAddr != "" {
		l, err := net.Listen("tcp", c.SIPSAddr)
		if err != nil {
			return nil, fmt.Errorf("--sips-addr: %w", err)
		}
		ls.sips = tls.NewListener(l, serverTLS(ls.caCert, tlsMin))
	}
	if c.HTTPSAddr != "" {
		l, err := net.Listen("tcp", c.HTTPSAddr)
		if err != nil {
			return nil, fmt.Errorf("--https-addr: %w", err)
		}
		tc := serverTLS(ls.caCert, tlsMin)
		if c.DeviceCA != "" {
			pem, err := os.ReadFile(c.DeviceCA)
			if err != nil {
				return nil, fmt.Errorf("--device-ca: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("--device-ca %s: no PEM certificate in it", c.DeviceCA)
			}
			tc.ClientCAs, tc.ClientAuth = pool, tls.VerifyClientCertIfGiven
		}
		ls.https = tls.NewListener(l, tc)
	}
	if c.STUNAddr != "" {
		if ls.stun, err = net.ListenPacket("udp", c.STUNAddr); err != nil {
			return nil, fmt.Errorf("--stun-addr: %w", err)
		}
	}
	if c.DNSAddr != "" {
		if ls.dnsUDP, ls.dnsTCP, err = listenPair(c.DNSAddr); err != nil {
			return nil, fmt.Errorf("--dns-addr: %w", err)
		}
	}
	if c.TFTPAddr != "" {
		if ls.tftp, err = net.ListenPacket("udp", c.TFTPAddr); err != nil {
			return nil, fmt.Errorf("--tftp-addr: %w", err)
		}
	}
	return ls, nil
}

func startHTTP(h http.Handler, ls *listeners, log *slog.Logger) []*http.Server {
	var out []*http.Server
	for _, l := range []net.Listener{ls.http, ls.https} {
		if l == nil {
			continue
		}
		s := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
			WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}
		go func(l net.Listener) {
			if err := s.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("http server", "addr", l.Addr().String(), "err", err)
			}
		}(l)
		out = append(out, s)
	}
	return out
}

// adminToken reads the admin token, creating a random one (mode 0600) on
// first start.
func adminToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		t := strings.TrimSpace(string(b))
		if len(t) < 16 {
			return "", fmt.Errorf("admin token %s is shorter than 16 characters; delete it to get a new one", path)
		}
		return t, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	t := hex.EncodeToString(raw)
	if err := tlsca.WriteFile(path, []byte(t+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("writing admin token: %w", err)
	}
	return t, nil
}

func writePorts(path string, ports map[string]string) error {
	b, err := json.MarshalIndent(ports, "", "  ")
	if err != nil {
		return err
	}
	return tlsca.WriteFile(path, append(b, '\n'), 0o644)
}

// firstPublicIP is the first non-loopback unicast address, preferring IPv4.
func firstPublicIP() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return "127.0.0.1"
	}
	var v6 string
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() || !ipn.IP.IsGlobalUnicast() {
			continue
		}
		if ipn.IP.To4() != nil {
			return ipn.IP.String()
		}
		if v6 == "" {
			v6 = ipn.IP.String()
		}
	}
	if v6 != "" {
		return v6
	}
	return "127.0.0.1"
}
