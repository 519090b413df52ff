package templates

import (
	"bytes"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The -update flag rewrites testdata/golden. It is registered only when
// no other test file of the package has registered it already.
var _ = func() bool {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite testdata/golden from the current output")
	}
	return true
}()

// updating reports whether -update was given.
func updating() bool {
	f := flag.Lookup("update")
	if f == nil {
		return false
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return false
	}
	b, _ := g.Get().(bool)
	return b
}

// goldenModels is one representative model per family, written out here so
// the goldens do not move when the catalog changes; each can do SIP TLS and
// take a custom CA.
var goldenModels = map[string]Model{
	"polycom": {Vendor: "Poly", Model: "VVX 150", Family: "polycom", Kind: "phone", Lines: 2, SIPTLS: true, CustomCA: true,
		Files: []string{"{mac}.cfg", "000000000000.cfg", "3111-48810-001.sip.ld", "sip.ld", "phoneprov-{mac}.cfg"}},
	"yealink": {Vendor: "Yealink", Model: "T31P", Family: "yealink", Kind: "phone", Lines: 2, SIPTLS: true, CustomCA: true, Files: []string{"{mac}.boot", "y000000000000.boot", "y000000000123.cfg", "{mac}.cfg"}},
	"cisco-spa": {Vendor: "Cisco", Model: "SPA504G", Family: "cisco-spa", Kind: "phone", Lines: 4, SIPTLS: true, CustomCA: true,
		Files: []string{"spa504G.cfg", "spa{mac}.xml"}},
	"cisco-mpp": {Vendor: "Cisco", Model: "CP-8841-3PCC", Family: "cisco-mpp", Kind: "phone", Lines: 2, SIPTLS: true, CustomCA: true,
		Files: []string{"CP-8841-3PCC.xml", "8841-3PCC.xml", "{mac}.xml"}},
	"grandstream": {Vendor: "Grandstream", Model: "GRP2614", Family: "grandstream", Kind: "phone", Lines: 4, SIPTLS: true, CustomCA: true,
		Files: []string{"cfg{mac}", "cfg{mac}.xml", "cfggrp2614.xml", "cfg.xml"}},
	"snom": {Vendor: "Snom", Model: "D735", Family: "snom", Kind: "phone", Lines: 2, SIPTLS: true, CustomCA: true,
		Files: []string{"snomD735.htm", "snomD735-{MAC}.htm", "{MAC}.xml"}},
	"obihai": {Vendor: "Obihai", Model: "OBi202", Family: "obihai", Kind: "ata", Lines: 2, SIPTLS: true, CustomCA: true, Files: []string{"{MAC}.xml"}},
	"fanvil": {Vendor: "Fanvil", Model: "X4U", Family: "fanvil", Kind: "phone", Lines: 2, SIPTLS: true, CustomCA: true, Files: []string{"f0X4Uhw1.100.cfg", "{mac}.cfg"}},
	"cisco-ent": {Vendor: "Cisco", Model: "CP-8841 Enterprise", Family: "cisco-ent", Kind: "phone", Lines: 5, SIPTLS: true,
		Files: []string{"SEP{MAC}.cnf.xml", "dialplan-8841.xml"}},
}

// goldenConfig is the representative device: two lines, the second
// disabled, every optional setting on (HTTPS with a device credential,
// SIP over TLS, a web-UI password, the local CA).
func goldenConfig(family string) *DeviceConfig {
	return &DeviceConfig{
		MAC: "0004f2a1b2c3", Model: goldenModels[family], Firmware: "1.2.3",
		Lines: []Line{
			{Index: 1, Enabled: true, User: "1001", AuthUser: "a1001", Password: "s3cret&<pw>",
				DisplayName: "Joe Smith", Label: "Joe", Expiry: 600},
			{Index: 2, Enabled: false, User: "1002", Password: "pw2", DisplayName: "Front Desk"},
		},
		SIP:          SIPServer{Domain: "phoneprov.test", Host: "sip.phoneprov.test", Transport: "tls", FallbackPort: 5070},
		ProvisionURL: "https://prov.phoneprov.test:8443/p/", ResyncInterval: 86400,
		NTPServer: "pool.ntp.org", TimeZone: "America/New_York", Language: "fr-CA",
		STUNServer: "stun.phoneprov.test:3478", FirmwareURL: "https://prov.phoneprov.test:8443/fw/app-2.0.bin",
		HTTPUser: "dev-0004f2a1b2c3", HTTPPassword: "Zx9-pass", WebUIPassword: "Adm1n-pw",
		CACert: sampleCACert, CACertURL: "http://prov.phoneprov.test:8080/ca.pem",
	}
}

// Hostile values: each tries to close the element or attribute, or to
// start a new key = value line.
const (
	hostileName1 = `"/><x a="`
	hostileName2 = "Bob\naccount.1.password = x"
	hostileLabel = "<l&'q'>\r\nP34 = 0"
	hostilePass  = `p"w'd<&>`
	hostileURL   = `https://prov.phoneprov.test/ca.pem?a="/><x a="&b=<x>'`
)

// hostileConfig is goldenConfig with hostile display names, label,
// passwords (line, device credential, web UI) and CA URL.
func hostileConfig(family string) *DeviceConfig {
	c := goldenConfig(family)
	c.Lines[0].DisplayName, c.Lines[0].Label, c.Lines[0].Password = hostileName1, hostileLabel, hostilePass
	c.Lines[1].DisplayName = hostileName2
	c.HTTPPassword, c.WebUIPassword, c.CACertURL = hostilePass, hostilePass, hostileURL
	return c
}

// testNow pins the DST year of the goldens.
func testNow() time.Time { return time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC) }

func newTestRenderer(t testing.TB, dir string) *Renderer {
	t.Helper()
	r, err := NewRenderer(RendererConfig{OverrideDir: dir, Now: testNow})
	if err != nil {
		t.Fatalf("NewRenderer: %v", err)
	}
	return r
}

func mustRender(t testing.TB, r *Renderer, kind string, cfg *DeviceConfig) (string, string) {
	t.Helper()
	var b bytes.Buffer
	ct, err := r.Render(&b, kind, cfg)
	if err != nil {
		t.Fatalf("Render %s %s: %v", cfg.Model.Family, kind, err)
	}
	return b.String(), ct
}

// TestGolden renders every (family, kind) for the representative and the
// hostile device, compares with testdata/golden/<family>-<kind>[-hostile].golden,
// parses each back and checks the expected values. It also fails on
// golden files no case produces.
func TestGolden(t *testing.T) {
	r := newTestRenderer(t, "")
	seen := map[string]bool{}
	for _, fam := range slices.Sorted(maps.Keys(familyDefs)) {
		for _, kind := range r.Kinds(fam) {
			for _, hostile := range []bool{false, true} {
				name := fam + "-" + kind
				cfg := goldenConfig(fam)
				if hostile {
					name, cfg = name+"-hostile", hostileConfig(fam)
				}
				file := filepath.Join("testdata", "golden", name+".golden")
				seen[filepath.Base(file)] = true
				t.Run(name, func(t *testing.T) {
					got, ct := mustRender(t, r, kind, cfg)
					checkGolden(t, file, got)
					checkParsed(t, fam, kind, ct, got, cfg)
				})
			}
		}
	}
	entries, err := os.ReadDir(filepath.Join("testdata", "golden"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !seen[e.Name()] {
			t.Errorf("testdata/golden/%s: no test case renders it", e.Name())
		}
	}
}

func checkGolden(t *testing.T, file, got string) {
	t.Helper()
	if updating() {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the rendered output (go test -update rewrites it):\n%s", file, lineDiff(string(want), got))
	}
}

// lineDiff shows the first differing lines.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)) && b.Len() < 2000; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strInt(i+1) + ":\n- " + wl + "\n+ " + gl + "\n")
		}
	}
	return b.String()
}
