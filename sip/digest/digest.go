package digest

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// canonicalAlgorithm maps an algorithm name in any case to SHA256 or MD5, or
// to "" when it is neither (the -sess variants included: we never offer them).
func canonicalAlgorithm(s string) string {
	switch {
	case strings.EqualFold(s, SHA256):
		return SHA256
	case strings.EqualFold(s, MD5):
		return MD5
	}
	return ""
}

// hexLen is the length of a hex digest of alg (SHA256 or MD5).
func hexLen(alg string) int {
	if alg == SHA256 {
		return 2 * sha256.Size
	}
	return 2 * md5.Size
}

// HA1 returns H(user ":" realm ":" password) in lower-case hex, the value a
// lookup passed to [Authenticator.Verify] returns. alg is SHA256 or MD5 in any
// case; for any other algorithm HA1 returns "".
func HA1(alg, user, realm, password string) string {
	alg = canonicalAlgorithm(alg)
	if alg == "" {
		return ""
	}
	var buf [256]byte
	b := append(buf[:0], user...)
	b = append(b, ':')
	b = append(b, realm...)
	b = append(b, ':')
	b = append(b, password...)
	var out [64]byte
	return string(sumHex(alg, &out, b))
}

// sumHex writes the lower-case hex digest of b under alg into dst and
// returns the part of dst it used.
func sumHex(alg string, dst *[64]byte, b []byte) []byte {
	if alg == SHA256 {
		sum := sha256.Sum256(b)
		hex.Encode(dst[:], sum[:])
		return dst[:]
	}
	sum := md5.Sum(b)
	hex.Encode(dst[:], sum[:])
	return dst[:2*md5.Size]
}

// digestInput is what the response covers besides HA1 (RFC 2617 §3.2.2.1,
// RFC 7616 §3.4.1). With qop empty it is the RFC 2069 form and nc, cnonce
// are ignored.
type digestInput struct {
	method, uri, nonce, nc, cnonce, qop string
}

// response writes the expected request-digest for in under alg and ha1 into
// dst and returns the part of dst it used.
func response(alg string, dst *[64]byte, ha1 string, in *digestInput) []byte {
	var buf [512]byte
	b := append(buf[:0], in.method...)
	b = append(b, ':')
	b = append(b, in.uri...)
	var ha2 [64]byte
	h2 := sumHex(alg, &ha2, b)

	b = append(buf[:0], ha1...)
	b = append(b, ':')
	b = append(b, in.nonce...)
	b = append(b, ':')
	if in.qop != "" {
		b = append(b, in.nc...)
		b = append(b, ':')
		b = append(b, in.cnonce...)
		b = append(b, ':')
		b = append(b, in.qop...)
		b = append(b, ':')
	}
	b = append(b, h2...)
	return sumHex(alg, dst, b)
}

// isLowerHex reports whether s is n lower-case hex digits.
func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// parseNC parses a nonce count of exactly 8 hex digits (either case).
func parseNC(s string) (uint32, bool) {
	if len(s) != 8 {
		return 0, false
	}
	var n uint32
	for i := 0; i < len(s); i++ {
		c := s[i]
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		n = n<<4 | uint32(d)
	}
	return n, true
}
