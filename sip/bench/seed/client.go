package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// client calls the admin API and the config route of one phoneprov.
type client struct {
	base, token string
	http        *http.Client
}

func newClient(base, token string, conns int) *client {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: 30 * time.Second}
	return &client{base: base, token: token, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// call sends one admin API request and decodes the JSON answer into out
// (when not nil); any status but want is an error carrying the body.
func (c *client) call(ctx context.Context, method, path string, in any, want int, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+"/api/v1"+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d (want %d): %s", method, path, resp.StatusCode, want, bytes.TrimSpace(b))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: decoding answer: %w", method, path, err)
	}
	return nil
}

// seed creates line t: a user with its extension and a license, a Yealink
// T46U, and the user on the phone's line 1.
func (c *client) seed(ctx context.Context, t *line) error {
	name := fmt.Sprintf("sipbench%07d", t.i)
	var u struct {
		ID int64 `json:"id"`
	}
	err := c.call(ctx, http.MethodPost, "/users", map[string]string{"username": name, "first_name": "Sip",
		"last_name": fmt.Sprintf("Bench %d", t.i), "email": name + "@bench.example",
		"extension": t.extension, "time_zone": "America/New_York"}, http.StatusCreated, &u)
	if err != nil {
		return err
	}
	var l struct {
		ID string `json:"id"`
	}
	err = c.call(ctx, http.MethodPost, "/licenses", map[string]string{"type": "X4", "country": "US",
		"service_address": "1 Main St, New York, NY"}, http.StatusCreated, &l)
	if err != nil {
		return err
	}
	if err := c.call(ctx, http.MethodPost, fmt.Sprintf("/users/%d/licenses", u.ID),
		map[string]string{"license_id": l.ID}, http.StatusOK, nil); err != nil {
		return err
	}
	if err := c.call(ctx, http.MethodPost, "/devices", map[string]string{"mac": t.mac, "model": "Yealink T46U"},
		http.StatusCreated, nil); err != nil {
		return err
	}
	return c.call(ctx, http.MethodPut, "/devices/"+t.mac+"/lines/1", map[string]int64{"user_id": u.ID}, http.StatusOK, nil)
}

// credentials fetches the phone's config as the phone would and reads its
// line 1: the extension (user_name), auth user and password.
func (c *client) credentials(ctx context.Context, t *line) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/"+t.mac+".cfg", nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "Yealink SIP-T46U 108.86.0.90 "+colonMAC(t.mac))
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /%s.cfg: status %d", t.mac, resp.StatusCode)
	}
	kv := yealinkAccount1(b)
	user, authUser, password := kv["user_name"], kv["auth_name"], kv["password"]
	switch {
	case user != t.extension:
		return fmt.Errorf("/%s.cfg: account.1.user_name %q, want extension %q", t.mac, user, t.extension)
	case !safeField(authUser) || !safeField(password):
		return fmt.Errorf("/%s.cfg: auth_name %q or password unusable in a sipp injection file", t.mac, authUser)
	}
	t.authUser, t.password = authUser, password
	return nil
}

// yealinkAccount1 returns the "account.1.KEY = VALUE" pairs of a Yealink
// config, keyed by KEY.
func yealinkAccount1(cfg []byte) map[string]string {
	kv := make(map[string]string)
	sc := bufio.NewScanner(bytes.NewReader(cfg))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		if key, ok := strings.CutPrefix(strings.TrimSpace(k), "account.1."); ok {
			kv[key] = strings.TrimSpace(v)
		}
	}
	return kv
}

// safeField reports whether s can go into a sipp injection field, a
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
