package templates

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// families lists every template family the catalog must cover.
var families = []string{"polycom", "yealink", "cisco-spa", "cisco-mpp", "grandstream", "snom", "obihai", "fanvil", "cisco-ent"}

func TestDefaultCatalogSize(t *testing.T) {
	vendors := map[string]bool{}
	fams := map[string]bool{}
	for _, m := range Default().Models() {
		vendors[m.Vendor] = true
		fams[m.Family] = true
	}
	if n := len(Default().Models()); n < 420 || len(vendors) < 16 {
		t.Fatalf("catalog has %d models of %d vendors, want at least 420 of 16", n, len(vendors))
	}
	all := allFamilies()
	if len(fams) != len(all) || len(catalogFamilies)+len(addedCatalogFamilies) != len(all) {
		t.Fatalf("catalog uses %d families, catalogFamilies has %d+%d, the test lists %d",
			len(fams), len(catalogFamilies), len(addedCatalogFamilies), len(all))
	}
}

// TestDefaultCatalogEntries checks what every entry must carry beyond what
// ParseCatalog enforces: firmware figures, boot files and a series.
func TestDefaultCatalogEntries(t *testing.T) {
	for _, m := range Default().Models() {
		if m.Series == "" || m.MinFirmware == "" || m.TargetFirmware == "" || m.FirmwareFile == "" || len(m.Files) == 0 {
			t.Errorf("%s %s: series, min/target firmware, firmware file and files are all required: %+v", m.Vendor, m.Model, m)
		}
		if !m.Supported {
			r, ok := Default().Lookup(m.Replacement)
			if !ok || !r.Supported || r.Model != m.Replacement {
				t.Errorf("%s: replacement %q does not resolve to a supported model", m.Model, m.Replacement)
			}
		}
	}
}

// TestDefaultCatalogFamilies: every family has unsupported models, and
// every family but the frozen-only ones has supported models.
func TestDefaultCatalogFamilies(t *testing.T) {
	supported := map[string]int{}
	unsupported := map[string]int{}
	for _, m := range Default().Models() {
		if m.Supported {
			supported[m.Family]++
		} else {
			unsupported[m.Family]++
		}
	}
	for _, f := range allFamilies() {
		if unsupported[f] == 0 && !allSupported[f] {
			t.Errorf("family %s has no unsupported model", f)
		}
		switch {
		case frozenOnly[f] && supported[f] != 0:
			t.Errorf("frozen-only family %s has %d supported models", f, supported[f])
		case !frozenOnly[f] && supported[f] == 0:
			t.Errorf("family %s has no supported model", f)
		}
	}
}

func TestLegacySeriesUnsupported(t *testing.T) {
	legacy := map[string]bool{"SoundPoint IP": true, "SoundStation IP": true, "T1x": true, "T2x": true, "3xx": true}
	seen := map[string]int{}
	for _, m := range Default().Models() {
		if legacy[m.Series] || m.Family == "cisco-spa" {
			seen[m.Series]++
			if m.Supported {
				t.Errorf("%s %s (series %s) is legacy but marked supported", m.Vendor, m.Model, m.Series)
			}
		}
	}
	for s := range legacy {
		if seen[s] == 0 {
			t.Errorf("no model of legacy series %s in the catalog", s)
		}
	}
}

// TestDefaultCatalogTrust: every row says where its facts come from and
// what its User-Agent proves; only Poly models upload by PUT.
func TestDefaultCatalogTrust(t *testing.T) {
	for _, m := range Default().Models() {
		if strings.TrimSpace(m.Source) == "" {
			t.Errorf("%s %s: no source", m.Vendor, m.Model)
		}
		switch m.UserAgent {
		case "mac", "model", "none":
		default:
			t.Errorf("%s %s: user_agent %q, want mac, model or none", m.Vendor, m.Model, m.UserAgent)
		}
		if m.Uploads && m.Vendor != "Poly" {
			t.Errorf("%s %s: uploads set on a non-Poly model", m.Vendor, m.Model)
		}
		if m.CustomCA && !m.SIPTLS {
			t.Errorf("%s %s: custom_ca without sip_tls", m.Vendor, m.Model)
		}
	}
}

func TestFirmwareMinimums(t *testing.T) {
	for _, m := range Default().Models() {
		var want string
		switch m.Series {
		case "VVX":
			want = "5.9.4.3247"
		case "SoundPoint IP":
			want = "4.0.15.1047"
		default:
			continue
		}
		if m.MinFirmware != want {
			t.Errorf("%s: min firmware %q, want %q", m.Model, m.MinFirmware, want)
		}
	}
}

func TestContactCenter(t *testing.T) {
	n := 0
	for _, m := range Default().Models() {
		if m.Series == "CCX" && !m.ContactCenter {
			t.Errorf("%s is a CCX but not marked contact_center", m.Model)
		}
		if m.ContactCenter {
			n++
			if !m.Supported || m.Kind != "phone" {
				t.Errorf("%s: a contact-center model must be a supported phone", m.Model)
			}
		}
	}
	if n == 0 {
		t.Fatal("no contact-center desk phone in the catalog")
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		name, want string // want "" means not found
	}{
		// canonical names and aliases in User-Agent spellings
		{"VVX 410", "VVX 410"},
		{"VVX_410", "VVX 410"},
		{"SPIP_335", "SoundPoint IP 335"},
		{"SSIP_6000", "SoundStation IP 6000"},
		{"Edge_E450", "Edge E450"},
		{"CCX_500", "CCX 500"},
		{"Trio_8800", "Trio 8800"},
		{"SIP-T46S", "T46S"},
		{"SIP-T19P_E2", "T19P E2"},
		{"T21P_E2", "T21P E2"},
		{"SIP-T21P", "T21P"},
		{"VP-T49G", "T49G"},
		{"W80B", "W80DM"},
		{"W75B", "W75DM"},
		{"VP530P", "VP530P"},
		{"CP-8841-3PCC", "CP-8841-3PCC"},
		{"8841-3PCC", "CP-8841-3PCC"},
		{"CP-7832-3PCC", "CP-7832-3PCC"},
		{"ATA191-MPP", "ATA191"},
		{"SPA-942", "SPA942"},
		{"PAP2T", "PAP2T"},
		{"SPA525G2", "SPA525G2"},
		{"GXP1405", "GXP1405"},
		{"GXV3350", "GXV3350"},
		{"snom710", "710"},
		{"snomD785", "D785"},
		{"M900", "M900"},
		{"OBi202", "OBi202"},
		{"X5U-V2", "X5U-V2"},
		// vendor prefixes
		{"Poly VVX 410", "VVX 410"},
		{"Polycom VVX_410", "VVX 410"},
		{"Polycom SoundPoint IP 335", "SoundPoint IP 335"},
		{"Yealink SIP-T46S", "T46S"},
		{"Cisco SPA504G", "SPA504G"},
		{"Cisco SPA942", "SPA942"},
		{"Linksys SPA-942", "SPA942"},
		{"Grandstream GRP2614", "GRP2614"},
		{"Snom D735", "D735"},
		{"Snom 300", "300"},
		{"Obihai OBi202", "OBi202"},
		{"Fanvil X4U", "X4U"},
		// odd spellings
		{"vvx-410", "VVX 410"},
		{"  VVX   410 ", "VVX 410"},
		{"t46s", "T46S"},
		{"cisco cp 8841 3pcc", "CP-8841-3PCC"},
		{"SNOM710", "710"},
		{"obi 202", "OBi202"},
		{"x5u v2", "X5U-V2"},
		// added vendors, with and without their prefix
		{"Mitel 6867i", "6867i"},
		{"Aastra 6867i", "6867i"},
		{"Aastra6757i", "6757i"},
		{"Htek UC926", "UC926"},
		{"Sangoma S505", "S505"},
		{"Gigaset N870 IP PRO", "N870 IP PRO"},
		{"N670", "N670 IP PRO"},
		{"Avaya J179", "J179"},
		{"Panasonic KX-HDV230", "KX-HDV230"},
		{"kx hdv 230", "KX-HDV230"},
		{"Alcatel-Lucent M5", "M5"},
		{"ALE M3-CE", "M3"},
		{"Akuvox R20B", "R20B"},
		{"AudioCodes 440HD", "440HD"},
		{"Algo 8301", "8301"},
		{"CyberData SIP Strobe", "SIP Strobe"},
		{"2N IP Verso 2.0", "IP Verso 2.0"},
		{"Htek 6867i", ""},
		{"Mitel UC926", ""},
		// not found: unknown names, and a vendor prefix that is not the model's vendor
		{"", ""},
		{"---", ""},
		{"Acme X1", ""},
		{"Poly 300", ""},
		{"Yealink VVX 410", ""},
		{"VVX 999", ""},
		{strings.Repeat("VVX", 100), ""},
	}
	for _, tt := range tests {
		m, ok := Default().Lookup(tt.name)
		if ok != (tt.want != "") || m.Model != tt.want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", tt.name, m.Model, ok, tt.want)
		}
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	c := Default()
	allocs := testing.AllocsPerRun(100, func() {
		c.Lookup("Polycom VVX_410")
		c.Lookup("SIP-T46S")
		c.Lookup("no such model")
	})
	if allocs != 0 {
		t.Fatalf("Lookup allocates %.1f times per run, want 0", allocs)
	}
}

func TestKey(t *testing.T) {
	for in, want := range map[string]string{
		"VVX 410": "vvx410", "vvx-410": "vvx410", "VVX_410": "vvx410",
		"Ünïcode É1": "ünïcodeé1", "": "", "-_ .": "",
	} {
		if got := Key(in); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestParseCatalogErrors runs ParseCatalog over the small catalogs in
// testdata/catalog; each file but good.json must fail with its sentinel.
func TestParseCatalogErrors(t *testing.T) {
	tests := map[string]error{
		"good.json":                    nil,
		"missing_field.json":           ErrCatalogMissingField,
		"unknown_family.json":          ErrCatalogFamily,
		"unknown_kind.json":            ErrCatalogKind,
		"no_resync_event.json":         ErrCatalogResyncEvent,
		"no_replacement.json":          ErrCatalogNoReplacement,
		"replacement_unknown.json":     ErrCatalogReplacementUnknown,
		"replacement_alias.json":       ErrCatalogReplacementUnknown,
		"replacement_unsupported.json": ErrCatalogReplacementUnsupported,
		"duplicate_alias.json":         ErrCatalogDuplicateName,
		"alias_is_other_model.json":    ErrCatalogDuplicateName,
		"repeated_alias.json":          ErrCatalogDuplicateName,
		"empty_alias.json":             ErrCatalogDuplicateName,
		"bad_placeholder.json":         ErrCatalogPlaceholder,
		"unclosed_placeholder.json":    ErrCatalogPlaceholder,
		"bad_user_agent.json":          ErrCatalogUserAgent,
		"syntax.json":                  errJSON,
		"wrong_type.json":              errJSON,
	}
	files, err := filepath.Glob(filepath.Join("testdata", "catalog", "*.json"))
	if err != nil || len(files) != len(tests) {
		t.Fatalf("testdata/catalog holds %d files (err %v), the table %d", len(files), err, len(tests))
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "catalog", name))
			if err != nil {
				t.Fatal(err)
			}
			c, err := ParseCatalog(b)
			switch {
			case want == nil && err != nil:
				t.Fatalf("ParseCatalog: %v", err)
			case want == nil:
				if m, ok := c.Lookup("Acme Zero"); !ok || m.Model != "P0" {
					t.Fatalf("Lookup(Acme Zero) = %q, %v", m.Model, ok)
				}
			case want == errJSON:
				var se *json.SyntaxError
				var te *json.UnmarshalTypeError
				if !errors.As(err, &se) && !errors.As(err, &te) {
					t.Fatalf("ParseCatalog error %v, want a JSON error", err)
				}
			case !errors.Is(err, want):
				t.Fatalf("ParseCatalog error %v, want %v", err, want)
			}
			if err != nil && (strings.HasSuffix(err.Error(), ".") || err.Error() != strings.TrimSpace(err.Error())) {
				t.Errorf("error text %q has trailing punctuation or space", err)
			}
		})
	}
}

// errJSON marks table rows that expect a JSON decoding error.
var errJSON = errors.New("json error")

func TestModelsSorted(t *testing.T) {
	ms := Default().Models()
	for i := 1; i < len(ms); i++ {
		a, b := ms[i-1], ms[i]
		if a.Vendor > b.Vendor || (a.Vendor == b.Vendor && a.Model > b.Model) {
			t.Fatalf("Models not sorted at %d: %s %s before %s %s", i, a.Vendor, a.Model, b.Vendor, b.Model)
		}
	}
	ms[0].Model = "changed"
	if Default().Models()[0].Model == "changed" {
		t.Fatal("Models returns the catalog's own slice")
	}
}
