package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// client calls the admin API and the phone routes of one phoneprov.
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

// seed creates the user of target t with an extension, a license assigned
// to it, the device and line 1 on the user.
func (c *client) seed(ctx context.Context, t target) error {
	name := fmt.Sprintf("bench%06d", t.i+1)
	var u struct {
		ID int64 `json:"id"`
	}
	err := c.call(ctx, http.MethodPost, "/users", map[string]string{"username": name, "first_name": "Bench",
		"last_name": fmt.Sprintf("User %d", t.i+1), "email": name + "@bench.example",
		"extension": fmt.Sprintf("%d", 1000000+t.i+1), "time_zone": "America/New_York"}, http.StatusCreated, &u)
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
	if err := c.call(ctx, http.MethodPost, "/devices", map[string]string{"mac": t.mac, "model": t.model},
		http.StatusCreated, nil); err != nil {
		return err
	}
	return c.call(ctx, http.MethodPut, "/devices/"+t.mac+"/lines/1", map[string]int64{"user_id": u.ID}, http.StatusOK, nil)
}

// checkServed asks the identify route whether the phone's request would
// be served.
func (c *client) checkServed(ctx context.Context, t target) error {
	q := url.Values{"path": {t.path}, "user_agent": {t.ua}}
	var ex struct {
		Served bool   `json:"served"`
		Reason string `json:"reason"`
		MAC    string `json:"mac"`
	}
	if err := c.call(ctx, http.MethodGet, "/identify?"+q.Encode(), nil, http.StatusOK, &ex); err != nil {
		return err
	}
	if !ex.Served || ex.MAC != t.mac {
		return fmt.Errorf("%s with %q is not served (mac %q): %s", t.path, t.ua, ex.MAC, ex.Reason)
	}
	return nil
}

// fetch asks for the phone's config with its User-Agent, as wrk will.
func (c *client) fetch(ctx context.Context, t target) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+t.path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", t.ua)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == "" || len(b) == 0 {
		return nil, fmt.Errorf("GET %s: status %d, etag %q, %d bytes", t.path, resp.StatusCode, resp.Header.Get("ETag"), len(b))
	}
	return b, nil
}
