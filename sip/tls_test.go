package sip

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/emiago/sipgo"
)

// testCert returns a self-signed certificate for 127.0.0.1 and a pool
// trusting it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "registrar test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// TestTLS: a phone registers over TLS and gets its NOTIFY on the same TLS
// connection.
func TestTLS(t *testing.T) {
	checkGoroutines(t)
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	srv := startServer(t, st, nil)
	cert, pool := testCert(t)
	tl, err := tls.Listen("tcp4", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.ServeTLS(tl) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(bg, 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("ServeTLS: %v", err)
		}
	})
	p := newPhone(t, "tls", sipgo.WithUserAgenTLSConfig(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}))
	seen := answerNotify(t, p, "", "")
	if _, final := p.register(t, reg{line: ln, transport: "tls", server: tl.Addr().String(), contacts: []string{"<sip:1001@192.0.2.1;transport=tls>"}}); final.StatusCode != 200 {
		t.Fatalf("REGISTER over TLS answered %d", final.StatusCode)
	}
	if bs := srv.Bindings(ln.mac, 0); len(bs) != 1 || bs[0].Transport != "TLS" {
		t.Fatalf("bindings %+v", bs)
	}
	res, err := srv.Resync(bg, ln.mac, "check-sync")
	if err != nil || len(res) != 1 || res[0].Status != 200 {
		t.Fatalf("Resync: %+v %v", res, err)
	}
	if s := nextNotify(t, seen); s.source != tl.Addr().String() || s.transport != "TLS" {
		t.Fatalf("NOTIFY came from %s over %s, want the TLS listener %s", s.source, s.transport, tl.Addr())
	}
}
