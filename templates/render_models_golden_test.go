package templates

import (
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// modelGoldenDir holds one golden file per catalog model:
// <family>/<vendor key>-<model key>.golden, every kind the model's family
// renders, for the representative and the hostile device, one section
// each. go test -update rewrites them.
var modelGoldenDir = filepath.Join("testdata", "golden-models")

// modelGoldenFile is the golden file of one catalog model.
func modelGoldenFile(m Model) string {
	return filepath.Join(modelGoldenDir, m.Family, Key(m.Vendor)+"-"+Key(m.Model)+".golden")
}

// modelConfig is goldenConfig (or hostileConfig) for catalog model m: its
// first line and its last line slot assigned, so every model renders both
// ends of its line range.
func modelConfig(m Model, hostile bool) *DeviceConfig {
	cfg := goldenConfig(m.Family)
	if hostile {
		cfg = hostileConfig(m.Family)
	}
	cfg.Model = m
	last := m.Lines
	if m.Family == "grandstream" && last > len(gsBlocks)+1 {
		last = len(gsBlocks) + 1 // P-values are known for these accounts only
	}
	if last < 2 {
		cfg.Lines = cfg.Lines[:1]
	} else {
		cfg.Lines[1].Index = last
	}
	return cfg
}

// TestModelGoldens renders every catalog model, compares with its golden
// file and parses every section back in the family's format; the hostile
// section must have exactly the parameters of the plain one. A model
// without a golden file, or a golden file without a model, fails.
func TestModelGoldens(t *testing.T) {
	r := newTestRenderer(t, "")
	want := map[string]bool{}
	for _, m := range Default().Models() {
		file := modelGoldenFile(m)
		if want[file] {
			t.Fatalf("%s %s: golden file %s already used by another model", m.Vendor, m.Model, file)
		}
		want[file] = true
		var doc strings.Builder
		for _, kind := range r.Kinds(m.Family) {
			var keys []string
			for _, hostile := range []bool{false, true} {
				got, ct := mustRender(t, r, kind, modelConfig(m, hostile))
				parsed, err := parseBack(m.Family, got)
				if err != nil {
					t.Errorf("%s %s %s (hostile %v): parsing back: %v", m.Vendor, m.Model, kind, hostile, err)
				}
				k := slices.Sorted(maps.Keys(parsed))
				if hostile && !slices.Equal(k, keys) {
					t.Errorf("%s %s %s: the hostile values changed the parameter set", m.Vendor, m.Model, kind)
				}
				keys = k
				variant := "plain"
				if hostile {
					variant = "hostile"
				}
				doc.WriteString("### " + kind + " " + variant + " " + ct + "\n" + got)
				if !strings.HasSuffix(got, "\n") {
					doc.WriteString("\n")
				}
			}
		}
		if updating() {
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		checkGolden(t, file, doc.String())
	}
	if len(want) < len(Default().Models()) {
		t.Fatalf("%d golden files for %d models", len(want), len(Default().Models()))
	}
	err := filepath.WalkDir(modelGoldenDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if !want[p] {
			if updating() {
				return os.Remove(p)
			}
			t.Errorf("%s: no catalog model renders it (go test -update removes it)", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
