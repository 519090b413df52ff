package digest

import (
	"fmt"
	"strings"
)

// MaxAuthorizationLen is the longest Authorization value ParseAuthorization
// reads. It exceeds twice the sum of the per-parameter caps, so whatever
// parses also parses again after Credentials.String.
const MaxAuthorizationLen = 8192

const (
	maxParams     = 32   // parameters per header, unknown ones included
	maxNameLen    = 64   // length of a parameter name
	maxUnknownLen = 1024 // length of the value of an unknown parameter
)

// Credentials are the parameters of a Digest Authorization header, unquoted
// and unescaped. Parameters other than these are checked for syntax and
// duplicates, then ignored.
type Credentials struct {
	Username  string // required
	Realm     string // required
	Nonce     string // required
	URI       string // required; digest-uri, covered by the response
	Response  string // required; hex request-digest
	Algorithm string // "" means MD5
	CNonce    string // with qop
	QOP       string // "auth", or "" for an RFC 2069 response
	NC        string // with qop: nonce count, 8 hex digits kept as sent
	Opaque    string // echoed from the challenge; we send none
}

// param describes one known parameter: its name, the cap on its unquoted
// length, and whether it is written as a token when it is one.
type param struct {
	name  string
	max   int
	token bool
}

// params lists the known parameters in the order String writes them; the
// index is the one field uses. The first five are required.
var params = [...]param{
	{"username", 256, false},
	{"realm", 256, false},
	{"nonce", 256, false},
	{"uri", 1024, false},
	{"response", 256, false},
	{"algorithm", 32, true},
	{"cnonce", 256, false},
	{"qop", 32, true},
	{"nc", 8, true},
	{"opaque", 256, false},
}

const (
	numRequired = 5 // params[:numRequired] are required
	idxNC       = 8 // index of nc in params
)

// field returns the Credentials field of the known parameter i.
func (c *Credentials) field(i int) *string {
	return [...]*string{&c.Username, &c.Realm, &c.Nonce, &c.URI, &c.Response,
		&c.Algorithm, &c.CNonce, &c.QOP, &c.NC, &c.Opaque}[i]
}

// ParseAuthorization parses the value of an Authorization (or
// Proxy-Authorization) header with the Digest scheme. Parameter names are
// case-insensitive and may come in any order; values are quoted strings
// (backslash escapes, UTF-8) or tokens. It refuses control characters (CR
// and LF included), duplicated parameters, values over their caps, a nonce
// count that is not 8 hex digits, and headers missing username, realm,
// nonce, uri or response. Every error wraps ErrScheme, ErrTooLong,
// ErrSyntax, ErrDuplicate or ErrMissing.
func ParseAuthorization(v string) (Credentials, error) {
	var c Credentials
	if len(v) > MaxAuthorizationLen {
		return c, fmt.Errorf("authorization of %d bytes: %w", len(v), ErrTooLong)
	}
	for i := 0; i < len(v); i++ {
		if b := v[i]; (b < 0x20 && b != '\t') || b == 0x7f {
			return c, fmt.Errorf("control character %#x at %d: %w", b, i, ErrSyntax)
		}
	}
	p := scanner{s: v}
	p.skipWS()
	if !strings.EqualFold(p.token(), "Digest") || (!p.eof() && !p.skipWS()) {
		return c, ErrScheme
	}
	var seen [len(params)]bool
	var unknown [maxParams]string
	nUnknown := 0
	for n := 0; !p.eof(); n++ {
		if n == maxParams {
			return c, fmt.Errorf("more than %d parameters: %w", maxParams, ErrTooLong)
		}
		if n > 0 && !p.comma() {
			return c, fmt.Errorf("expected comma at %d: %w", p.i, ErrSyntax)
		}
		name := p.token()
		if name == "" {
			return c, fmt.Errorf("expected parameter name at %d: %w", p.i, ErrSyntax)
		}
		if len(name) > maxNameLen {
			return c, fmt.Errorf("parameter name at %d: %w", p.i-len(name), ErrTooLong)
		}
		p.skipWS()
		if !p.consume('=') {
			return c, fmt.Errorf("expected '=' after %q: %w", name, ErrSyntax)
		}
		p.skipWS()
		idx, max := knownParam(name), maxUnknownLen
		if idx >= 0 {
			max = params[idx].max
		}
		val, err := p.value(max)
		if err != nil {
			return c, fmt.Errorf("parameter %q: %w", name, err)
		}
		p.skipWS()
		if idx < 0 {
			for _, u := range unknown[:nUnknown] {
				if strings.EqualFold(u, name) {
					return c, fmt.Errorf("parameter %q: %w", name, ErrDuplicate)
				}
			}
			unknown[nUnknown] = name
			nUnknown++
			continue
		}
		if seen[idx] {
			return c, fmt.Errorf("parameter %q: %w", name, ErrDuplicate)
		}
		seen[idx] = true
		*c.field(idx) = val
	}
	for i := 0; i < numRequired; i++ {
		if *c.field(i) == "" {
			return c, fmt.Errorf("parameter %q: %w", params[i].name, ErrMissing)
		}
	}
	if seen[idxNC] {
		if _, ok := parseNC(c.NC); !ok {
			return c, fmt.Errorf("nc %q is not 8 hex digits: %w", c.NC, ErrSyntax)
		}
	}
	return c, nil
}

// knownParam returns the index in params of name (any case), or -1.
func knownParam(name string) int {
	for i := range params {
		if strings.EqualFold(params[i].name, name) {
			return i
		}
	}
	return -1
}

// String formats c as an Authorization value: required parameters always,
// others when not empty. For credentials that ParseAuthorization returned,
// ParseAuthorization reads the result back into the same credentials.
func (c Credentials) String() string {
	var b strings.Builder
	b.WriteString("Digest ")
	first := true
	for i, pr := range params {
		v := *c.field(i)
		if v == "" && i >= numRequired {
			continue
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		b.WriteString(pr.name)
		b.WriteByte('=')
		if pr.token && isToken(v) {
			b.WriteString(v)
			continue
		}
		b.WriteByte('"')
		for j := 0; j < len(v); j++ {
			if v[j] == '"' || v[j] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(v[j])
		}
		b.WriteByte('"')
	}
	return b.String()
}
