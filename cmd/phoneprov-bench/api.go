package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// admin calls the admin API of one phoneprov.
type admin struct {
	base, token string
	http        *http.Client
}

func newAdmin(base, token string, conns int) *admin {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: 30 * time.Second}
	return &admin{base: base, token: token, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// statusError is an HTTP answer with another status than wanted.
type statusError struct {
	what       string // "GET /path"
	code, want int
	body       string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s: status %d (want %d): %.300s", e.what, e.code, e.want, e.body)
}

// call sends one request and decodes the JSON answer into out (when not
// nil); any status but want is an error carrying the body.
func (a *admin) call(ctx context.Context, method, path string, in any, want int, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+"/api/v1"+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return &statusError{what: method + " " + path, code: resp.StatusCode, want: want, body: string(bytes.TrimSpace(b))}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: decoding answer: %w", method, path, err)
	}
	return nil
}

// seed creates a licensed user with an extension and the device with line
// 1 on that user, one request at a time (seedDevices with via "api").
func (a *admin) seed(ctx context.Context, d device) error {
	var u struct {
		ID int64 `json:"id"`
	}
	name := d.username()
	err := a.call(ctx, http.MethodPost, "/users", map[string]string{"username": name, "first_name": "Storm",
		"last_name": fmt.Sprintf("Phone %d", d.n), "email": name + "@storm.example",
		"extension": d.extension(), "time_zone": "America/New_York"}, http.StatusCreated, &u)
	if err != nil {
		return err
	}
	var l struct {
		ID string `json:"id"`
	}
	if err := a.call(ctx, http.MethodPost, "/licenses", map[string]string{"id": d.licenseID(), "type": "X4", "country": "US",
		"service_address": "1 Main St, New York, NY"}, http.StatusCreated, &l); err != nil {
		return err
	}
	if err := a.call(ctx, http.MethodPost, fmt.Sprintf("/users/%d/licenses", u.ID),
		map[string]string{"license_id": l.ID}, http.StatusOK, nil); err != nil {
		return err
	}
	if err := a.call(ctx, http.MethodPost, "/devices", map[string]string{"mac": d.mac, "model": d.v.model},
		http.StatusCreated, nil); err != nil {
		return err
	}
	return a.call(ctx, http.MethodPut, "/devices/"+d.mac+"/lines/1", map[string]int64{"user_id": u.ID}, http.StatusOK, nil)
}

// credentials reads every phone's provisioning credential from the admin
// API (GET /devices/{mac}/provisioning) into ds: the server asks phones
// for it (--device-auth credentials, the default).
func (a *admin) credentials(ctx context.Context, ds []device, workers int) error {
	return phase(ctx, ds, workers, func(ctx context.Context, d device) error {
		var p struct {
			Username string `json:"username"`
			Password string `json:"password"`
		}
		if err := a.call(ctx, http.MethodGet, "/devices/"+d.mac+"/provisioning", nil, http.StatusOK, &p); err != nil {
			return err
		}
		ds[d.i].httpUser, ds[d.i].httpPass = p.Username, p.Password
		return nil
	})
}

// served asks the identify route whether the request would be served.
func (a *admin) served(ctx context.Context, path, ua string) (bool, string, error) {
	q := url.Values{"path": {path}, "user_agent": {ua}}
	var ex struct {
		Served bool   `json:"served"`
		Reason string `json:"reason"`
	}
	if err := a.call(ctx, http.MethodGet, "/identify?"+q.Encode(), nil, http.StatusOK, &ex); err != nil {
		return false, "", err
	}
	return ex.Served, ex.Reason, nil
}

// expected asks identify, for the first device of each vendor, which of its
// files are served: the storm then wants 200 for those and 404 for the
// others (firmware images the server does not hold, say). It also asks
// for each file once and warns where the server disagrees with identify.
func (a *admin) expected(ctx context.Context, ds []device, warn func(string)) (map[*vendor][]bool, error) {
	out := map[*vendor][]bool{}
	for _, d := range ds {
		if _, done := out[d.v]; done {
			continue
		}
		want := make([]bool, len(d.paths))
		for i, p := range d.paths {
			ok, _, err := a.served(ctx, p, d.ua)
			if err != nil {
				return nil, err
			}
			got, err := a.get(ctx, d, p)
			if err != nil {
				return nil, err
			}
			if got != http.StatusOK && got != http.StatusNotFound {
				// a 429 here means this source is blocked: the storm
				// would measure nothing
				return nil, fmt.Errorf("%s: GET %s answers %d: %w", d.v.name, p, got, ErrUnexpectedStatus)
			}
			if ok != (got == http.StatusOK) {
				// the phone copes (it falls back to its next file), the
				// storm expects what the server does, the report says it
				warn(fmt.Sprintf("%s: identify says served=%v but GET %s answers %d", d.v.name, ok, p, got))
			}
			want[i] = got == http.StatusOK
		}
		out[d.v] = want
	}
	return out, nil
}

// get fetches a file as phone d would and returns the status.
func (a *admin) get(ctx context.Context, d device, path string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+path, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("User-Agent", d.ua)
	resp, err := d.client(a.http).Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<20))
	return resp.StatusCode, err
}

// verify checks that every device's last file (its own config) would be
// served.
func (a *admin) verify(ctx context.Context, d device) error {
	p := d.paths[len(d.paths)-1]
	ok, why, err := a.served(ctx, p, d.ua)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s with %q: %w: %s", p, d.ua, ErrNotServed, why)
	}
	return nil
}

// phase runs fn over every device with the given concurrency and stops at
// the first error.
func phase(ctx context.Context, ds []device, workers int, fn func(context.Context, device) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan device)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range jobs {
				if err := fn(ctx, d); err != nil {
					once.Do(func() { first = fmt.Errorf("device %s: %w", d.mac, err); cancel() })
				}
			}
		}()
	}
feed:
	for _, d := range ds {
		select {
		case jobs <- d:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}
