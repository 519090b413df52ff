package provision

import (
	"crypto/x509"
	"strings"
)

// certMAC is the MAC a device certificate names. Vendors put it in the
// subject CN or a SAN (Poly: the MAC itself; Cisco: "...SEP<MAC>"), so the
// first run of 12 hex digits there (with or without separators) is taken.
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
