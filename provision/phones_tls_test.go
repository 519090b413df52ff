package provision

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/http"
	"testing"
	"time"
)

func TestFindMAC(t *testing.T) {
	for in, want := range map[string]string{
		"0004f2a1b2c3": "0004f2a1b2c3", "CP-8841-3PCC-SEP00562B043615": "00562b043615", "80:5E:C0:A1:B2:C3": "805ec0a1b2c3",
		"phone": "", "0004f2a1b2": "", "SN 0004-f2a1-b2c3 x": "0004f2a1b2c3",
	} {
		if got := findMAC(in); got != want {
			t.Errorf("findMAC(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDeviceCertificateMustMatchPath runs mutual TLS with a vendor-like CA:
// a phone whose certificate names its own MAC is served, the same
// certificate asking for another device's file gets the uniform 404.
func TestDeviceCertificateMustMatchPath(t *testing.T) {
	e := newPhoneEnv(t, ThrottleConfig{})
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Vendor Device CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	ca, _ := x509.ParseCertificate(caDER)
	devKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	devDER, _ := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(2),
		Subject: pkix.Name{CommonName: yealinkMAC}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, ca, &devKey.PublicKey, caKey)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	srvKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srvDER, _ := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(3),
		Subject: pkix.Name{CommonName: "127.0.0.1"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, ca, &srvKey.PublicKey, caKey)
	url := serveTest(t, e.h, &tls.Config{ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: pool,
		Certificates: []tls.Certificate{{Certificate: [][]byte{srvDER}, PrivateKey: srvKey}}})
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool,
		Certificates: []tls.Certificate{{Certificate: [][]byte{devDER}, PrivateKey: devKey}}}}}
	defer c.CloseIdleConnections()
	get := func(path, ua string) int {
		req, _ := http.NewRequest("GET", url+path, nil)
		req.Header.Set("User-Agent", ua)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	if code := get("/"+yealinkMAC+".cfg", yealinkUA); code != 200 {
		t.Fatalf("own config with own certificate: %d", code)
	}
	if code := get("/phoneprov-"+polyMAC+".cfg", polyUA); code != 404 {
		t.Fatalf("another device's config with this certificate: %d", code)
	}
}
