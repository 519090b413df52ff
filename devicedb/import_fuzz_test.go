package devicedb

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/templates"
)

// planOnly validates an export as ImportClassic does, without a database.
func planOnly(exp ClassicExport) error {
	_, err := (&Store{cat: templates.Default()}).planImport(exp, time.Now())
	return err
}

// FuzzDecodeClassicJSON: any input decodes or fails cleanly, and what
// decodes validates without panicking.
func FuzzDecodeClassicJSON(f *testing.F) {
	for _, name := range []string{"seeds-joe.json", "reserved-virtual-profile.json", "devices-licenses.json"} {
		b, err := os.ReadFile("testdata/import/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"users":[{"username":"a.b","extensions":[{"number":"555"},{"number":"10"}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		exp, err := DecodeClassicJSON(bytes.NewReader(b))
		if err != nil {
			return
		}
		_ = planOnly(exp)
	})
}

// FuzzDecodeClassicCSV: the four tables, fuzzed together.
func FuzzDecodeClassicCSV(f *testing.F) {
	read := func(name string) string {
		b, err := os.ReadFile("testdata/import/csv-small/" + name)
		if err != nil {
			f.Fatal(err)
		}
		return string(b)
	}
	f.Add(read("users.csv"), read("extensions.csv"), read("licenses.csv"), read("devices.csv"))
	f.Add("username\nx\n", "username,number\nx,\"1\n", "", "mac,model,line\n,,\n")
	f.Fuzz(func(t *testing.T, users, exts, lics, devs string) {
		files := map[string]io.Reader{"users.csv": strings.NewReader(users)}
		for name, v := range map[string]string{"extensions.csv": exts, "licenses.csv": lics, "devices.csv": devs} {
			if v != "" {
				files[name] = strings.NewReader(v)
			}
		}
		exp, err := DecodeClassicCSV(files)
		if err != nil {
			return
		}
		_ = planOnly(exp)
	})
}
