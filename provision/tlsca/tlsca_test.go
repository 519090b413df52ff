package tlsca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestLoadCreatesKeepsAndReissues(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	ca, err := Load(dir, []string{"127.0.0.1", "prov.example.test"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, caKeyFile)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("ca.key mode: %v %v", st, err)
	}
	again, err := Load(dir, []string{"127.0.0.1"}, now)
	if err != nil || string(again.CertPEM) != string(ca.CertPEM) ||
		string(again.Server.Certificate[0]) != string(ca.Server.Certificate[0]) {
		t.Fatal("second load did not keep the CA and the server certificate", err)
	}
	other, err := Load(dir, []string{"sip.prov.example.test"}, now)
	if err != nil || string(other.Server.Certificate[0]) == string(ca.Server.Certificate[0]) {
		t.Fatal("a new host did not reissue the server certificate", err)
	}
	late, err := Load(dir, []string{"sip.prov.example.test"}, now.Add(leafLifetime-24*time.Hour))
	if err != nil || string(late.Server.Certificate[0]) == string(other.Server.Certificate[0]) {
		t.Fatal("a certificate about to expire was not reissued", err)
	}
}

// TestServeTLS checks a real TLS handshake verifies against the CA.
func TestServeTLS(t *testing.T) {
	ca, err := Load(t.TempDir(), []string{"127.0.0.1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{ca.Server}})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })}
	go srv.Serve(l)
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.CertPEM)
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	res, err := c.Get("https://" + l.Addr().(*net.TCPAddr).String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatal(res.Status)
	}
}

// signedBy issues a server certificate for host from the CA stored in dir,
// as a thief of ca.key could, and returns it parsed.
func signedBy(t *testing.T, dir, host string) *x509.Certificate {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, CACertFile), filepath.Join(dir, caKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(pair.Certificate[0])
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: serial(), Subject: pkix.Name{CommonName: host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	if ip := net.ParseIP(host); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{host}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, pair.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return leaf
}

// verify checks leaf for host against the CA certificate PEM.
func verify(caPEM []byte, leaf *x509.Certificate, host string) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	_, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: host})
	return err
}

// TestNameConstraints checks that a new CA vouches only for its hosts (and
// the names below a DNS host) and loopback: a certificate its key issues
// for any other name or address fails verification.
func TestNameConstraints(t *testing.T) {
	dir := t.TempDir()
	ca, err := Load(dir, []string{"phoneprov.test", "prov.example.test", "192.0.2.10", "127.0.0.1", "localhost", "::1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for host, ok := range map[string]bool{
		"phoneprov.test": true, "sip.phoneprov.test": true, "prov.example.test": true, "192.0.2.10": true,
		"127.0.0.1": true, "127.1.2.3": true, "::1": true, "localhost": true,
		"bank.example": false, "example.test": false, "phoneprov.test.evil.example": false,
		"192.0.2.11": false, "10.0.0.1": false, "2001:db8::1": false,
	} {
		err := verify(ca.CertPEM, signedBy(t, dir, host), host)
		if (err == nil) != ok {
			t.Errorf("certificate for %s: verify error %v, want ok %t", host, err, ok)
		}
	}
	if len(ca.Uncovered) != 0 {
		t.Errorf("uncovered %v", ca.Uncovered)
	}
	again, err := Load(dir, []string{"phoneprov.test", "198.51.100.7"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Uncovered) != 1 || again.Uncovered[0] != "198.51.100.7" {
		t.Errorf("a host outside the constraints: uncovered %v", again.Uncovered)
	}
	leaf, _ := x509.ParseCertificate(again.Server.Certificate[0])
	if err := verify(again.CertPEM, leaf, "phoneprov.test"); err != nil {
		t.Errorf("server certificate with a host outside the constraints: %v", err)
	}
}

// TestUnconstrainedCAKeepsWorking puts a CA without name constraints (as
// made before they existed) in the data directory: Load keeps it, issues
// the server certificate from it for any host, and it verifies.
func TestUnconstrainedCAKeepsWorking(t *testing.T) {
	dir := t.TempDir()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: serial(), Subject: pkix.Name{CommonName: "phoneprov local CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(20, 0, 0),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, BasicConstraintsValid: true, IsCA: true, MaxPathLenZero: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := writePair(dir, CACertFile, caKeyFile, der, key); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(filepath.Join(dir, CACertFile))
	ca, err := Load(dir, []string{"10.9.8.7", "prov.example.test"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if string(ca.CertPEM) != string(old) || len(ca.Uncovered) != 0 {
		t.Fatalf("the old CA was replaced or constrains: uncovered %v", ca.Uncovered)
	}
	leaf, _ := x509.ParseCertificate(ca.Server.Certificate[0])
	for _, h := range []string{"10.9.8.7", "prov.example.test"} {
		if err := verify(ca.CertPEM, leaf, h); err != nil {
			t.Errorf("server certificate for %s from the old CA: %v", h, err)
		}
	}
}

// TestNewCAReissuesServerCert follows the README's way to make a new CA
// (move ca.crt and ca.key away): the server certificate left from the old
// CA is replaced by one the new CA issued.
func TestNewCAReissuesServerCert(t *testing.T) {
	dir := t.TempDir()
	old, err := Load(dir, []string{"127.0.0.1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{CACertFile, caKeyFile} {
		if err := os.Rename(filepath.Join(dir, f), filepath.Join(dir, f+".old")); err != nil {
			t.Fatal(err)
		}
	}
	ca, err := Load(dir, []string{"127.0.0.1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if string(ca.CertPEM) == string(old.CertPEM) {
		t.Fatal("no new CA")
	}
	leaf, _ := x509.ParseCertificate(ca.Server.Certificate[0])
	if err := verify(ca.CertPEM, leaf, "127.0.0.1"); err != nil {
		t.Errorf("server certificate after a new CA: %v", err)
	}
}
