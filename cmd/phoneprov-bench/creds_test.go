package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestParseCreds reads line 1's credentials from the templates' golden
// configs of each family (the password there is "s3cret&<pw>", escaped in
// XML), and refuses configs without them.
func TestParseCreds(t *testing.T) {
	golden := filepath.Join("..", "..", "templates", "testdata", "golden")
	want := creds{User: "1001", AuthUser: "a1001", Password: "s3cret&<pw>"}
	cases := []struct {
		family, file string
		want         creds
		ok           bool
	}{
		{"yealink", "yealink-device.golden", want, true},
		{"polycom", "polycom-phone.golden", want, true},
		{"fanvil", "fanvil-device.golden", want, true},
		{"cisco", "cisco-mpp-device.golden", want, true},
		{"grandstream", "grandstream-device.golden", want, true},
		{"snom", "snom-device.golden", want, true},
		{"yealink", "yealink-common.golden", creds{}, false},
		{"snom", "snom-common.golden", creds{}, false},
		{"nokia", "yealink-device.golden", creds{}, false},
	}
	for _, c := range cases {
		t.Run(c.family+"/"+c.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(golden, c.file))
			if err != nil {
				t.Fatal(err)
			}
			got, ok := parseCreds(c.family, b)
			if ok != c.ok || (ok && got != c.want) {
				t.Fatalf("parseCreds = %+v, %v; want %+v, %v", got, ok, c.want, c.ok)
			}
		})
	}
}

// TestParseCredsAuthUserDefaults: without an auth user the user is used.
func TestParseCredsAuthUserDefaults(t *testing.T) {
	got, ok := parseCreds("grandstream", []byte("<P35>1001</P35><P34>pw</P34>"))
	if !ok || got != (creds{User: "1001", AuthUser: "1001", Password: "pw"}) {
		t.Fatalf("got %+v %v", got, ok)
	}
}

// FuzzParseCreds: any config body, of any family, never panics, and what
// it accepts has a user and a password.
func FuzzParseCreds(f *testing.F) {
	for _, fam := range []string{"yealink", "polycom", "fanvil", "cisco", "grandstream", "snom"} {
		f.Add(fam, []byte("account.1.user_name = 1\naccount.1.password = p\n<P35>1</P35><P34>&amp;</P34>"))
	}
	f.Add("snom", []byte(`<user_name idx="1" perm="R">1</user_name><user_pass idx="1">&#xZZ;</user_pass>`))
	f.Fuzz(func(t *testing.T, family string, body []byte) {
		c, ok := parseCreds(family, body)
		if ok && (c.User == "" || c.Password == "" || c.AuthUser == "") {
			t.Fatalf("accepted incomplete credentials %+v", c)
		}
	})
}

// TestSafeField: what may go into a SIPp injection file, a quoted digest
// parameter and a quoted SQL literal unchanged.
func TestSafeField(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"3000001xkzDWSpkS", true}, {"a-b_c.d", true}, {"", false}, {"has space", false}, {"semi;colon", false},
		{"[bracket]", false}, {`quo"te`, false}, {"apos'trophe", false}, {`back\slash`, false}, {"eq=ual", false},
		{"tab\there", false}, {"caf\xc3\xa9", false},
	} {
		if got := safeField(tc.in); got != tc.want {
			t.Errorf("safeField(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
