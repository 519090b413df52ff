package provision

import (
	"crypto/x509"
	"net/http"
	"strings"
)

// certMACMatches reports whether a request's verified client certificate,
// if any, belongs to the MAC it asks for. Vendors put the MAC in the
// subject CN or a SAN (Poly: the MAC itself; Cisco: "...SEP<MAC>"), so the
// first run of 12 hex digits there (with or without separators) is taken.
// A request without a verified certificate passes: phones without vendor
// certificates still provision, over the other defences.
func certMACMatches(r *http.Request, mac string) bool {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.PeerCertificates) == 0 {
		return true
	}
	return certMAC(r.TLS.PeerCertificates[0]) == mac
}

func certMAC(c *x509.Certificate) string {
	names := append([]string{c.Subject.CommonName, c.Subject.SerialNumber}, c.DNSNames...)
	for _, u := range c.URIs {
		names = append(names, u.String())
	}
	for _, n := range names {
		if m := findMAC(n); m != "" {
			return m
		}
	}
	return ""
}

// findMAC returns the first 12 hex digits of s in a row, separators ':',
// '-' and '.' allowed between them, lower-cased.
func findMAC(s string) string {
	s = strings.ToLower(s)
	for i := 0; i < len(s); i++ {
		var b []byte
		for j := i; j < len(s) && len(b) < 12; j++ {
			c := s[j]
			if (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') {
				b = append(b, c)
			} else if (c == ':' || c == '-' || c == '.') && len(b) > 0 {
				continue
			} else {
				break
			}
		}
		if len(b) == 12 {
			return string(b)
		}
	}
	return ""
}
