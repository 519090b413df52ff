package templates

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"text/template"
	"unicode/utf8"
)

// Escaping. Templates never print a value raw: every output action ends in
// one of the escaping functions below (lintTemplate enforces it, for the
// embedded templates and for overrides alike).
//
//   - XML families use x (element text and attribute values alike), el
//     (a whole <name>value</name> element) and xlines, which is x for
//     multi-line values such as a PEM certificate: each line is escaped
//     like x and the line breaks are written as &#xA;, which survives in
//     attribute values too (a literal line break there reads back as a
//     space).
//   - The key = value family (Yealink) uses kv, and kvq inside the double
//     quotes of include:config lines.
//
// Both first apply cleanText, which drops every control character (C0,
// DEL, C1), the Unicode line and paragraph separators, U+FFFE/U+FFFF and
// invalid UTF-8, and turns tabs and line breaks into spaces. No vendor format can carry
// those, and without CR/LF a value can never start a new `key = value`
// line. In key = value files '#' and ';' are kept: Yealink treats '#' as a
// comment only at the start of a line, and a value always follows
// "key = ", so neither can cut a value short or start a parameter.

// escapeFuncs returns the escaping functions of a file format; the lint
// only accepts output actions that end in one of them.
func escapeFuncs(f fileFormat) map[string]any {
	if f == formatKV {
		return map[string]any{"kv": kvEscape, "kvq": kvQuoted}
	}
	return map[string]any{"x": xmlEscape, "el": xmlElement, "xlines": xmlLines}
}

// cleanText drops what no configuration format can carry safely.
func cleanText(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
		case r == '\t', r == '\n', r == '\v', r == '\f', r == '\r':
			b.WriteByte(' ')
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		case r == 0x2028, r == 0x2029, r == 0xfffe, r == 0xffff:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// printable turns a template value into its printed form.
func printable(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case int:
		return strconv.Itoa(t)
	case bool:
		if t {
			return "1"
		}
		return "0"
	case fmt.Stringer:
		return t.String()
	default:
		return fmt.Sprint(v)
	}
}

// xmlEscape is the template function x: cleanText, then encoding/xml
// escaping of & < > " ' so the result is safe in element text and in
// single- or double-quoted attribute values.
func xmlEscape(v any) string {
	s := cleanText(printable(v))
	if !strings.ContainsAny(s, `&<>"'`) && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder never fails
	return b.String()
}

// xmlLines is the template function xlines: x on each line of v (split
// at LF, a CR before it dropped), the lines joined by the character
// reference &#xA;.
func xmlLines(v any) string {
	lines := strings.Split(printable(v), "\n")
	for i, l := range lines {
		lines[i] = xmlEscape(strings.TrimSuffix(l, "\r"))
	}
	return strings.Join(lines, "&#xA;")
}

// xmlElement is the template function el: <name>value</name> with the
// value escaped. The name must be a plain XML name; templates build it
// from vendor parameter codes such as P47.
func xmlElement(name string, v any) (string, error) {
	if !isXMLName(name) {
		return "", fmt.Errorf("el: %q is not an XML element name", name)
	}
	return "<" + name + ">" + xmlEscape(v) + "</" + name + ">", nil
}

func isXMLName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range []byte(s) {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// kvEscape is the template function kv: cleanText, then surrounding
// spaces trimmed (the phone trims them anyway).
func kvEscape(v any) string {
	return strings.TrimSpace(cleanText(printable(v)))
}

// kvQuoted is the template function kvq, for values inside double quotes:
// kv without the double quote.
func kvQuoted(v any) string {
	return strings.ReplaceAll(kvEscape(v), `"`, "")
}

// helperFuncs are the non-printing functions every template set has.
var helperFuncs = template.FuncMap{
	// dict builds a map from key, value pairs, to pass several values to
	// a {{template}} block.
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("dict: odd number of arguments")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
	// truefalse prints a boolean the TR-104 way.
	"truefalse": func(b bool) string {
		if b {
			return "true"
		}
		return "false"
	},
}
