package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportPrintsWarnings: the CLI prints every warning of the report
// without --report, each named by its user or device.
func TestImportPrintsWarnings(t *testing.T) {
	data := t.TempDir()
	exp := filepath.Join(t.TempDir(), "export.json")
	os.WriteFile(exp, []byte(`{"users": [{"username": "vmail", "extensions": [{"number": "555"}]},
		{"username": "ann", "extensions": [{"number": "1001"}]}],
		"devices": [{"mac": "0004f2000001", "model": "VVX 410", "lines": []}]}`), 0o600)
	code, out, errs := runCLI("import", "classic", exp, "--data", data, "--dry-run")
	if code != 0 {
		t.Fatalf("import: %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"- user vmail: extension 555", "- device 0004f2000001: no line activated"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
