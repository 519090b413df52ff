package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

// verifyMain asks identify whether the phone's own config would be served
// to it, and for its MAC.
func (a *admin) verifyMain(ctx context.Context, d device) error {
	q := url.Values{"path": {d.main}, "user_agent": {d.ua}}
	var ex struct {
		Served bool   `json:"served"`
		Reason string `json:"reason"`
		MAC    string `json:"mac"`
	}
	if err := a.call(ctx, http.MethodGet, "/identify?"+q.Encode(), nil, http.StatusOK, &ex); err != nil {
		return err
	}
	if !ex.Served || ex.MAC != d.mac {
		return fmt.Errorf("%s with %q (mac %q): %w: %s", d.main, d.ua, ex.MAC, ErrNotServed, ex.Reason)
	}
	return nil
}

// fetchMain asks for the phone's own config with its User-Agent, as the
// phone would; anything but a 200 with a body is an error.
func fetchMain(ctx context.Context, hc *http.Client, base string, d device) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+d.main, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("User-Agent", d.ua)
	resp, err := d.client(hc).Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK || len(b) == 0 {
		return nil, nil, &statusError{what: "GET " + d.main, code: resp.StatusCode, want: http.StatusOK,
			body: fmt.Sprintf("%d bytes", len(b))}
	}
	return b, resp.Header, nil
}

// lineCreds reads line 1 from the phone's own config: its user must be the
// seeded extension, and with strict every field must go unchanged into a
// SIPp injection file and a quoted SQL literal.
func lineCreds(d device, body []byte, strict bool) (creds, error) {
	c, ok := parseCreds(d.v.family, body)
	switch {
	case !ok:
		return c, fmt.Errorf("%s %s: %w", d.v.name, d.main, ErrNoCredentials)
	case c.User != d.extension():
		return c, fmt.Errorf("%s %s: line 1 user %q, want extension %s: %w", d.v.name, d.main, c.User, d.extension(), ErrBadConfig)
	case strict && !(safeField(c.User) && safeField(c.AuthUser) && safeField(c.Password)):
		return c, fmt.Errorf("%s %s: auth user %q or password unusable in a SIPp injection file: %w", d.v.name, d.main, c.AuthUser, ErrBadConfig)
	}
	return c, nil
}

// safeField reports whether s can go into a SIPp injection field, a
// quoted digest parameter and a quoted SQL literal (Kamailio's htable)
// unchanged.
func safeField(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if b := s[i]; b <= ' ' || b >= 0x7f || strings.IndexByte(";[]\"'\\=", b) >= 0 {
			return false
		}
	}
	return true
}

// writeOutputs writes the files the seed run was asked for, fetching each
// phone's config once when the www folder or the credentials need it.
func writeOutputs(ctx context.Context, a *admin, c SeedConfig, ds []device, progress io.Writer) error {
	wantCreds := c.SippCSV != "" || c.Creds != ""
	etags := make([]string, len(ds))
	if c.WWW == "" && !wantCreds {
		return writeTargets(c.Targets, ds, etags)
	}
	if c.WWW != "" {
		if err := os.MkdirAll(c.WWW, 0o755); err != nil {
			return err
		}
	}
	cs := make([]creds, len(ds))
	var total atomic.Int64
	t0 := time.Now()
	err := phase(ctx, ds, c.Workers, func(ctx context.Context, d device) error {
		body, h, err := fetchMain(ctx, a.http, c.Server, d)
		if err != nil {
			return err
		}
		total.Add(int64(len(body)))
		if wantCreds {
			if cs[d.i], err = lineCreds(d, body, true); err != nil {
				return err
			}
		}
		if c.WWW == "" {
			return nil
		}
		if etags[d.i] = h.Get("ETag"); etags[d.i] == "" {
			return fmt.Errorf("GET %s: no ETag: %w", d.main, ErrUnexpectedStatus)
		}
		return os.WriteFile(filepath.Join(c.WWW, filepath.Base(d.main)), body, 0o644)
	})
	if err != nil {
		return fmt.Errorf("fetching configs: %w", err)
	}
	fmt.Fprintf(progress, "fetched %d configs in %.1f s\n", len(ds), time.Since(t0).Seconds())
	fmt.Fprintf(progress, "configs: %d files, %d bytes, mean %d bytes\n", len(ds), total.Load(), total.Load()/int64(len(ds)))
	if err := writeTargets(c.Targets, ds, etags); err != nil {
		return err
	}
	if c.SippCSV != "" {
		var b strings.Builder
		b.WriteString("SEQUENTIAL\n")
		for _, cr := range cs {
			fmt.Fprintf(&b, "%s;%s;%s;[authentication username=%s password=%s]\n", cr.User, cr.AuthUser, cr.Password,
				cr.AuthUser, cr.Password)
		}
		if err := os.WriteFile(c.SippCSV, []byte(b.String()), 0o600); err != nil {
			return err
		}
	}
	if c.Creds != "" {
		var b strings.Builder
		for _, cr := range cs {
			fmt.Fprintf(&b, "%s\t%s\t%s\n", cr.AuthUser, cr.Password, cr.User)
		}
		if err := os.WriteFile(c.Creds, []byte(b.String()), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// writeTargets writes one "path<TAB>User-Agent<TAB>basic<TAB>ETag" line per
// phone to file ("" writes nothing): basic is the base64 of the device's
// "user:password" for an Authorization: Basic header ("-" when it has no
// credential), ETag its config's as phoneprov sent it ("-" when the
// configs were not fetched).
func writeTargets(file string, ds []device, etags []string) error {
	if file == "" {
		return nil
	}
	var b strings.Builder
	for _, d := range ds {
		basic, etag := "-", "-"
		if d.httpUser != "" {
			basic = base64.StdEncoding.EncodeToString([]byte(d.httpUser + ":" + d.httpPass))
		}
		if etags[d.i] != "" {
			etag = etags[d.i]
		}
		b.WriteString(d.main + "\t" + d.ua + "\t" + basic + "\t" + etag + "\n")
	}
	return os.WriteFile(file, []byte(b.String()), 0o600)
}
