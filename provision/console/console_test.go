package console

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/devicedb/dbtest"
	"github.com/phoneprov/phoneprov/provision/jobs"
	"github.com/phoneprov/phoneprov/sip/srclimit"
	"github.com/phoneprov/phoneprov/templates"
)

// env is a console on a real loopback server with a real store.
type env struct {
	t     *testing.T
	store *devicedb.Store
	srv   *httptest.Server
	c     *http.Client
}

func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	ctx := context.Background()
	s, err := devicedb.Open(ctx, dbtest.Options(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.CreateAdmin(ctx, "alice", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	cfg.Store = s
	if cfg.Jobs == nil {
		cfg.Jobs = jobs.New()
	}
	con, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(con.Routes())
	t.Cleanup(func() { srv.Close(); cfg.Jobs.Stop() }) // before the store closes, as serve does
	jar, _ := cookiejar.New(nil)
	return &env{t: t, store: s, srv: srv, c: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

// get fetches a page and returns its status and body.
func (e *env) get(path string) (int, string) {
	e.t.Helper()
	resp, err := e.c.Get(e.srv.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<22))
	return resp.StatusCode, string(b)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// post submits a form with the CSRF token of the page at from.
func (e *env) post(from, path string, v url.Values) (int, string) {
	e.t.Helper()
	_, page := e.get(from)
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		e.t.Fatalf("no CSRF field on %s", from)
	}
	v.Set("csrf", m[1])
	resp, err := e.c.PostForm(e.srv.URL+path, v)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<22))
	return resp.StatusCode, string(b)
}

func (e *env) signIn() {
	e.t.Helper()
	st, body := e.post("/login", "/login", url.Values{"name": {"alice"}, "password": {"correct horse battery"}})
	if st != http.StatusOK || !strings.Contains(body, "alice") || !strings.Contains(body, "Sign out") {
		e.t.Fatalf("sign-in: %d %s", st, body)
	}
}

func TestPathsLeavePhoneFilesAlone(t *testing.T) {
	s, err := devicedb.Open(context.Background(), dbtest.Options(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := 0
	for _, m := range s.Catalog().Models() {
		for _, f := range append([]string{m.FirmwareFile}, m.Files...) {
			if f == "" {
				continue
			}
			for _, mac := range []string{"805ec0a1b2c3", "805EC0A1B2C3"} {
				p := "/" + strings.NewReplacer("{mac}", mac, "{MAC}", mac, "{model}", "t46u", "{psn}", "spa504g").Replace(f)
				if Paths(p) {
					t.Errorf("%s file %s: console claims %s", m.Model, f, p)
				}
				n++
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d phone paths checked", n)
	}
	for _, p := range []string{"/", "/login", "/logout", "/set-password", "/ui", "/ui/devices", "/ui/static/style.css"} {
		if !Paths(p) {
			t.Errorf("Paths(%q) = false", p)
		}
	}
	for _, p := range []string{"/ui.cfg", "/uix", "/login.cfg", "/api/v1/users"} {
		if Paths(p) {
			t.Errorf("Paths(%q) = true", p)
		}
	}
}

func TestSignInFlow(t *testing.T) {
	e := newEnv(t, Config{})
	if st, body := e.get("/ui/users"); st != http.StatusOK || !strings.Contains(body, `id="login"`) {
		t.Fatalf("unsigned visit: %d, want the sign-in page", st)
	}
	// A POST without the CSRF token is refused.
	resp, err := e.c.PostForm(e.srv.URL+"/login", url.Values{"name": {"alice"}, "password": {"correct horse battery"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("POST without CSRF: %d, want 403", resp.StatusCode)
	}
	if st, body := e.post("/login", "/login", url.Values{"name": {"alice"}, "password": {"wrong password"}}); st != http.StatusUnauthorized ||
		!strings.Contains(body, "wrong admin name or password") {
		t.Fatalf("wrong password: %d %s", st, body)
	}
	e.signIn()
	u, _ := url.Parse(e.srv.URL)
	var found bool
	for _, ck := range e.c.Jar.Cookies(u) {
		found = found || ck.Name == sessionCookie
	}
	if !found {
		t.Fatal("no session cookie")
	}
	if st, body := e.post("/ui/devices", "/logout", url.Values{}); st != http.StatusOK || !strings.Contains(body, "signed out") {
		t.Fatalf("sign-out: %d %s", st, body)
	}
	if _, body := e.get("/ui/devices"); !strings.Contains(body, `id="login"`) {
		t.Fatal("still signed in after sign-out")
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	e := newEnv(t, Config{})
	_, page := e.get("/login")
	tok := csrfRe.FindStringSubmatch(page)[1]
	c := &http.Client{Jar: e.c.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(e.srv.URL+"/login", url.Values{"csrf": {tok}, "name": {"alice"}, "password": {"correct horse battery"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var got *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			got = ck
		}
	}
	if got == nil || !got.HttpOnly || got.SameSite != http.SameSiteStrictMode || got.Secure {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Strict, not Secure over plain HTTP", got)
	}
}

func TestSignInRateLimited(t *testing.T) {
	e := newEnv(t, Config{SignInBurst: 3, SignInWindow: time.Hour})
	for i := 0; i < 3; i++ {
		if st, _ := e.post("/login", "/login", url.Values{"name": {"alice"}, "password": {"wrong password"}}); st != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, st)
		}
	}
	st, body := e.post("/login", "/login", url.Values{"name": {"alice"}, "password": {"correct horse battery"}})
	if st != http.StatusTooManyRequests || !strings.Contains(body, "too many sign-in attempts") {
		t.Fatalf("4th attempt: %d, want 429", st)
	}
}

func TestLimiterBounded(t *testing.T) {
	now := time.Unix(0, 0)
	l := newLimiter(1, time.Minute, 2, func() time.Time { return now })
	tests := []struct {
		src  string
		want bool
	}{{"192.0.2.1:1", true}, {"192.0.2.1:2", false}, {"192.0.2.2:1", true}, {"192.0.2.3:1", false}}
	for _, tc := range tests {
		if got := l.Allow(remoteSource(tc.src)); got != tc.want {
			t.Errorf("Allow(%s) = %v, want %v", tc.src, got, tc.want)
		}
	}
	now = now.Add(time.Minute)
	if !l.Allow(remoteSource("192.0.2.3:1")) {
		t.Fatal("a new source refused after the window")
	}
}

// TestSourceKey checks that sign-ins count per IPv4 address and per IPv6
// /64, whatever the port or zone.
func TestSourceKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1:443":                      "192.0.2.1",
		"[::ffff:192.0.2.1]:1":               "192.0.2.1",
		"[2001:db8:1:2::1]:443":              "2001:db8:1:2::",
		"[2001:db8:1:2:ffff:ffff:ffff:1]:80": "2001:db8:1:2::",
		"[fe80::1%eth0]:80":                  "fe80::",
		"not an address":                     "invalid IP",
	} {
		if got := srclimit.SourceKey(remoteSource(in)).String(); got != want {
			t.Errorf("key of %q = %q, want %q", in, got, want)
		}
	}
	if srclimit.SourceKey(remoteSource("[2001:db8:1:3::1]:1")) == srclimit.SourceKey(remoteSource("[2001:db8:1:2::1]:1")) {
		t.Error("two /64s share a counter")
	}
}

func TestSetPasswordLink(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	importJoe(t, e.store)
	msgs, _, err := e.store.ListOutbox(ctx, "", devicedb.Page{})
	if err != nil || len(msgs) == 0 {
		t.Fatalf("no welcome message: %v", err)
	}
	tok := strings.TrimPrefix(msgs[0].Link, devicedb.DefaultWelcomeLinkBase)
	page := "/set-password?token=" + url.QueryEscape(tok)
	if st, body := e.post(page, "/set-password", url.Values{"token": {tok}, "password": {"a long password"}, "password2": {"another one!!"}}); st != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "the two passwords differ") {
		t.Fatalf("mismatch: %d %s", st, body)
	}
	if st, body := e.post(page, "/set-password", url.Values{"token": {tok}, "password": {"a long password"}, "password2": {"a long password"}}); st != http.StatusOK ||
		!strings.Contains(body, "your password is set") {
		t.Fatalf("set: %d %s", st, body)
	}
	// A used or bogus link shows the reason, no form, and no way into the console.
	for _, tc := range []struct {
		page, want string
		status     int
	}{
		{page, "used already", http.StatusConflict},
		{"/set-password?token=bogus", "not valid", http.StatusNotFound},
		{"/set-password", "no valid token", http.StatusBadRequest},
	} {
		st, body := e.get(tc.page)
		if st != tc.status || !strings.Contains(body, tc.want) || strings.Contains(body, "<form") || strings.Contains(body, "Back to the console") {
			t.Errorf("%s: %d %s", tc.page, st, body)
		}
	}
}

// importJoe imports the seeds' example: joe8x8 split into four users, one
// of them (joe8x8.1002) on the unsupported SoundPoint IP 331 0004f2a1b2c4.
func importJoe(t *testing.T, s *devicedb.Store) {
	t.Helper()
	f, err := os.Open("../../devicedb/testdata/import/seeds-joe.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	exp, err := devicedb.DecodeClassicJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	freeze := func(*devicedb.Device, templates.Model) ([]byte, error) { return []byte("frozen"), nil }
	if _, err := s.ImportClassic(context.Background(), exp, devicedb.ImportOptions{Freeze: freeze}); err != nil {
		t.Fatal(err)
	}
}

func TestCookiesSecureOverHTTPS(t *testing.T) {
	e := newEnv(t, Config{})
	con, err := New(Config{Store: e.store})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(con.Routes())
	defer srv.Close()
	c := srv.Client()
	c.Timeout = 10 * time.Second
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(srv.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var csrf *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == csrfCookie {
			csrf = ck
		}
	}
	if csrf == nil || !csrf.Secure || !csrf.HttpOnly {
		t.Fatalf("CSRF cookie over HTTPS: %+v", csrf)
	}
	form := url.Values{"csrf": {csrfRe.FindStringSubmatch(string(page))[1]}, "name": {"alice"}, "password": {"correct horse battery"}}
	req, _ := http.NewRequest("POST", srv.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(csrf)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie && ck.Value != "" {
			if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
				t.Fatalf("session cookie over HTTPS: %+v", ck)
			}
			return
		}
	}
	t.Fatalf("no session cookie after sign-in over HTTPS: %d", resp.StatusCode)
}
