package devicedb

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// readExport reads a Classic export from a .json file or a folder of CSV
// files.
func readExport(t *testing.T, path string) ClassicExport {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !st.IsDir() {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		exp, err := DecodeClassicJSON(f)
		if err != nil {
			t.Fatal(err)
		}
		return exp
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]io.Reader{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(path, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = bytes.NewReader(b)
	}
	exp, err := DecodeClassicCSV(files)
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

// TestImportGolden imports each hand-made export of testdata/import (a
// .json file or a folder of CSV files) into an empty store and compares
// the report with <name>.golden; go test -run TestImportGolden -update
// rewrites them. Each export imported again changes nothing.
func TestImportGolden(t *testing.T) {
	ents, err := os.ReadDir("testdata/import")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		name := e.Name()
		if !e.IsDir() && !strings.HasSuffix(name, ".json") {
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			s, _ := openTest(t)
			exp := readExport(t, filepath.Join("testdata/import", name))
			var got []byte
			var err error
			var rep *ImportReport
			if strings.HasPrefix(name, "invalid-") {
				// An export with problems: the golden file is the list of
				// all of them, and nothing is imported.
				_, ierr := s.ImportClassic(ctx, exp, importOpts())
				var ie *ImportError
				if !errors.As(ierr, &ie) {
					t.Fatalf("import of an invalid export: %v", ierr)
				}
				got, err = json.MarshalIndent(ie.Problems, "", "  ")
			} else {
				rep = mustImport(t, s, exp, importOpts())
				got, err = json.MarshalIndent(rep, "", "  ")
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata/import", strings.TrimSuffix(name, ".json")+".golden")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("report differs from %s (run with -update and review the diff):\n%s", golden, got)
			}
			if rep == nil {
				return
			}
			if again := mustImport(t, s, exp, importOpts()); again.Totals.Changed {
				t.Errorf("re-run changed something: %+v", again.Totals)
			}
		})
	}
	if n < 4 {
		t.Fatalf("only %d exports in testdata/import", n)
	}
}
