// Command seed fills a running phoneprov with N SIP lines for the registrar
// benchmark (sip/bench/run-sipp.sh): per line a licensed user with an
// extension and a Yealink T46U carrying the user on line 1, all through the
// admin API with many concurrent clients. It then fetches every phone's
// config as the phone would, reads line 1's auth user and password from it
// (the admin API does not expose passwords) and writes a SIPp injection
// file and a credentials file for the peer registrar.
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
	"strings"
	"sync"
	"time"
)

// line is one seeded line: its phone's MAC, the extension (the AOR user) and,
// once fetched, the digest credentials.
type line struct {
	i                  int
	mac, extension     string
	authUser, password string
}

// lines returns lines first..first+n-1: MAC 805ec0 + i in hex, extension
// 1000000 + i.
func lines(first, n int) []*line {
	ls := make([]*line, n)
	for k := range ls {
		i := first + k
		ls[k] = &line{i: i, mac: fmt.Sprintf("805ec0%06x", i), extension: fmt.Sprintf("%d", 1000000+i)}
	}
	return ls
}

type options struct {
	api, tokenFile, sippCSV, creds string
	first, n, workers              int
	noSeed                         bool
	timeout                        time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.api, "api", "", "phoneprov base URL on loopback, e.g. http://127.0.0.1:8080 (required)")
	flag.StringVar(&o.tokenFile, "token-file", "", "admin token file, DATA/admin.token (required)")
	flag.IntVar(&o.first, "first", 1, "index of the first line (MAC 805ec0<index hex>, extension 1000000+index)")
	flag.IntVar(&o.n, "n", 10000, "lines to create")
	flag.IntVar(&o.workers, "workers", 32, "concurrent API clients")
	flag.BoolVar(&o.noSeed, "no-seed", false, "only fetch the credentials of lines seeded before")
	flag.StringVar(&o.sippCSV, "sipp-csv", "", "write the SIPp injection file here: extension;auth user;password;[authentication ...] (required)")
	flag.StringVar(&o.creds, "creds", "", "write \"auth user<TAB>password<TAB>extension\" lines here; empty: do not")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Minute, "bound on the whole run")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func (o options) validate() error {
	if o.api == "" || o.tokenFile == "" || o.sippCSV == "" {
		return errors.New("-api, -token-file and -sipp-csv are required")
	}
	u, err := url.Parse(o.api)
	if err != nil || u.Scheme != "http" {
		return fmt.Errorf("-api %q: use http://127.0.0.1:PORT", o.api)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-api %q: loopback addresses only", o.api)
	}
	if o.first < 1 || o.n < 1 || o.first+o.n > 0xffffff || o.workers < 1 || o.workers > 256 {
		return errors.New("-first and -n must keep indexes within 1..16777214, -workers 1..256")
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
	ls := lines(o.first, o.n)
	if !o.noSeed {
		if err := phase(ctx, "seeded", ls, o.workers, c.seed); err != nil {
			return err
		}
	}
	if err := phase(ctx, "credentials fetched", ls, o.workers, c.credentials); err != nil {
		return err
	}
	var csv, tsv strings.Builder
	csv.WriteString("SEQUENTIAL\n")
	for _, l := range ls {
		fmt.Fprintf(&csv, "%s;%s;%s;[authentication username=%s password=%s]\n",
			l.extension, l.authUser, l.password, l.authUser, l.password)
		fmt.Fprintf(&tsv, "%s\t%s\t%s\n", l.authUser, l.password, l.extension)
	}
	if err := os.WriteFile(o.sippCSV, []byte(csv.String()), 0o600); err != nil {
		return err
	}
	if o.creds != "" {
		return os.WriteFile(o.creds, []byte(tsv.String()), 0o600)
	}
	return nil
}

// phase runs fn over every line with the given concurrency, stops at the
// first error and prints how long it took.
func phase(ctx context.Context, name string, ls []*line, workers int, fn func(context.Context, *line) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	jobs := make(chan *line)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for l := range jobs {
				if err := fn(ctx, l); err != nil {
					once.Do(func() { first = fmt.Errorf("line %d (%s): %w", l.i, l.mac, err); cancel() })
					return
				}
			}
		}()
	}
feed:
	for _, l := range ls {
		select {
		case jobs <- l:
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
	el := time.Since(start)
	fmt.Printf("%s: %d lines in %.1f s (%.0f lines/s)\n", name, len(ls), el.Seconds(), float64(len(ls))/el.Seconds())
	return nil
}
