package digest

import (
	"errors"
	"strings"
	"testing"
)

const rfcAuth = `Digest username="Mufasa", realm="testrealm@host.com", ` +
	`nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, ` +
	`nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", ` +
	`opaque="5ccc069c403ebaf9f0171e9517f40e41"`

var rfcCreds = Credentials{
	Username: "Mufasa", Realm: "testrealm@host.com", Nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
	URI: "/dir/index.html", Response: "6629fae49393a05397450978507c4ef1", CNonce: "0a4f113b",
	QOP: "auth", NC: "00000001", Opaque: "5ccc069c403ebaf9f0171e9517f40e41",
}

const minimal = `Digest username="u", realm="r", nonce="n", uri="sip:r", response="x"`

var minimalCreds = Credentials{Username: "u", Realm: "r", Nonce: "n", URI: "sip:r", Response: "x"}

func TestParseAuthorization(t *testing.T) {
	with := func(edit func(*Credentials)) Credentials {
		c := minimalCreds
		edit(&c)
		return c
	}
	tests := []struct {
		name string
		in   string
		want Credentials
	}{
		{"rfc 2617 example", rfcAuth, rfcCreds},
		{"minimal", minimal, minimalCreds},
		{"scheme and names in any case, any order",
			`dIGEST Response="x", URI="sip:r", Nonce="n", REALM="r", UserName="u"`, minimalCreds},
		{"leading, trailing and tab whitespace",
			" \tDigest\tusername = \"u\" ,realm=\"r\",nonce=\"n\" ,\turi=\"sip:r\", response=\"x\"  ", minimalCreds},
		{"quoted tokens", minimal + `, algorithm="SHA-256", qop="auth", nc="0000000a"`,
			with(func(c *Credentials) { c.Algorithm, c.QOP, c.NC = "SHA-256", "auth", "0000000a" })},
		{"token values", `Digest username=u, realm=r, nonce=n, uri="sip:r", response=x, algorithm=md5`,
			with(func(c *Credentials) { c.Algorithm = "md5" })},
		{"escapes", `Digest username="a\"b\\c\d", realm="r", nonce="n", uri="sip:r", response="x"`,
			with(func(c *Credentials) { c.Username = `a"b\cd` })},
		{"utf-8 username and spaces kept", `Digest username=" Zoë ", realm="r", nonce="n", uri="sip:r", response="x"`,
			with(func(c *Credentials) { c.Username = " Zoë " })},
		{"commas inside quotes", `Digest username="a,b=c", realm="r", nonce="n", uri="sip:r", response="x"`,
			with(func(c *Credentials) { c.Username = "a,b=c" })},
		{"unknown parameters ignored", minimal + `, userhash=false, x-foo="bar, baz", charset=UTF-8`, minimalCreds},
		{"empty optional", minimal + `, opaque=""`, minimalCreds},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAuthorization(tt.in)
			if err != nil {
				t.Fatalf("ParseAuthorization(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
			again, err := ParseAuthorization(got.String())
			if err != nil || again != got {
				t.Fatalf("round trip of %q: %+v, %v", got.String(), again, err)
			}
		})
	}
}

func TestParseAuthorizationHostile(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrScheme},
		{"basic scheme", `Basic dXNlcjpwYXNz`, ErrScheme},
		{"scheme glued to params", `Digestusername="u"`, ErrScheme},
		{"scheme then comma", `Digest,username="u"`, ErrScheme},
		{"scheme only", `Digest`, ErrMissing},
		{"scheme and space", `Digest   `, ErrMissing},
		{"missing response", `Digest username="u", realm="r", nonce="n", uri="sip:r"`, ErrMissing},
		{"empty username", `Digest username="", realm="r", nonce="n", uri="sip:r", response="x"`, ErrMissing},
		{"duplicate", minimal + `, username="v"`, ErrDuplicate},
		{"duplicate other case", minimal + `, NONCE="m"`, ErrDuplicate},
		{"duplicate unknown", minimal + `, foo=1, Foo=2`, ErrDuplicate},
		{"CR LF injection", minimal + "\r\nX-Evil: 1", ErrSyntax},
		{"LF in quotes", `Digest username="a` + "\n" + `b", realm="r", nonce="n", uri="sip:r", response="x"`, ErrSyntax},
		{"NUL", minimal + "\x00", ErrSyntax},
		{"DEL", minimal + "\x7f", ErrSyntax},
		{"escaped CR", `Digest username="a\` + "\r" + `", realm="r", nonce="n", uri="sip:r", response="x"`, ErrSyntax},
		{"unterminated quote", `Digest username="u, realm="r`, ErrSyntax},
		{"trailing backslash", `Digest username="u\`, ErrSyntax},
		{"missing equals", `Digest username "u"`, ErrSyntax},
		{"missing value", `Digest username=, realm="r"`, ErrSyntax},
		{"missing comma", `Digest username="u" realm="r"`, ErrSyntax},
		{"double comma", `Digest username="u",, realm="r"`, ErrSyntax},
		{"trailing comma", minimal + `,`, ErrSyntax},
		{"uri as token", `Digest username="u", realm="r", nonce="n", uri=sip:r, response="x"`, ErrSyntax},
		{"nc too short", minimal + `, qop=auth, nc=1, cnonce="c"`, ErrSyntax},
		{"nc not hex", minimal + `, qop=auth, nc=0000000g, cnonce="c"`, ErrSyntax},
		{"nc empty", minimal + `, nc=""`, ErrSyntax},
		{"invalid utf-8", `Digest username="` + "\xff\xfe" + `", realm="r", nonce="n", uri="sip:r", response="x"`, ErrSyntax},
		{"header too long", minimal + `, x="` + long(MaxAuthorizationLen) + `"`, ErrTooLong},
		{"username too long", `Digest username="` + long(257) + `", realm="r"`, ErrTooLong},
		{"nc too long", minimal + `, nc=000000001`, ErrTooLong},
		{"unknown value too long", minimal + `, x=` + long(maxUnknownLen+1), ErrTooLong},
		{"name too long", minimal + `, ` + long(maxNameLen+1) + `=1`, ErrTooLong},
		{"too many params", minimal + strings.Repeat(`, x=1`, maxParams), ErrDuplicate},
		{"too many distinct params", minimal + func() string {
			var b strings.Builder
			for i := 0; i < maxParams; i++ {
				b.WriteString(", p" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + "=1")
			}
			return b.String()
		}(), ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAuthorization(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseAuthorization(%.80q) = %+v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

// TestCredentialsString checks the canonical form, including values that
// must be quoted although the parameter is normally a token.
func TestCredentialsString(t *testing.T) {
	c := rfcCreds
	c.Algorithm = "MD5"
	want := `Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", ` +
		`uri="/dir/index.html", response="6629fae49393a05397450978507c4ef1", algorithm=MD5, cnonce="0a4f113b", ` +
		`qop=auth, nc=00000001, opaque="5ccc069c403ebaf9f0171e9517f40e41"`
	if got := c.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
	c = minimalCreds
	c.QOP, c.Username = "auth, auth-int", `a"b\`
	if got, want := c.String(), `Digest username="a\"b\\", realm="r", nonce="n", uri="sip:r", response="x", qop="auth, auth-int"`; got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
}
