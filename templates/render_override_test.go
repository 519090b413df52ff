package templates

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testCatalog is a small catalog so override tests do not depend on the
// embedded one.
func testCatalog(t *testing.T) *Catalog {
	t.Helper()
	c, err := ParseCatalog([]byte(`[
 {"vendor":"Snom","model":"D735","family":"snom","kind":"phone","lines":12,"supported":true,"resync_event":"check-sync"},
 {"vendor":"Obihai","model":"OBi202","family":"obihai","kind":"ata","lines":2,"supported":true,"resync_event":"resync"}]`))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// writeTree creates files (slash paths relative to a new temp dir).
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func newOverrideRenderer(t *testing.T, files map[string]string) (*Renderer, error) {
	return NewRenderer(RendererConfig{OverrideDir: writeTree(t, files), Catalog: testCatalog(t), Now: testNow})
}

// TestOverridePrecedence: device > model > family > embedded.
func TestOverridePrecedence(t *testing.T) {
	r, err := newOverrideRenderer(t, map[string]string{
		"family/snom/device.tmpl":         "family {{x .MAC}}",
		"model/d735/device.tmpl":          "model {{x .MAC}}",
		"device/0004f2a1b2c3/device.tmpl": "device {{x .MAC}}",
		"device/0004F2A1B2C4/device.tmpl": "kv device {{kv .MAC}}",
		".git/ignored":                    "dot folders are skipped",
		"family/snom/.swp":                "dot files are skipped",
		"family/yealink/_globals.tmpl":    `{{define "yealink.globals"}}lang.gui = {{kv .V.Lang}}{{end}}`,
		"model/obi202/device.tmpl":        `<o>{{template "obihai.p" dict "N" "URI" "V" .MAC}}</o>`,
	})
	if err != nil {
		t.Fatal(err)
	}
	snom := func(mac, model string) *DeviceConfig {
		c := goldenConfig("snom")
		c.MAC, c.Model.Model = mac, model
		return c
	}
	obi := goldenConfig("obihai")
	obi.MAC = "0004f2a1b2c9"
	cases := []struct {
		name, kind string
		cfg        *DeviceConfig
		want       string
	}{
		{"device override", KindDevice, snom("0004f2a1b2c3", "D735"), "device 0004f2a1b2c3"},
		{"device override, upper-case MAC in config", KindDevice, snom("0004F2A1B2C3", "D735"), "device 0004f2a1b2c3"},
		{"model override", KindDevice, snom("0004f2a1b2c9", "D735"), "model 0004f2a1b2c9"},
		{"family override", KindDevice, snom("0004f2a1b2c9", "D785"), "family 0004f2a1b2c9"},
		{"kv device override fits yealink only", KindDevice, snom("0004f2a1b2c4", "D785"), "family 0004f2a1b2c4"},
		{"embedded common", KindCommon, snom("0004f2a1b2c3", "D735"), "<setting-files>"},
		{"model override calls a family block", KindDevice, obi, "<Name>URI</Name>\n      <Value>0004f2a1b2c9</Value>"},
		{"family partial override", KindCommon, goldenConfig("yealink"), "#!version:1.0.0.1\nlang.gui = French\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _ := mustRender(t, r, c.kind, c.cfg)
			if !strings.Contains(got, c.want) {
				t.Errorf("got %q, want it to contain %q", got, c.want)
			}
		})
	}
	y := goldenConfig("yealink")
	y.MAC = "0004f2a1b2c4"
	if got, _ := mustRender(t, r, KindDevice, y); got != "kv device 0004f2a1b2c4" {
		t.Errorf("yealink device override: %q", got)
	}
}

// TestOverrideErrors: every bad override fails NewRenderer with a sentinel
// and, for template faults, the file and line.
func TestOverrideErrors(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  error
		text  string // must appear in the message
	}{
		{"parse error", map[string]string{"family/snom/device.tmpl": "ok\n{{if}}"}, ErrTemplate, "family/snom/device.tmpl:2"},
		{"execution error", map[string]string{"model/d735/device.tmpl": "a\nb\n{{x .V.NoSuchField}}"}, ErrTemplate, "model/d735/device.tmpl:3"},
		{"raw output", map[string]string{"family/fanvil/common.tmpl": "\n{{.HTTPPassword}}"}, ErrTemplate, "family/fanvil/common.tmpl:2"},
		{"wrong escaper for the format", map[string]string{"family/yealink/device.tmpl": "{{x .MAC}}"}, ErrTemplate, "family/yealink/device.tmpl:1"},
		{"unknown family", map[string]string{"family/nokia/device.tmpl": "x"}, ErrUnknownFamily, "nokia"},
		{"unknown kind", map[string]string{"family/snom/boot.tmpl": "x"}, ErrUnknownKind, "boot"},
		{"unknown model", map[string]string{"model/t99/device.tmpl": "x"}, ErrOverrideDir, "t99"},
		{"bad mac folder", map[string]string{"device/0004f2/device.tmpl": "x"}, ErrOverrideDir, "0004f2"},
		{"device override fits no family", map[string]string{"device/0004f2a1b2c3/master.tmpl": "{{kv .MAC}}"}, ErrTemplate, "master.tmpl:1"},
		{"stray top-level file", map[string]string{"readme.txt": "x"}, ErrOverrideDir, "readme.txt"},
		{"unknown top-level folder", map[string]string{"vendor/snom/device.tmpl": "x"}, ErrOverrideDir, "vendor"},
		{"not a tmpl file", map[string]string{"family/snom/device.xml": "x"}, ErrOverrideDir, "device.xml"},
		{"file where a folder belongs", map[string]string{"family/snom": "x"}, ErrOverrideDir, "snom"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := newOverrideRenderer(t, c.files)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
				t.Fatalf("err = %v, want %v mentioning %q", err, c.want, c.text)
			}
		})
	}
	_, err := NewRenderer(RendererConfig{OverrideDir: filepath.Join(t.TempDir(), "missing")})
	if !errors.Is(err, ErrOverrideDir) {
		t.Errorf("missing folder: %v", err)
	}
}
