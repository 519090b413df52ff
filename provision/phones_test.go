package provision

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/icholy/digest"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/devicedb/dbtest"
	"github.com/phoneprov/phoneprov/templates"
)

const (
	yealinkMAC = "805ec0a1b2c3"
	yealinkUA  = "Yealink SIP-T46U 108.86.0.90 80:5e:c0:a1:b2:c3"
	polyMAC    = "0004f2a1b2c3"
	polyUA     = "FileTransport PolycomVVX-VVX_410-UA/5.9.7.4477 Type/Application"
)

type phoneEnv struct {
	t      testing.TB
	url    string // the HTTP server's base URL
	h      *Server
	store  *devicedb.Store
	phones *Phones
	alice  *devicedb.User
	bob    *devicedb.User
}

func newPhoneEnv(t testing.TB, tc ThrottleConfig) *phoneEnv {
	t.Helper()
	ctx := context.Background()
	s, err := devicedb.Open(ctx, dbtest.Options(t))
	if err != nil {
		t.Fatal(err)
	}
	r, err := templates.NewRenderer(templates.RendererConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ph, err := NewPhones(PhonesConfig{Store: s, Renderer: r, Throttle: tc, Settings: Settings{Domain: "phoneprov.test",
		PublicHost: "192.0.2.10", ProvisionURL: "http://192.0.2.10:8080/", STUNPort: 3478}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(Config{Store: s, AdminToken: "0123456789abcdef0123", Phones: ph})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ph.Close(); s.Close() })
	e := &phoneEnv{t: t, url: serveTest(t, h, nil), h: h, store: s, phones: ph}
	e.alice, _ = s.CreateUser(ctx, devicedb.NewUser{Username: "alice", FirstName: "Alice", LastName: "Archer", Extension: "1001"})
	e.bob, _ = s.CreateUser(ctx, devicedb.NewUser{Username: "bob", FirstName: "Bob", Extension: "1002"})
	l, _ := s.CreateLicense(ctx, devicedb.NewLicense{Type: "X4", Country: "US"})
	if _, err := s.AssignLicense(ctx, e.alice.ID, l.ID); err != nil {
		t.Fatal(err)
	}
	for _, d := range []struct {
		mac, model string
		user       int64
	}{{yealinkMAC, "T46U", e.alice.ID}, {polyMAC, "VVX 410", e.bob.ID}} {
		if _, err := s.CreateDevice(ctx, devicedb.NewDevice{MAC: d.mac, Model: d.model}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetLine(ctx, d.mac, 1, d.user); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// get fetches a file as the phone would: with the credential of the
// device whose MAC the path names (HTTP digest), or a made-up one when
// there is no such device.
func (e *phoneEnv) get(path, ua string, hdr ...string) (*http.Response, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.url+path, nil)
	return e.do(req, ua, hdr...)
}

// do sends req with the User-Agent and headers, answering a digest
// challenge with the credential of the device the path names.
func (e *phoneEnv) do(req *http.Request, ua string, hdr ...string) (*http.Response, []byte) {
	e.t.Helper()
	req.Header.Set("User-Agent", ua)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	user, pw := "dnobody", "none"
	if mac := e.phones.id.Identify(ua, req.URL.Path).MAC; mac != "" {
		if u, p, err := e.store.DeviceHTTPCredentials(context.Background(), mac); err == nil {
			user, pw = u, p
		}
	}
	c := &http.Client{Transport: &digest.Transport{Username: user, Password: pw}}
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// getRaw fetches a file with no credential.
func (e *phoneEnv) getRaw(path, ua string) (*http.Response, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.url+path, nil)
	req.Header.Set("User-Agent", ua)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

func TestYealinkBootSequence(t *testing.T) {
	e := newPhoneEnv(t, ThrottleConfig{})
	m, _ := e.store.Catalog().Lookup("T46U")
	d, _ := e.store.DeviceConfig(context.Background(), yealinkMAC)
	served := 0
	for _, f := range m.Files {
		path := "/" + strings.NewReplacer("{mac}", yealinkMAC, "{MAC}", strings.ToUpper(yealinkMAC)).Replace(f)
		res, body := e.get(path, yealinkUA)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, res.StatusCode, body)
		}
		served++
		if path == "/"+yealinkMAC+".cfg" {
			for _, want := range []string{"account.1.enable = 1", "account.1.auth_name = " + d.Lines[0].AuthUser,
				"account.1.password = " + d.Lines[0].Password, "account.1.display_name = Alice Archer"} {
				if !bytes.Contains(body, []byte(want)) {
					t.Errorf("%s lacks %q:\n%s", path, want, body)
				}
			}
		}
	}
	if served < 2 {
		t.Fatalf("T46U boot sequence has %d files", served)
	}
	// Upper-case MAC in the path is the same file.
	if res, _ := e.get("/"+strings.ToUpper(yealinkMAC)+".cfg", yealinkUA); res.StatusCode != 200 {
		t.Fatalf("upper-case MAC: %d", res.StatusCode)
	}
}

func TestUnlicensedLineDisabledAndBelowMinimumFirmware(t *testing.T) {
	e := newPhoneEnv(t, ThrottleConfig{})
	res, body := e.get("/phoneprov-"+polyMAC+".cfg", polyUA)
	if res.StatusCode != 200 || !bytes.Contains(body, []byte(`reg.1.address="1002@`)) {
		t.Fatalf("poly phone file: %d %s", res.StatusCode, body)
	}
	if bytes.Contains(body, []byte(`reg.1.enable="1"`)) {
		t.Fatalf("line of an unlicensed user rendered enabled:\n%s", body)
	}
	// Alice on the Yealink, with a firmware below the model's minimum.
	m, _ := e.store.Catalog().Lookup("T46U")
	if m.MinFirmware == "" {
		t.Fatal("catalog has no minimum firmware for T46U: the test needs one")
	}
	_, ok := e.get("/"+yealinkMAC+".cfg", yealinkUA)
	_, old := e.get("/"+yealinkMAC+".cfg", "Yealink SIP-T46U 1.0.0.1 80:5e:c0:a1:b2:c3")
	if !bytes.Contains(ok, []byte("account.1.enable = 1")) || !bytes.Contains(old, []byte("account.1.enable = 0")) {
		t.Fatalf("below-minimum firmware not disabled:\ncurrent: %s\nold: %s", ok, old)
	}
}

func TestStrangersGetTheSame404(t *testing.T) {
	e := newPhoneEnv(t, ThrottleConfig{MaxUnknown: 1000})
	cases := []struct{ name, path, ua string }{
		{"unknown MAC", "/805ec0ffffff.cfg", "Yealink SIP-T46U 108.86.0.90 80:5e:c0:ff:ff:ff"},
		{"MAC in UA differs", "/" + yealinkMAC + ".cfg", "Yealink SIP-T46U 108.86.0.90 80:5e:c0:00:00:01"},
		{"other model", "/" + yealinkMAC + ".cfg", "Yealink SIP-T31P 124.86.0.40 80:5e:c0:a1:b2:c3"},
		{"other vendor", "/" + yealinkMAC + ".cfg", "Fanvil X4U 2.12.1 805ec0a1b2c3"},
		{"unknown file", "/secrets.txt", yealinkUA},
		{"traversal", "/../../etc/passwd", yealinkUA},
		{"poly file for a yealink", "/phoneprov-" + yealinkMAC + ".cfg", polyUA},
	}
	_, want := e.get("/nothing-here", "")
	for _, c := range cases {
		res, body := e.get(c.path, c.ua)
		if res.StatusCode != 404 || !bytes.Equal(body, want) || res.Header.Get("ETag") != "" {
			t.Errorf("%s: %d %q, want the uniform 404 %q", c.name, res.StatusCode, body, want)
		}
	}
}

func TestETagAnd304(t *testing.T) {
	e := newPhoneEnv(t, ThrottleConfig{})
	res, body := e.get("/"+yealinkMAC+".cfg", yealinkUA)
	tag := res.Header.Get("ETag")
	if tag == "" || len(body) == 0 {
		t.Fatal("no ETag")
	}
	if res, _ = e.get("/"+yealinkMAC+".cfg", yealinkUA, "If-None-Match", tag); res.StatusCode != 304 {
		t.Fatalf("If-None-Match: %d", res.StatusCode)
	}
	// An admin change that alters the config changes the ETag.
	name := "Alicia"
	if _, err := e.store.UpdateUser(context.Background(), e.alice.ID, devicedb.UserPatch{FirstName: &name}); err != nil {
		t.Fatal(err)
	}
	res, body = e.get("/"+yealinkMAC+".cfg", yealinkUA, "If-None-Match", tag)
	if res.StatusCode != 200 || res.Header.Get("ETag") == tag || !bytes.Contains(body, []byte("Alicia")) {
		t.Fatalf("after change: %d %s", res.StatusCode, res.Header.Get("ETag"))
	}
}

func TestMACWalkThrottledKnownOfficeNot(t *testing.T) {
	e := newPhoneEnv(t, ThrottleConfig{MaxUnknown: 20})
	// 300 fetches by a known phone from one address: never throttled.
	for i := 0; i < 300; i++ {
		if res, _ := e.get("/"+yealinkMAC+".cfg", yealinkUA); res.StatusCode != 200 {
			t.Fatalf("known device fetch %d: %d", i, res.StatusCode)
		}
	}
	blockedAt := 0
	for i := 0; i < 60; i++ {
		res, _ := e.get(fmt.Sprintf("/805ec0%06x.cfg", i), yealinkUA)
		if res.StatusCode == 429 {
			blockedAt = i
			break
		}
		if res.StatusCode != 404 {
			t.Fatalf("walk %d: %d", i, res.StatusCode)
		}
	}
	if blockedAt == 0 || blockedAt > 30 {
		t.Fatalf("MAC walk blocked at attempt %d, want within a few dozen", blockedAt)
	}
	// The walk never blocks the known phone behind the same address.
	if res, _ := e.get("/"+yealinkMAC+".cfg", yealinkUA); res.StatusCode != 200 {
		t.Fatalf("known phone behind the walking source: %d, want 200", res.StatusCode)
	}
	if res, _ := e.get("/805ec0ffff00.cfg", yealinkUA); res.StatusCode != 429 {
		t.Fatalf("blocked source asking for another unknown MAC: %d, want 429", res.StatusCode)
	}
}

// TestChallengeWalkCounts: a walk with a phone's User-Agent and no
// credential gets the challenge for every MAC (known or not) and counts;
// once the source is blocked it still gets the challenge (without a
// database look-up), its refused requests get 429, and the known phone
// behind it is still served.
func TestChallengeWalkCounts(t *testing.T) {
	e := newPhoneEnv(t, ThrottleConfig{MaxUnknown: 5})
	for i := 0; i < 10; i++ {
		ua := fmt.Sprintf("Yealink SIP-T46U 108.86.0.90 80:5e:c0:00:00:%02x", i)
		if res, _ := e.getRaw(fmt.Sprintf("/805ec00000%02x.cfg", i), ua); res.StatusCode != 401 {
			t.Fatalf("walk %d without credential: %d, want the challenge", i, res.StatusCode)
		}
	}
	if !e.phones.throttle.isBlocked(netip.MustParseAddr("127.0.0.1"), time.Now()) {
		t.Fatal("a walk of 10 unknown MACs by challenges did not block the source")
	}
	if res, _ := e.getRaw("/"+yealinkMAC+".cfg", yealinkUA); res.StatusCode != 401 {
		t.Fatalf("known MAC from the blocked source, no credential: %d, want the same challenge", res.StatusCode)
	}
	if res, _ := e.get("/805ec0ffff00.cfg", "Yealink SIP-T46U 108.86.0.90 80:5e:c0:ff:ff:00"); res.StatusCode != 429 {
		t.Fatalf("a refused request from the blocked source: %d, want 429", res.StatusCode)
	}
	if res, _ := e.get("/"+yealinkMAC+".cfg", yealinkUA); res.StatusCode != 200 {
		t.Fatalf("the known phone behind the blocked source: %d", res.StatusCode)
	}
}

func TestPendingDevicesAndUploads(t *testing.T) {
	e := newPhoneEnv(t, ThrottleConfig{})
	e.get("/0015651a2b3c.boot", "Yealink SIP-T54W 96.86.0.100 00:15:65:1a:2b:3c")
	deadline := time.Now().Add(5 * time.Second)
	for {
		ps, _, err := e.store.ListPending(context.Background(), devicedb.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) == 1 && ps[0].MAC == "0015651a2b3c" && ps[0].Model == "T54W" && ps[0].Firmware == "96.86.0.100" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pending list: %+v", ps)
		}
		time.Sleep(50 * time.Millisecond)
	}
	req, _ := http.NewRequest("PUT", e.url+"/"+polyMAC+"-app.log", strings.NewReader("boot ok"))
	if res, body := e.do(req, polyUA); res.StatusCode != 204 {
		t.Fatalf("upload: %d %s", res.StatusCode, body)
	}
	us, _ := e.store.Uploads(context.Background(), polyMAC, polyMAC+"-app.log")
	if len(us) != 1 || string(us[0].Body) != "boot ok" {
		t.Fatalf("uploads: %+v", us)
	}
	req, _ = http.NewRequest("PUT", e.url+"/805ec0ffffff-app.log", strings.NewReader("x"))
	if res, _ := e.do(req, polyUA); res.StatusCode != 404 {
		t.Fatalf("upload by a stranger: %d", res.StatusCode)
	}
	// The Poly's upload without its credential: challenged, never stored.
	req, _ = http.NewRequest("PUT", e.url+"/"+polyMAC+"-web.cfg", strings.NewReader("x"))
	req.Header.Set("User-Agent", polyUA)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 401 {
		t.Fatalf("upload without credential: %v %v", res, err)
	}
	// A Yealink does not upload, even with its credential.
	req, _ = http.NewRequest("PUT", e.url+"/"+yealinkMAC+"-app.log", strings.NewReader("x"))
	if res, _ := e.do(req, polyUA); res.StatusCode != 404 {
		t.Fatalf("upload for a Yealink: %d", res.StatusCode)
	}
}

func TestDeviceHTTPDigest(t *testing.T) {
	e := newPhoneEnv(t, ThrottleConfig{})
	if _, err := e.store.SetDeviceHTTPCredentials(context.Background(), yealinkMAC, true); err != nil {
		t.Fatal(err)
	}
	user, pw, _ := e.store.DeviceHTTPCredentials(context.Background(), yealinkMAC)
	path := "/" + yealinkMAC + ".cfg"
	res, _ := e.getRaw(path, yealinkUA)
	if res.StatusCode != 401 || len(res.Header.Values("WWW-Authenticate")) == 0 {
		t.Fatalf("without credentials: %d", res.StatusCode)
	}
	c := &http.Client{Transport: &digest.Transport{Username: user, Password: pw}}
	req, _ := http.NewRequest("GET", e.url+path, nil)
	req.Header.Set("User-Agent", yealinkUA)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Contains(body, []byte(pw)) {
		t.Fatalf("with credentials: %d\n%s", res.StatusCode, body)
	}
	c = &http.Client{Transport: &digest.Transport{Username: user, Password: "wrong"}}
	req, _ = http.NewRequest("GET", e.url+path, nil)
	req.Header.Set("User-Agent", yealinkUA)
	if res, err = c.Do(req); err != nil || res.StatusCode != 404 {
		t.Fatalf("wrong password: %v %v, want the uniform 404", res, err)
	}
}

func TestHostileDisplayNameEscaped(t *testing.T) {
	e := newPhoneEnv(t, ThrottleConfig{})
	evil := `"/><x a="`
	if _, err := e.store.UpdateUser(context.Background(), e.bob.ID, devicedb.UserPatch{FirstName: &evil}); err != nil {
		t.Fatal(err)
	}
	_, body := e.get("/phoneprov-"+polyMAC+".cfg", polyUA)
	if bytes.Contains(body, []byte(`<x a=`)) || !bytes.Contains(body, []byte(`&#34;/&gt;&lt;x a=&#34;`)) && !bytes.Contains(body, []byte(`&quot;/&gt;&lt;x a=&quot;`)) {
		t.Fatalf("display name not escaped:\n%s", body)
	}
}
