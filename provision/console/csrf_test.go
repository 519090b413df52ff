package console

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// rawPost sends a sign-out form (a state change) with exactly the cookies,
// token and headers given, and returns the status.
func (e *env) rawPost(token string, cookies []*http.Cookie, hdr map[string]string) int {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+"/logout", strings.NewReader(url.Values{"csrf": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	for _, ck := range cookies {
		req.AddCookie(ck)
	}
	c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// session signs alice in on a fresh client and returns its cookies and the
// CSRF token of its pages.
func (e *env) session() ([]*http.Cookie, string) {
	e.t.Helper()
	e.c.Jar, _ = cookiejar.New(nil)
	e.signIn()
	_, page := e.get("/ui/devices")
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		e.t.Fatal("no CSRF field after sign-in")
	}
	u, _ := url.Parse(e.srv.URL)
	return e.c.Jar.Cookies(u), m[1]
}

// TestCSRFBoundToSession checks that only the token derived from the
// request's own session passes: a pair the attacker made up (cookie and
// field equal, the old scheme), another session's token, a cookie without
// a token, and a cross-site Origin or Sec-Fetch-Site are all refused.
func TestCSRFBoundToSession(t *testing.T) {
	e := newEnv(t, Config{})
	a, tokA := e.session()
	b, tokB := e.session()
	if tokA == tokB {
		t.Fatal("two sessions got the same CSRF token")
	}
	forged := []*http.Cookie{{Name: csrfCookie, Value: strings.Repeat("A", 43)}}
	same := map[string]string{"Origin": e.srv.URL, "Sec-Fetch-Site": "same-origin"}
	tests := []struct {
		name    string
		token   string
		cookies []*http.Cookie
		hdr     map[string]string
		want    int
	}{
		{"forged pair: cookie equals field", strings.Repeat("A", 43), forged, nil, http.StatusForbidden},
		{"another session's token", tokB, a, nil, http.StatusForbidden},
		{"no token", "", a, nil, http.StatusForbidden},
		{"cross-site origin", tokA, a, map[string]string{"Origin": "http://evil.example"}, http.StatusForbidden},
		{"cross-site fetch", tokA, a, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"same-site is not same-origin", tokA, a, map[string]string{"Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		{"null origin from another site", tokA, a, map[string]string{"Origin": "null", "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"own token, same origin", tokA, a, same, http.StatusSeeOther},
		{"own token, no browser headers", tokB, b, nil, http.StatusSeeOther},
		// A page with Referrer-Policy no-referrer (the console's) posts
		// with Origin: null; Sec-Fetch-Site still says same-origin. (The
		// session ended above; signing out again is still a 303.)
		{"own token, null origin, same-origin fetch", tokA, a, map[string]string{"Origin": "null", "Sec-Fetch-Site": "same-origin"}, http.StatusSeeOther},
	}
	for _, tt := range tests {
		if got := e.rawPost(tt.token, tt.cookies, tt.hdr); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestCSRFKeyedByServer checks that a console with another key (another
// server, or this one after a restart) refuses the tokens of the first.
func TestCSRFKeyedByServer(t *testing.T) {
	e := newEnv(t, Config{CSRFKey: []byte("first key, 32 bytes long........")})
	cookies, tok := e.session()
	con, err := New(Config{Store: e.store, CSRFKey: []byte("other key, 32 bytes long........")})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(con.Routes())
	defer srv.Close()
	other := &env{t: t, store: e.store, srv: srv}
	if got := other.rawPost(tok, cookies, nil); got != http.StatusForbidden {
		t.Errorf("token under another key: %d, want 403", got)
	}
	if got := e.rawPost(tok, cookies, nil); got != http.StatusSeeOther {
		t.Errorf("token under its own key: %d, want 303", got)
	}
}

// TestHSTSOverHTTPS checks Strict-Transport-Security on HTTPS responses
// only (over plain HTTP a browser ignores it, and it would be a lie).
func TestHSTSOverHTTPS(t *testing.T) {
	e := newEnv(t, Config{})
	con, err := New(Config{Store: e.store})
	if err != nil {
		t.Fatal(err)
	}
	tlsSrv := httptest.NewTLSServer(con.Routes())
	defer tlsSrv.Close()
	for _, tc := range []struct {
		c    *http.Client
		url  string
		want string
	}{{tlsSrv.Client(), tlsSrv.URL, "max-age=31536000"}, {e.c, e.srv.URL, ""}} {
		resp, err := tc.c.Get(tc.url + "/login")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if got := resp.Header.Get("Strict-Transport-Security"); got != tc.want {
			t.Errorf("%s: Strict-Transport-Security %q, want %q", tc.url, got, tc.want)
		}
	}
}
