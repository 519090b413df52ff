package cli

import (
	"context"
	"crypto/rand"
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
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/firmware"
	"github.com/phoneprov/phoneprov/provision"
	"github.com/phoneprov/phoneprov/provision/jobs"
	"github.com/phoneprov/phoneprov/provision/outbox"
	"github.com/phoneprov/phoneprov/provision/tlsca"
	"github.com/phoneprov/phoneprov/sip"
	"github.com/phoneprov/phoneprov/templates"
)

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
	promReg, observeTx := newMetrics()
	storeOpts := storeOptions(c.Data, c.Database)
	storeOpts.ObserveTx = observeTx
	store, err := devicedb.Open(ctx, storeOpts)
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
	hosts := []string{c.PublicHost, "localhost", "127.0.0.1", "::1", c.Domain}
	if store.Shared() {
		// Several nodes on one PostgreSQL share the CA and the admin token.
		if err := joinCluster(ctx, store, c, hosts); err != nil {
			return err
		}
		if token, err = adminToken(filepath.Join(c.Data, "admin.token")); err != nil {
			return err
		}
	}
	ls, err := listen(c, log, hosts)
	if err != nil {
		return err
	}
	defer ls.close()
	allow, _ := c.allowNets()
	fw, err := openFirmware(c.Data, promReg, log)
	if err != nil {
		return err
	}
	regCounts := newRegisterCounts()
	reg, err := newRegistrar(c, ls, store, promReg, log, regCounts)
	if err != nil {
		return err
	}
	var walks *walkShare // the MAC-walk counts of the other nodes; nil alone
	if store.Shared() {
		walks = newWalkShare(store, log)
	}
	resyncs := newResyncShare(store, log) // the other nodes' re-sync outcomes; nil alone
	phones, err := newPhones(c, ls, store, renderer, fw, reg, walks, resyncs, promReg, log)
	if err != nil {
		return err
	}
	defer phones.Close()
	walks.serve(phones)
	// Every background job joins bg; it is stopped and waited for after
	// the servers, before phones, the sockets and the store close.
	bg := jobs.New()
	defer bg.Stop()
	bg.Go(func(ctx context.Context) { regCounts.run(ctx, store, log) })
	if ls.tftp != nil {
		if err := startTFTP(bg, ls.tftp, phones, allow, promReg, log); err != nil {
			return err
		}
	}
	ac := apiConfig(fw, reg, phones, store, resyncs, welcomeLinkBase(ls.phoneURL(c.PublicHost)), log, bg)
	ac.ProvisionURL = ls.phoneURL(c.PublicHost)
	h, err := provision.New(provision.Config{Store: store, AdminToken: token, Logger: log, Registry: promReg,
		Phones: phones, CACert: ls.caPEM, AdminHTTPSOnly: c.AdminHTTPSOnly, API: ac, Jobs: bg})
	if err != nil {
		return err
	}
	servers := startHTTP(h, ls, log)
	if c.DebugAddr != "" {
		ds, err := startDebug(c.DebugAddr, log)
		if err != nil {
			return err
		}
		servers = append(servers, ds.Shutdown)
	}
	stopNet, err := startNetServices(c, ls, reg, store, log)
	if err != nil {
		return err
	}
	defer stopNet()
	if err := startJobs(bg, c, ls, store, phones, reg, resyncs, log); err != nil {
		return err
	}
	if c.Demo {
		if err := seedDemo(ctx, store, c, ls, stdout); err != nil {
			return err
		}
	}
	if err := writePorts(filepath.Join(c.Data, "ports.json"), ls.ports()); err != nil {
		return err
	}
	if store.Shared() {
		announced := ls.ports()
		if _, _, err := parseSRV(c.SRV); err != nil {
			return err
		}
		announced["srv"] = c.SRV
		bg.Go(func(ctx context.Context) { heartbeat(ctx, store, c.PublicHost, announced, log) })
	}
	h.SetReady(true)
	log.Info("phoneprov ready", "version", version(), "data", c.Data, "ports", ls.ports(), "public_host", c.PublicHost)
	<-ctx.Done()
	drain(h, servers, log)
	// The deferred steps follow in reverse: SIP, DNS and STUN servers
	// stop, then the background jobs (bg), phones, sockets, the store.
	return nil
}

// newMetrics is the Prometheus registry with the process's collectors and
// the store's transaction histogram fed by the returned observeTx.
func newMetrics() (reg *prometheus.Registry, observeTx func(op string, d time.Duration)) {
	reg = prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	txHist := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "phoneprov_db_transaction_duration_seconds",
		Help: "Write transaction latency by operation.", Buckets: prometheus.ExponentialBuckets(0.0001, 4, 9)}, []string{"op"})
	reg.MustRegister(txHist)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "phoneprov_password_hashes_peak",
		Help: "Most argon2id password hashes ever computed at once (capped at 2)."},
		func() float64 { _, peak := devicedb.PasswordHashes(); return float64(peak) }))
	return reg, func(op string, d time.Duration) { txHist.WithLabelValues(op).Observe(d.Seconds()) }
}

// openFirmware opens the firmware store under the data directory.
func openFirmware(data string, promReg *prometheus.Registry, log *slog.Logger) (*firmware.Store, error) {
	fwRefused := prometheus.NewCounter(prometheus.CounterOpts{Name: "phoneprov_firmware_refused_total",
		Help: "Firmware downloads refused (503) because the concurrent-download cap was reached."})
	promReg.MustRegister(fwRefused)
	return firmware.Open(firmware.Config{Dir: filepath.Join(data, "firmware"), OnRefused: fwRefused.Inc,
		Logger: log.With("component", "firmware")})
}

// newPhones builds the config server for phones from the flags and the
// listeners (the URLs and ports rendered into configs).
func newPhones(c *serveConfig, ls *listeners, store *devicedb.Store, renderer *templates.Renderer, fw *firmware.Store,
	reg *sip.Registrar, walks *walkShare, resyncs *resyncShare, promReg *prometheus.Registry, log *slog.Logger) (*provision.Phones, error) {
	var onFetch func(string, time.Time)
	switch {
	case reg != nil && resyncs != nil:
		onFetch = func(mac string, at time.Time) {
			reg.NoteFetch(mac, at)
			resyncs.fetched(mac, at)
		}
	case reg != nil:
		onFetch = reg.NoteFetch
	}
	algs, _ := c.digestAlgorithms()
	allow, _ := c.allowNets()
	if c.DeviceAuth == provision.DeviceAuthOpen {
		log.Warn("--device-auth open: any host that sends a phone's User-Agent and knows a MAC gets that phone's config with its SIP passwords; use it only on a closed network")
	}
	return provision.NewPhones(provision.PhonesConfig{DigestAlgorithms: algs, Store: store, Renderer: renderer, Allow: allow, Firmware: fw, OnFetch: onFetch,
		DeviceAuth: c.DeviceAuth, Throttle: provision.ThrottleConfig{OnUnknown: walks.onUnknown()}, Registry: promReg, Logger: log, Settings: provision.Settings{Domain: c.Domain, PublicHost: c.PublicHost,
			ProvisionURL: ls.phoneURL(c.PublicHost), CACert: string(ls.caPEM), CACertURL: ls.caURL(c.PublicHost), NTPServer: c.NTPServer,
			ResyncInterval: int(c.ResyncInterval.Seconds()), SIPPort: ls.sipPort(),
			DNSSRV: ls.dnsUDP != nil && reg != nil, STUNPort: ls.stunPort()}})
}

// startJobs starts the long-running background jobs in bg: the re-sync
// watcher (with the registrar), the scheduler and the outbox sender
// (with --smtp-url).
func startJobs(bg *jobs.Group, c *serveConfig, ls *listeners, store *devicedb.Store, phones *provision.Phones, reg *sip.Registrar, resyncs *resyncShare, log *slog.Logger) error {
	if reg != nil {
		bg.Go(func(ctx context.Context) {
			phones.WatchChanges(ctx, pusher{nodeRegistrar{reg, store, resyncs}}, 2*time.Second)
		})
		if store.Shared() {
			serveResyncs(store, reg, resyncs, log)
		}
	}
	bg.Go(scheduler{store: store, interval: c.SchedulerInterval, log: log.With("component", "scheduler"),
		imports: devicedb.ImportOptions{Freeze: phones.Freeze, WelcomeLinkBase: welcomeLinkBase(ls.provisionURL(c.PublicHost))}}.run)
	if c.SMTPURL != "" {
		mail, err := outbox.New(store, outbox.Config{SMTPURL: c.SMTPURL, Logger: log.With("component", "outbox")})
		if err != nil {
			return fmt.Errorf("--smtp-url: %w", err)
		}
		bg.Go(mail.Run)
	}
	return nil
}

// startDebug serves Go profiling (/debug/pprof/) on addr (--debug-addr).
func startDebug(addr string, log *slog.Logger) (*http.Server, error) {
	dl, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--debug-addr: %w", err)
	}
	ds := &http.Server{Handler: http.DefaultServeMux, ReadHeaderTimeout: 10 * time.Second}
	go ds.Serve(dl)
	log.Info("profiling on", "addr", dl.Addr().String())
	return ds, nil
}

// drain is the first step of shutdown: /healthz turns 503 and the HTTP
// servers finish their in-flight requests (15 s at most).
func drain(h *provision.Server, servers []func(context.Context) error, log *slog.Logger) {
	log.Info("shutting down: draining in-flight requests")
	h.SetReady(false)
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for _, shutdown := range servers {
		if err := shutdown(sctx); err != nil {
			log.Warn("http shutdown", "err", err)
		}
	}
}

// startHTTP serves the HTTP and HTTPS listeners (fasthttp) and returns
// their graceful shutdowns.
func startHTTP(h *provision.Server, ls *listeners, log *slog.Logger) []func(context.Context) error {
	var out []func(context.Context) error
	for _, l := range []net.Listener{ls.http, ls.https} {
		if l == nil {
			continue
		}
		s := h.HTTPServer(log)
		go func(l net.Listener) {
			if err := s.Serve(l); err != nil {
				log.Error("http server", "addr", l.Addr().String(), "err", err)
			}
		}(l)
		out = append(out, s.ShutdownWithContext)
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
