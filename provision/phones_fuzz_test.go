package provision

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

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

// FuzzPhonesServeHTTP sends whatever request fasthttp parses from the
// input to the HTTP server (over loopback). Properties: no 5xx; every 404
// is the uniform one, byte for byte (but its Date); without a valid
// credential (the fuzzer cannot make one) a success (2xx or 304) is only
// ever for a shared file with no MAC or a firmware image, never a device's
// own file; a 401 only for a per-device file (any MAC alike).
func FuzzPhonesServeHTTP(f *testing.F) {
	ph := fuzzPhones(f)
	h, err := New(Config{Store: ph.store, AdminToken: "0123456789abcdef0123", Phones: ph})
	if err != nil {
		f.Fatal(err)
	}
	addr := strings.TrimPrefix(serveTest(f, h, nil), "http://")
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
	notFound, notFoundBody := roundTrip(f, addr, "GET", []byte("GET /nothing-here.txt HTTP/1.1\r\nHost: x\r\n\r\n"))
	if notFound.StatusCode != 404 {
		f.Fatalf("the reference 404: %d", notFound.StatusCode)
	}
	f.Fuzz(func(t *testing.T, method, target, ua, authz string, body []byte) {
		var raw bytes.Buffer
		raw.WriteString(method + " " + target + " HTTP/1.1\r\nHost: 192.0.2.10\r\nUser-Agent: " + ua + "\r\n")
		if authz != "" {
			raw.WriteString("Authorization: " + authz + "\r\n")
		}
		raw.WriteString("Content-Length: " + itoa(len(body)) + "\r\n\r\n")
		raw.Write(body)
		var req fasthttp.Request
		src := bytes.NewReader(raw.Bytes())
		rest := bufio.NewReader(src)
		if err := req.Read(rest); err != nil {
			return // the server answers 400 itself
		}
		res, resBody := roundTrip(t, addr, string(req.Header.Method()), raw.Bytes())
		if rest.Buffered()+src.Len() > 0 && kept.conn != nil {
			kept.close() // more than one request in the input: their answers are not read
		}
		if res == nil {
			return // the server closed without an answer (a request it could not parse)
		}
		id := ph.id.Identify(string(req.Header.UserAgent()), string(req.URI().Path()))
		switch code := res.StatusCode; {
		case code >= 500:
			t.Fatalf("%s %q (UA %q): %d %s", method, target, ua, code, resBody)
		case code == 404:
			// A refused PUT also closes the connection (its body is never
			// read): the same for every PUT, known MAC or not (net/http's
			// client takes Connection: close out of the header map).
			if req.Header.IsPut() != res.Close {
				t.Fatalf("%s %q: a 404 with Connection: close %v", method, target, res.Close)
			}
			want := notFoundBody
			if req.Header.IsHead() {
				want = nil // no body, its Content-Length all the same
			}
			if !bytes.Equal(resBody, want) || res.ContentLength != notFound.ContentLength || res.Header.Get("Content-Type") != notFound.Header.Get("Content-Type") ||
				len(res.Header) != len(notFound.Header) {
				t.Fatalf("%s %q: a 404 that is not the uniform one: %v %q (want %v)", method, target, res.Header, resBody, notFound.Header)
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

// roundTrip sends raw to addr and reads the answer; nil when the server
// closed the connection without one. A connection the server keeps open is
// used again (a fuzz worker runs one input at a time), so the fuzzer does
// not run the machine out of ports.
func roundTrip(tb testing.TB, addr, method string, raw []byte) (*http.Response, []byte) {
	tb.Helper()
	if kept.conn == nil {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			tb.Fatal(err)
		}
		kept.conn, kept.br = c, bufio.NewReader(c)
	}
	c := kept.conn
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	go c.Write(raw) // the server may answer before reading it all
	res, err := http.ReadResponse(kept.br, &http.Request{Method: method})
	if err != nil {
		kept.close()
		return nil, nil
	}
	b, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatalf("reading the answer: %v", err)
	}
	if res.Close {
		kept.close()
	}
	return res, b
}

// keptConn is roundTrip's open connection.
type keptConn struct {
	conn net.Conn
	br   *bufio.Reader
}

var kept keptConn

func (k *keptConn) close() {
	k.conn.Close()
	k.conn, k.br = nil, nil
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
