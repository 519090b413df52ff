// Package tlsca keeps phoneprov's local certificate authority in the data
// directory and issues the server certificate for HTTPS and SIP over TLS.
package tlsca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// File names inside the data directory.
const (
	CACertFile     = "ca.crt"
	caKeyFile      = "ca.key"
	serverCertFile = "server.crt"
	serverKeyFile  = "server.key"
)

// leafLifetime stays under 825 days: old phone firmware refuses longer.
const leafLifetime = 800 * 24 * time.Hour

// CA is the local authority and the server certificate it issued.
type CA struct {
	// CertPEM is the CA certificate, for phones to trust.
	CertPEM []byte
	// Server is the certificate for the TLS listeners.
	Server tls.Certificate
	// Uncovered lists the hosts given to Load that the CA's name
	// constraints do not permit (the host changed since the CA was made):
	// the server certificate leaves them out, and clients reaching the
	// server by these names fail to verify it. Make a new CA to cover them.
	Uncovered []string
}

// Load reads the CA and server certificate from dir, creating them when
// missing, and reissues the server certificate when hosts are not all in it
// or it expires within 30 days. hosts are DNS names or IP addresses.
//
// A new CA is name-constrained to hosts (a DNS name with the names below
// it, an IP address exactly) and loopback, so its key, if stolen, cannot
// vouch for any other site to a phone or browser that trusts it. A CA made
// before constraints existed (or by hand) is used as it is.
func Load(dir string, hosts []string, now time.Time) (*CA, error) {
	caCert, caKey, err := loadOrCreateCA(dir, hosts, now)
	if err != nil {
		return nil, err
	}
	ca := &CA{CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caCert.Raw})}
	var covered []string
	for _, h := range hosts {
		if h == "" {
			continue
		}
		if permits(caCert, h) {
			covered = append(covered, h)
		} else {
			ca.Uncovered = append(ca.Uncovered, h)
		}
	}
	hosts = covered
	srv, err := tls.LoadX509KeyPair(filepath.Join(dir, serverCertFile), filepath.Join(dir, serverKeyFile))
	if err == nil && leafCovers(srv, caCert, hosts, now) {
		ca.Server = srv
		return ca, nil
	}
	if ca.Server, err = issue(dir, caCert, caKey, hosts, now); err != nil {
		return nil, err
	}
	return ca, nil
}

// leafCovers reports whether the server certificate c was issued by ca,
// names every host and is good for 30 more days.
func leafCovers(c tls.Certificate, ca *x509.Certificate, hosts []string, now time.Time) bool {
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil || now.Add(30*24*time.Hour).After(leaf.NotAfter) || leaf.CheckSignatureFrom(ca) != nil {
		return false
	}
	for _, h := range hosts {
		if leaf.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}

// permits reports whether the name constraints of ca allow host.
func permits(ca *x509.Certificate, host string) bool {
	if ip := net.ParseIP(host); ip != nil {
		if len(ca.PermittedIPRanges) == 0 {
			return len(ca.PermittedDNSDomains) == 0 // no constraints at all
		}
		return slices.ContainsFunc(ca.PermittedIPRanges, func(n *net.IPNet) bool { return n.Contains(ip) })
	}
	if len(ca.PermittedDNSDomains) == 0 {
		return len(ca.PermittedIPRanges) == 0
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	return slices.ContainsFunc(ca.PermittedDNSDomains, func(d string) bool {
		d = strings.ToLower(d)
		return host == d || strings.HasSuffix(host, "."+d)
	})
}

// constraints returns the permitted names of a new CA for hosts: each DNS
// name (and the names below it), each IP address, and loopback.
func constraints(hosts []string) (dns []string, ips []*net.IPNet) {
	dns = []string{"localhost"}
	ips = []*net.IPNet{
		{IP: net.IPv4(127, 0, 0, 0).To4(), Mask: net.CIDRMask(8, 32)},
		{IP: net.IPv6loopback, Mask: net.CIDRMask(128, 128)},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			if ip.IsLoopback() {
				continue
			}
			if ip4 := ip.To4(); ip4 != nil {
				ips = append(ips, &net.IPNet{IP: ip4, Mask: net.CIDRMask(32, 32)})
			} else {
				ips = append(ips, &net.IPNet{IP: ip, Mask: net.CIDRMask(128, 128)})
			}
		} else if h = strings.ToLower(strings.TrimSuffix(h, ".")); h != "" && !slices.Contains(dns, h) {
			dns = append(dns, h)
		}
	}
	return dns, ips
}

func loadOrCreateCA(dir string, hosts []string, now time.Time) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	certPEM, cerr := os.ReadFile(filepath.Join(dir, CACertFile))
	keyPEM, kerr := os.ReadFile(filepath.Join(dir, caKeyFile))
	if cerr == nil && kerr == nil {
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, nil, fmt.Errorf("local CA in %s: %w (move ca.crt and ca.key away to make a new CA)", dir, err)
		}
		cert, err := x509.ParseCertificate(pair.Certificate[0])
		if err != nil {
			return nil, nil, err
		}
		key, ok := pair.PrivateKey.(*ecdsa.PrivateKey)
		if !ok {
			return nil, nil, fmt.Errorf("local CA in %s: key is not ECDSA", dir)
		}
		return cert, key, nil
	}
	if !errors.Is(cerr, os.ErrNotExist) || !errors.Is(kerr, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("local CA in %s: need both ca.crt and ca.key (%v, %v)", dir, cerr, kerr)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "phoneprov local CA", Organization: []string{"phoneprov"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(20, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	// Not marked critical: some phone TLS stacks refuse a certificate with
	// a critical extension they do not know; those that know it apply it.
	tmpl.PermittedDNSDomains, tmpl.PermittedIPRanges = constraints(hosts)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	if err := writePair(dir, CACertFile, caKeyFile, der, key); err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}

func issue(dir string, caCert *x509.Certificate, caKey *ecdsa.PrivateKey, hosts []string, now time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "phoneprov"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(leafLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" && !slices.Contains(tmpl.DNSNames, h) {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	if len(tmpl.DNSNames) > 0 {
		tmpl.Subject.CommonName = tmpl.DNSNames[0]
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := writePair(dir, serverCertFile, serverKeyFile, der, key); err != nil {
		return tls.Certificate{}, err
	}
	return tls.LoadX509KeyPair(filepath.Join(dir, serverCertFile), filepath.Join(dir, serverKeyFile))
}

func writePair(dir, certName, keyName string, der []byte, key *ecdsa.PrivateKey) error {
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := WriteFile(filepath.Join(dir, keyName), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		return err
	}
	return WriteFile(filepath.Join(dir, certName), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

// WriteFile writes a data-directory file through a temporary file, fsync
// and a rename, so a crash leaves the old file or the new one, never half
// of one.
func WriteFile(path string, b []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := errors.Join(tmp.Sync(), tmp.Close()); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic("tlsca: no randomness: " + err.Error())
	}
	return n
}
