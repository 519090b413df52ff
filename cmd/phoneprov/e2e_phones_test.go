package main

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/pion/stun/v3"
)

// TestServePhonesDNSAndSTUN drives the running binary the way a phone
// does: it fetches its config over HTTP and HTTPS (trusting the CA it
// downloaded), resolves the SIP domain and asks STUN for its address.
func TestServePhonesDNSAndSTUN(t *testing.T) {
	bin := binary(t)
	p := start(t, bin, filepath.Join(t.TempDir(), "data"), "--demo")
	const ua = "Yealink SIP-T46U 108.86.0.90 80:5e:c0:a1:b2:c3"
	fetch := func(c *http.Client, url string) (int, string) {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("User-Agent", ua)
		res, err := p.phoneDo(c, req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	plain := &http.Client{Timeout: 10 * time.Second}
	code, body := fetch(plain, "http://"+p.ports["http"]+"/805ec0a1b2c3.cfg")
	if code != 200 || !strings.Contains(body, "account.1.enable = 1") {
		t.Fatalf("config over HTTP: %d\n%s", code, body)
	}
	code, caPEM := fetch(plain, "http://"+p.ports["http"]+"/ca.crt")
	pool := x509.NewCertPool()
	if code != 200 || !pool.AppendCertsFromPEM([]byte(caPEM)) {
		t.Fatalf("CA certificate: %d", code)
	}
	secure := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	code, body2 := fetch(secure, "https://"+p.ports["https"]+"/805ec0a1b2c3.cfg")
	if code != 200 || body2 != body {
		t.Fatalf("config over HTTPS: %d", code)
	}
	if code, _ = fetch(plain, "http://"+p.ports["http"]+"/805ec0000000.cfg"); code != 404 {
		t.Fatalf("unknown MAC: %d", code)
	}

	m := new(dns.Msg)
	m.SetQuestion("_stun._udp.phoneprov.test.", dns.TypeSRV)
	r, err := dns.Exchange(m, p.ports["dns"])
	if err != nil || r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
		t.Fatalf("DNS SRV: %v %v", r, err)
	}
	_, stunPort, _ := net.SplitHostPort(p.ports["stun"])
	if srv := r.Answer[0].(*dns.SRV); srv.Port == 0 || strings.TrimSpace(itoa(int(srv.Port))) != stunPort {
		t.Fatalf("_stun._udp SRV port %d, STUN listens on %s", srv.Port, stunPort)
	}

	conn, err := net.Dial("udp4", p.ports["stun"])
	if err != nil {
		t.Fatal(err)
	}
	c, err := stun.NewClient(conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var got stun.XORMappedAddress
	err = c.Do(stun.MustBuild(stun.TransactionID, stun.BindingRequest), func(ev stun.Event) {
		if ev.Error == nil {
			ev.Error = got.GetFrom(ev.Message)
		}
		err = ev.Error
	})
	if err != nil || got.String() != conn.LocalAddr().String() {
		t.Fatalf("STUN mapped %v, want %v (%v)", got.String(), conn.LocalAddr(), err)
	}
	p.stop(t)
}

func itoa(i int) string { return jsonStr(i) }
