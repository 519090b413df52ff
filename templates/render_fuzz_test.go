package templates

import (
	"bytes"
	"errors"
	"maps"
	"slices"
	"testing"
)

// FuzzRender feeds random display names, labels, passwords (line and
// web-UI), CA URLs and time zone names into every family and kind. Output
// must parse back (XML well formed, key = value lines only) with exactly
// the keys a benign config gives, so no value can add or remove a
// parameter; bad zones must fail with ErrInvalidConfig; nothing may panic.
func FuzzRender(f *testing.F) {
	f.Add("Joe Smith", "Joe", "s3cret", "America/New_York")
	f.Add(hostileName1, hostileLabel, hostilePass, "Europe/Berlin")
	f.Add(hostileName2, "]]>", "--><!--", "Asia/Kolkata")
	f.Add("\x00\xff\u2028", "#;=", "%NULL%", "")
	f.Add("a", "b", "c", "Nowhere/Land")
	r := newTestRenderer(f, "")
	fams := slices.Sorted(maps.Keys(familyDefs))
	f.Fuzz(func(t *testing.T, name, label, password, zone string) {
		for _, fam := range fams {
			for _, kind := range r.Kinds(fam) {
				cfg := goldenConfig(fam)
				cfg.TimeZone = zone
				var benign bytes.Buffer
				if _, err := r.Render(&benign, kind, cfg); err != nil {
					if !errors.Is(err, ErrInvalidConfig) {
						t.Fatalf("%s/%s zone %q: %v", fam, kind, zone, err)
					}
					return
				}
				cfg.Lines[0].DisplayName, cfg.Lines[0].Label, cfg.Lines[0].Password = name, label, password
				cfg.Lines[1].DisplayName = label + name
				if password != "" && checkCredential(password) == nil {
					cfg.WebUIPassword = password
				}
				if u := "https://ca.test/ca.pem?" + label; checkURL(u) == nil {
					cfg.CACertURL = u
				}
				var hostile bytes.Buffer
				if _, err := r.Render(&hostile, kind, cfg); err != nil {
					t.Fatalf("%s/%s: %v", fam, kind, err)
				}
				want, err := parseBack(fam, benign.String())
				if err != nil {
					t.Fatalf("%s/%s benign: %v", fam, kind, err)
				}
				got, err := parseBack(fam, hostile.String())
				if err != nil {
					t.Fatalf("%s/%s: %v\n%s", fam, kind, err, hostile.String())
				}
				if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want))) {
					t.Fatalf("%s/%s: the values changed the parameter set:\n%s", fam, kind, hostile.String())
				}
			}
		}
	})
}

// parseBack parses a rendered file with the family's parser.
func parseBack(fam, doc string) (map[string]string, error) {
	if got, ok, err := parseFamily(fam, doc); ok {
		return got, err
	}
	if fam == "yealink" {
		kv, _, err := parseKV(doc)
		return kv, err
	}
	return flatXML(doc)
}
