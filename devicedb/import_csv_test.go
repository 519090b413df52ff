package devicedb

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func csvFiles(m map[string]string) map[string]io.Reader {
	out := map[string]io.Reader{}
	for k, v := range m {
		out[k] = strings.NewReader(v)
	}
	return out
}

// TestDecodeClassicCSVMatchesJSON: the CSV tables read into the same
// export as its JSON form.
func TestDecodeClassicCSVMatchesJSON(t *testing.T) {
	got, err := DecodeClassicCSV(csvFiles(map[string]string{
		"account.csv":    "pbx_name,company_name\nPBX1,Acme Inc\n",
		"licenses.csv":   "id,type,country,service_address\nL-100,X4,US,\"1 Main St, New York, NY\"\n",
		"users.csv":      "\ufeffusername,first_name,last_name,email,voicemail_to_email\njoe8x8,Joe,Smith,joe@acme.example,link_and_attachment\nann,Ann,,,\n",
		"extensions.csv": "number,username,phone_numbers,license_id,desktop_login_at,virtual\n1001,joe8x8,+14155550101 +14155550102,L-100,2020-05-10T09:00:00Z,\n1002,JOE8X8,,,,yes\n",
		"devices":        "mac,model,line,extension\n0004f2a1b2c3,VVX 410,1,1001\n00:04:F2:A1:B2:C3,VVX 410,2,1002\n0004f2a1b2c4,VVX 410,,\n",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want, err := DecodeClassicJSON(strings.NewReader(`{
	  "account": {"pbx_name": "PBX1", "company_name": "Acme Inc"},
	  "licenses": [{"id": "L-100", "type": "X4", "country": "US", "service_address": "1 Main St, New York, NY"}],
	  "users": [{"username": "joe8x8", "first_name": "Joe", "last_name": "Smith", "email": "joe@acme.example",
	    "voicemail_to_email": "link_and_attachment", "extensions": [
	      {"number": "1001", "virtual": false, "phone_numbers": ["+14155550101", "+14155550102"], "license_id": "L-100",
	       "desktop_login_at": "2020-05-10T09:00:00Z", "mobile_login_at": null},
	      {"number": "1002", "virtual": true, "phone_numbers": []}]},
	    {"username": "ann", "first_name": "Ann", "extensions": []}],
	  "devices": [{"mac": "0004f2a1b2c3", "model": "VVX 410", "lines": [{"line": 1, "extension": "1001"}, {"line": 2, "extension": "1002"}]},
	    {"mac": "0004f2a1b2c4", "model": "VVX 410", "lines": []}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(canonical(got), canonical(want)) {
		t.Fatalf("CSV:\n%+v\nJSON:\n%+v", canonical(got), canonical(want))
	}
	if got.origin["users[0].extensions[1]"] != "extensions.csv line 3" || got.origin["devices[0].lines[1]"] != "devices.csv line 3" {
		t.Fatalf("origins: %v", got.origin)
	}
}

// TestDecodeClassicCSVErrors: bad CSV is refused with the file and line.
func TestDecodeClassicCSVErrors(t *testing.T) {
	users := "username\njoe8x8\n"
	cases := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no users", map[string]string{"licenses.csv": "id,type,country\n"}, "users.csv is missing"},
		{"unknown table", map[string]string{"users.csv": users, "phones.csv": "x\n"}, "phones.csv: not a table"},
		{"unknown column", map[string]string{"users.csv": "username,shoe_size\n"}, `users.csv line 1: unknown column "shoe_size"`},
		{"missing column", map[string]string{"users.csv": users, "extensions.csv": "username\njoe8x8\n"}, `extensions.csv line 1: the column "number" is required`},
		{"empty file", map[string]string{"users.csv": ""}, "users.csv: empty"},
		{"ragged row", map[string]string{"users.csv": "username,email\njoe8x8\n"}, "users.csv line 2"},
		{"bad quote", map[string]string{"users.csv": "username\n\"jo\"e\n"}, "users.csv line 2"},
		{"unknown user", map[string]string{"users.csv": users, "extensions.csv": "username,number\nbob,1001\n"}, `extensions.csv line 2: username "bob" is not in users.csv`},
		{"bad virtual", map[string]string{"users.csv": users, "extensions.csv": "username,number,virtual\njoe8x8,1001,maybe\n"}, `extensions.csv line 2: virtual "maybe"`},
		{"bad line", map[string]string{"users.csv": users, "devices.csv": "mac,model,line,extension\n0004f2a1b2c3,VVX 410,one,1001\n"}, `devices.csv line 2: line "one"`},
		{"model changes", map[string]string{"users.csv": users, "devices.csv": "mac,model\n0004f2a1b2c3,VVX 410\n0004f2a1b2c3,VVX 411\n"}, "devices.csv line 3"},
		{"two accounts", map[string]string{"users.csv": users, "account.csv": "pbx_name\na\nb\n"}, "account.csv line 3: one row only"},
		{"same table twice", map[string]string{"users.csv": users, "USERS": users}, "sent twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeClassicCSV(csvFiles(c.files))
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an ErrInvalid saying %q", err, c.want)
			}
		})
	}
}

// TestImportCSVProblemsNameTheLine: validation problems of CSV input name
// the file and line as well as the record.
func TestImportCSVProblemsNameTheLine(t *testing.T) {
	exp, err := DecodeClassicCSV(csvFiles(map[string]string{
		"users.csv":      "username\njoe8x8\n",
		"extensions.csv": "username,number\njoe8x8,1001\njoe8x8,10a\n",
	}))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := openTest(t)
	_, err = s.ImportClassic(ctx, exp, importOpts())
	var ie *ImportError
	if !errors.As(err, &ie) || len(ie.Problems) != 1 || !strings.Contains(ie.Problems[0], `users[0].extensions[1].number (extensions.csv line 3): extension "10a"`) {
		t.Fatalf("got %v", err)
	}
}

// TestDecodeClassicJSONErrors: bad JSON is refused saying what is wrong.
func TestDecodeClassicJSONErrors(t *testing.T) {
	cases := map[string]string{
		``:                                "empty",
		`{"users": [}`:                    "malformed JSON",
		`{"users": [{"username": 5}]}`:    "must be a string",
		`{"users": [{"extentions": []}]}`: `unknown field "extentions"`,
		`{"users": []} {"users": []}`:     "more than one JSON value",
		`{"users": [{"username": "a"`:     "ends too early",
		`{"devices": [{"lines": [{"line": "x"}]}]}`: "whole number",
	}
	for in, want := range cases {
		_, err := DecodeClassicJSON(strings.NewReader(in))
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want an ErrInvalid saying %q", in, err, want)
		}
	}
}
