// Command seed fills a running phoneprov with N licensed users, each with one
// phone of a vendor mix on its line 1, through the admin API; it then checks
// with the identify route that every phone's config would be served, and
// fetches every config once as the phone would, writing the targets (path,
// User-Agent) for wrk and the bodies as static files for nginx.
//
// It talks to loopback only and every phase is bounded by -timeout.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// vendor is one model of the mix: how its phones name themselves and which
// file they ask for.
type vendor struct {
	model string // catalog model as the admin API takes it
	oui   string // first 6 hex digits of the MAC
	ua    func(mac string) string
	path  func(mac string) string
}

var vendors = []vendor{
	{model: "Yealink T46U", oui: "805ec0",
		ua:   func(m string) string { return "Yealink SIP-T46U 108.86.0.90 " + colonMAC(m) },
		path: func(m string) string { return "/" + m + ".cfg" }},
	{model: "Poly VVX 410", oui: "0004f2",
		ua:   func(string) string { return "FileTransport PolycomVVX-VVX_410-UA/5.9.7.4477 Type/Application" },
		path: func(m string) string { return "/phoneprov-" + m + ".cfg" }},
	{model: "Fanvil X4U", oui: "0c383e",
		ua:   func(m string) string { return "Fanvil X4U 2.12.1 " + m },
		path: func(m string) string { return "/" + m + ".cfg" }},
}

func colonMAC(m string) string {
	var b strings.Builder
	for i := 0; i < len(m); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(m[i : i+2])
	}
	return b.String()
}

// target is one phone: its MAC, the file it asks for and its User-Agent.
type target struct {
	i             int
	mac, path, ua string
	model         string
}

func targets(n int) []target {
	ts := make([]target, n)
	for i := range ts {
		v := vendors[i%len(vendors)]
		mac := fmt.Sprintf("%s%06x", v.oui, i+1)
		ts[i] = target{i: i, mac: mac, path: v.path(mac), ua: v.ua(mac), model: v.model}
	}
	return ts
}

type options struct {
	api, tokenFile, targetsOut, www string
	n, workers                      int
	timeout                         time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.api, "api", "", "phoneprov base URL on loopback, e.g. http://127.0.0.1:8080 (required)")
	flag.StringVar(&o.tokenFile, "token-file", "", "admin token file, DATA/admin.token (required)")
	flag.IntVar(&o.n, "n", 10000, "devices to create (one user, license and line each)")
	flag.IntVar(&o.workers, "workers", 32, "concurrent API clients")
	flag.StringVar(&o.targetsOut, "targets", "", "write one \"path<TAB>User-Agent\" line per device here (required)")
	flag.StringVar(&o.www, "www", "", "write each fetched config here as a static file; empty: do not fetch")
	flag.DurationVar(&o.timeout, "timeout", 20*time.Minute, "bound on the whole run")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func (o options) validate() error {
	if o.api == "" || o.tokenFile == "" || o.targetsOut == "" {
		return errors.New("-api, -token-file and -targets are required")
	}
	u, err := url.Parse(o.api)
	if err != nil || u.Scheme != "http" {
		return fmt.Errorf("-api %q: use http://127.0.0.1:PORT", o.api)
	}
	ip := net.ParseIP(u.Hostname())
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-api %q: loopback addresses only", o.api)
	}
	if o.n < 1 || o.n > 0xffffff || o.workers < 1 || o.workers > 256 {
		return errors.New("-n must be 1..16777215 and -workers 1..256")
	}
	return nil
}

func run(o options) error {
	if err := o.validate(); err != nil {
		return err
	}
	tok, err := os.ReadFile(o.tokenFile)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	c := newClient(strings.TrimRight(o.api, "/"), strings.TrimSpace(string(tok)), o.workers)
	ts := targets(o.n)

	if err := phase(ctx, "seeded", ts, o.workers, c.seed); err != nil {
		return err
	}
	if err := phase(ctx, "identify checked", ts, o.workers, c.checkServed); err != nil {
		return err
	}
	if err := writeTargets(o.targetsOut, ts); err != nil {
		return err
	}
	if o.www == "" {
		return nil
	}
	if err := os.MkdirAll(o.www, 0o755); err != nil {
		return err
	}
	var bytes atomic.Int64
	err = phase(ctx, "fetched", ts, o.workers, func(ctx context.Context, t target) error {
		body, err := c.fetch(ctx, t)
		if err != nil {
			return err
		}
		bytes.Add(int64(len(body)))
		return os.WriteFile(filepath.Join(o.www, filepath.Base(t.path)), body, 0o644)
	})
	if err == nil {
		fmt.Printf("configs: %d files, %d bytes, mean %d bytes\n", len(ts), bytes.Load(), bytes.Load()/int64(len(ts)))
	}
	return err
}

// phase runs fn over every target with the given concurrency, stops at the
// first error and prints how long it took.
func phase(ctx context.Context, name string, ts []target, workers int, fn func(context.Context, target) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	jobs := make(chan target)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range jobs {
				if err := fn(ctx, t); err != nil {
					once.Do(func() { first = fmt.Errorf("%s %s: %w", name, t.mac, err); cancel() })
				}
			}
		}()
	}
feed:
	for _, t := range ts {
		select {
		case jobs <- t:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if first != nil {
		return first
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	d := time.Since(start)
	fmt.Printf("%s %d devices in %.1f s (%.0f devices/s, %d clients)\n", name, len(ts), d.Seconds(),
		float64(len(ts))/d.Seconds(), workers)
	return nil
}

func writeTargets(name string, ts []target) error {
	var b strings.Builder
	for _, t := range ts {
		b.WriteString(t.path + "\t" + t.ua + "\n")
	}
	return os.WriteFile(name, []byte(b.String()), 0o644)
}
