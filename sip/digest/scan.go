package digest

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// isTokenChar reports whether b may appear in a token (RFC 3261 §25.1).
func isTokenChar(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("-.!%*_+`'~", b) >= 0
}

// isToken reports whether s is a non-empty token.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return s != ""
}

// scanner walks a header value free of control characters but HTAB.
type scanner struct {
	s string
	i int
}

func (p *scanner) eof() bool { return p.i >= len(p.s) }

// skipWS skips spaces and tabs and reports whether there were any.
func (p *scanner) skipWS() bool {
	start := p.i
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
	return p.i > start
}

func (p *scanner) consume(b byte) bool {
	if p.i < len(p.s) && p.s[p.i] == b {
		p.i++
		return true
	}
	return false
}

// comma consumes a separator: a comma with optional whitespace around.
func (p *scanner) comma() bool {
	p.skipWS()
	if !p.consume(',') {
		return false
	}
	p.skipWS()
	return true
}

// token consumes and returns a possibly empty token.
func (p *scanner) token() string {
	start := p.i
	for p.i < len(p.s) && isTokenChar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// value consumes a quoted string or a token of at most max bytes unquoted.
func (p *scanner) value(max int) (string, error) {
	if !p.consume('"') {
		v := p.token()
		switch {
		case v == "":
			return "", fmt.Errorf("expected value at %d: %w", p.i, ErrSyntax)
		case len(v) > max:
			return "", fmt.Errorf("value over %d bytes: %w", max, ErrTooLong)
		}
		return v, nil
	}
	start, escaped := p.i, false
	n := 0 // unquoted length
	for ; ; p.i++ {
		if p.i >= len(p.s) {
			return "", fmt.Errorf("unterminated quoted string: %w", ErrSyntax)
		}
		if b := p.s[p.i]; b == '"' {
			break
		} else if b == '\\' {
			escaped = true
			p.i++
			if p.i >= len(p.s) {
				return "", fmt.Errorf("unterminated quoted string: %w", ErrSyntax)
			}
		}
		if n++; n > max {
			return "", fmt.Errorf("value over %d bytes: %w", max, ErrTooLong)
		}
	}
	raw := p.s[start:p.i]
	p.i++ // closing quote
	if escaped {
		var b strings.Builder
		b.Grow(n)
		for j := 0; j < len(raw); j++ {
			if raw[j] == '\\' {
				j++
			}
			b.WriteByte(raw[j])
		}
		raw = b.String()
	}
	if !utf8.ValidString(raw) {
		return "", fmt.Errorf("quoted string is not utf-8: %w", ErrSyntax)
	}
	return raw, nil
}
