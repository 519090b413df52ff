package cli

import (
	"crypto/tls"
	"fmt"
)

// tlsVersions maps --tls-min-version values to crypto/tls versions.
var tlsVersions = map[string]uint16{
	"1.0": tls.VersionTLS10, "1.1": tls.VersionTLS11, "1.2": tls.VersionTLS12, "1.3": tls.VersionTLS13,
}

// tlsMinVersion parses --tls-min-version.
func tlsMinVersion(s string) (uint16, error) {
	v, ok := tlsVersions[s]
	if !ok {
		return 0, fmt.Errorf("--tls-min-version %q: use 1.0, 1.1, 1.2 or 1.3", s)
	}
	return v, nil
}

// Cipher suites for TLS 1.0 to 1.2 (TLS 1.3 suites are not configurable,
// and all AEAD). From TLS 1.2 only ECDHE with AEAD: forward secrecy, no
// CBC. For older phones (--tls-min-version 1.0 or 1.1) ECDHE with AES-CBC
// and SHA-1 as well, the only suites TLS 1.0 has, never RSA key exchange.
var (
	aeadSuites = []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	}
	legacySuites = []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
	}
)

// serverTLS is the TLS configuration of the HTTPS and SIPS listeners.
func serverTLS(cert tls.Certificate, min uint16) *tls.Config {
	suites := aeadSuites
	if min < tls.VersionTLS12 {
		suites = append(append([]uint16(nil), aeadSuites...), legacySuites...)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: min, CipherSuites: suites}
}
