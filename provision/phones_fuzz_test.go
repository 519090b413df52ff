package provision

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/provision/ident"
	"github.com/phoneprov/phoneprov/templates"
)

// fuzzPhones is the config routes over a store holding the Yealink and
// Poly of the phone tests, the Poly with HTTP digest credentials, and a
// throttle that never blocks (so every input reaches the file handling).
func fuzzPhones(tb testing.TB) *Phones {
	tb.Helper()
	ctx := context.Background()
	s, err := devicedb.Open(ctx, devicedb.Options{Path: filepath.Join(tb.TempDir(), "db")})
	if err != nil {
		tb.Fatal(err)
	}
	r, err := templates.NewRenderer(templates.RendererConfig{})
	if err != nil {
		tb.Fatal(err)
	}
	ph, err := NewPhones(PhonesConfig{Store: s, Renderer: r, Throttle: ThrottleConfig{MaxUnknown: 1 << 30},
		Settings: Settings{Domain: "phoneprov.test", PublicHost: "192.0.2.10", ProvisionURL: "http://192.0.2.10:8080/"}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ph.Close(); s.Close() })
	u, err := s.CreateUser(ctx, devicedb.NewUser{Username: "alice", FirstName: "Alice", Extension: "1001"})
	if err != nil {
		tb.Fatal(err)
	}
	for _, d := range []struct{ mac, model string }{{yealinkMAC, "T46U"}, {polyMAC, "VVX 410"}} {
		if _, err := s.CreateDevice(ctx, devicedb.NewDevice{MAC: d.mac, Model: d.model}); err != nil {
			tb.Fatal(err)
		}
		if _, err := s.SetLine(ctx, d.mac, 1, u.ID); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := s.SetDeviceHTTPCredentials(ctx, polyMAC, true); err != nil {
		tb.Fatal(err)
	}
	return ph
}

// FuzzPhonesServeHTTP sends whatever request net/http would parse from
// the input to the config routes. Properties: no panic and no 500; every
// 404 is the uniform one, byte for byte; without a valid credential (the
// fuzzer cannot make one) a success (2xx or 304) is only ever for a shared
// file with no MAC or a firmware image, never a device's own file; a 401
// only for a per-device file (any MAC alike).
func FuzzPhonesServeHTTP(f *testing.F) {
	ph := fuzzPhones(f)
	for _, s := range []struct{ method, target, ua, authz, body string }{
		{"GET", "/" + yealinkMAC + ".cfg", yealinkUA, "", ""},
		{"GET", "/y000000000028.cfg", yealinkUA, "", ""},
		{"HEAD", "/" + strings.ToUpper(yealinkMAC) + ".boot", "", "", ""},
		{"GET", "/phoneprov-" + polyMAC + ".cfg", polyUA, `Digest username="d` + polyMAC + `", realm="phoneprov.test", nonce="x", uri="/phoneprov-` + polyMAC + `.cfg", response="0"`, ""},
		{"PUT", "/" + polyMAC + "-app.log", polyUA, "", "log line\n"},
		{"PUT", "/" + yealinkMAC + "-app.log", polyUA, "", "x"},
		{"GET", "/../../etc/passwd", "", "", ""},
		{"GET", "/%2e%2e/" + yealinkMAC + ".cfg", yealinkUA, "", ""},
		{"GET", "/spa" + yealinkMAC + ".xml?x=1", "Cisco/SPA504G-7.6.2", "", ""},
		{"GET", "/cfg000b82a1b2c3.xml", "Grandstream Model HW GXP2170 SW 1.0.11.3 DevId 000b82a1b2c3", "", ""},
		{"DELETE", "/" + yealinkMAC + ".cfg", yealinkUA, "", ""},
		{"GET", "/sip.ld", polyUA, "", ""},
		{"GET", "http://evil.example/" + yealinkMAC + ".cfg", yealinkUA, "", ""},
	} {
		f.Add(s.method, s.target, s.ua, s.authz, []byte(s.body))
	}
	notFound := httptest.NewRecorder()
	writeNotFound(notFound)
	f.Fuzz(func(t *testing.T, method, target, ua, authz string, body []byte) {
		var raw bytes.Buffer
		raw.WriteString(method + " " + target + " HTTP/1.1\r\nHost: 192.0.2.10\r\nUser-Agent: " + ua + "\r\n")
		if authz != "" {
			raw.WriteString("Authorization: " + authz + "\r\n")
		}
		raw.WriteString("Content-Length: " + itoa(len(body)) + "\r\n\r\n")
		raw.Write(body)
		req, err := http.ReadRequest(bufio.NewReader(&raw))
		if err != nil {
			return // net/http answers 400 itself
		}
		req.RemoteAddr = "192.0.2.50:5060"
		rec := httptest.NewRecorder()
		ph.ServeHTTP(rec, req)
		id := ph.id.Identify(req.UserAgent(), req.URL.Path)
		switch code := rec.Code; {
		case code >= 500:
			t.Fatalf("%s %q (UA %q): %d %s", method, target, ua, code, rec.Body)
		case code == 404:
			// A refused PUT also closes the connection (its body is never
			// read): the same for every PUT, known MAC or not.
			headers := len(notFound.Header())
			if req.Method == http.MethodPut && rec.Header().Get("Connection") == "close" {
				headers++
			}
			if !bytes.Equal(rec.Body.Bytes(), notFound.Body.Bytes()) || rec.Header().Get("Content-Type") != notFound.Header().Get("Content-Type") ||
				len(rec.Header()) != headers {
				t.Fatalf("%s %q: a 404 that is not the uniform one: %v %q", method, target, rec.Header(), rec.Body)
			}
		case code < 300 || code == 304:
			if id.MAC != "" || (id.Kind != templates.KindCommon && id.Kind != templates.KindBoot && id.Kind != templates.KindMaster && id.Kind != ident.KindFirmware) {
				t.Fatalf("%s %q (UA %q): %d for %+v without a credential", method, target, ua, code, id)
			}
		case code == 401:
			if id.MAC == "" {
				t.Fatalf("%s %q: 401 for a request naming no device", method, target)
			}
		}
	})
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		if n /= 10; n == 0 {
			return string(b[i:])
		}
	}
}
