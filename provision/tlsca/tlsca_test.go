package tlsca

import (
	"crypto/tls"
	"crypto/x509"
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
	other, err := Load(dir, []string{"10.1.2.3"}, now)
	if err != nil || string(other.Server.Certificate[0]) == string(ca.Server.Certificate[0]) {
		t.Fatal("a new host did not reissue the server certificate", err)
	}
	late, err := Load(dir, []string{"10.1.2.3"}, now.Add(leafLifetime-24*time.Hour))
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
