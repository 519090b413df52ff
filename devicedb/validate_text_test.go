package devicedb

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// hostileRunes are characters that make text display other than it reads.
var hostileRunes = map[string]rune{
	"RLO": 0x202e, "LRM": 0x200e, "RLM": 0x200f, "LRI": 0x2066, "RLI": 0x2067, "FSI": 0x2068, "PDI": 0x2069,
	"LRE": 0x202a, "ALM": 0x061c, "ESC": 0x1b, "NUL": 0x00, "BEL": 0x07, "DEL": 0x7f, "NEL (C1)": 0x85, "CSI (C1)": 0x9b,
	"tab": '\t', "LF": '\n',
}

// wantRefusal checks that err is ErrInvalid naming field and the character.
func wantTextRefusal(t *testing.T, what string, err error, field string, r rune) {
	t.Helper()
	code := fmt.Sprintf("%U", r)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), field) || !strings.Contains(err.Error(), code) ||
		!strings.Contains(err.Error(), "remove it") {
		t.Errorf("%s: %v, want invalid naming %s and %s", what, err, field, code)
	}
}

// TestControlCharactersRefused feeds names, e-mail addresses and service
// addresses with control and bidi characters to every way in (create,
// edit, import): each is refused with a message naming the field, the
// character and what to do; plain non-ASCII text passes.
func TestControlCharactersRefused(t *testing.T) {
	s, _ := openTest(t)
	for name, r := range hostileRunes {
		v := "Ann" + string(r) + "eve"
		_, err := s.CreateUser(ctx, NewUser{Username: "ann", FirstName: v, LastName: "Lee", Email: "ann@acme.example"})
		wantTextRefusal(t, name+" in first_name", err, "first_name", r)
		_, err = s.CreateUser(ctx, NewUser{Username: "ann", FirstName: "Ann", LastName: v, Email: "ann@acme.example"})
		wantTextRefusal(t, name+" in last_name", err, "last_name", r)
		_, err = s.CreateLicense(ctx, NewLicense{Type: "X4", Country: "US", ServiceAddress: "1 Main " + string(r) + "St"})
		wantTextRefusal(t, name+" in service_address", err, "service_address", r)
	}
	u, err := s.CreateUser(ctx, NewUser{Username: "zoe", FirstName: "Zoë", LastName: "Ağaoğlu-Müller", Email: "zoe@acme.example"})
	if err != nil {
		t.Fatalf("plain accented names refused: %v", err)
	}
	rlo := "\u202e"
	_, err = s.UpdateUser(ctx, u.ID, UserPatch{LastName: &rlo})
	wantTextRefusal(t, "RLO in an edited last_name", err, "last_name", 0x202e)
	l, err := s.CreateLicense(ctx, NewLicense{Type: "X4", Country: "US", ServiceAddress: "Rue de l'Église 5, Genève"})
	if err != nil {
		t.Fatalf("plain accented address refused: %v", err)
	}
	_, err = s.SetServiceAddress(ctx, l.ID, "1 Main St\x1b[2J")
	wantTextRefusal(t, "ESC in a new service address", err, "service_address", 0x1b)
	if _, err := s.CreateUser(ctx, NewUser{Username: "bad", FirstName: "A", LastName: "B", Email: "a\u202e@acme.example"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("RLO in an e-mail address: %v", err)
	}

	// The import lists each problem with its record.
	exp := ClassicExport{Account: ClassicAccount{PBXName: "PBX1", CompanyName: "Acme\u2066 Inc"},
		Users:    []ClassicUser{cuser("ann"), cuser("bob")},
		Licenses: []ClassicLicense{x4("L-1")}}
	exp.Users[1].LastName = "Smith\u202egnp.exe"
	exp.Licenses[0].ServiceAddress = "1 Main St\x1b]0;pwned\x07"
	_, err = s.ImportClassic(ctx, exp, importOpts())
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("import with control characters: %v", err)
	}
	for _, want := range []string{"account.company_name", "users[1].last_name", "licenses[0]"} {
		found := false
		for _, p := range ie.Problems {
			if strings.HasPrefix(p, want) && strings.Contains(p, "remove it") {
				found = true
			}
		}
		if !found {
			t.Errorf("import problems %q: none for %s", ie.Problems, want)
		}
	}
	if len(ie.Problems) != 3 {
		t.Errorf("import problems %q, want 3", ie.Problems)
	}
}
