package ident

import (
	"strings"
	"testing"

	"github.com/phoneprov/phoneprov/templates"
)

// TestCatalogFilesRecognised: every boot file and firmware file the catalog
// lists is recognised by ParsePath as a file the model's family asks for
// (the firmware file as KindFirmware), and a file naming one model hints at
// a model of the same family.
func TestCatalogFilesRecognised(t *testing.T) {
	const mac = "0a1b2c3d4e5f" // no known OUI: the family must come from the caller
	for _, m := range templates.Default().Models() {
		names := append([]string{m.FirmwareFile}, m.Files...)
		for i, f := range names {
			f = strings.NewReplacer("{mac}", mac, "{MAC}", strings.ToUpper(mac), "{model}", m.Model).Replace(f)
			p := ParsePath("/prov/" + f)
			kind := p.KindFor(m.Family)
			if kind == KindUnknown || (i == 0 && kind != KindFirmware) {
				t.Errorf("%s %s: %q is %q for family %s (path %+v)", m.Vendor, m.Model, f, kind, m.Family, p)
			}
			if strings.Contains(names[i], "mac") || strings.Contains(names[i], "MAC") {
				if p.MAC != mac {
					t.Errorf("%s: %q gives MAC %q", m.Model, f, p.MAC)
				}
			}
			if p.ModelHint != "" {
				h, ok := templates.Default().Lookup(p.ModelHint)
				if !ok || familyGroup(h.Family) != familyGroup(m.Family) {
					t.Errorf("%s: %q hints at %q of another family", m.Model, f, p.ModelHint)
				}
			}
		}
	}
}

// TestFamiliesNamed: every catalog family is one of templates' Family
// constants that familyVendor knows.
func TestFamiliesNamed(t *testing.T) {
	for _, m := range templates.Default().Models() {
		if familyVendor(m.Family) == "" {
			t.Errorf("%s %s: family %q has no Family constant", m.Vendor, m.Model, m.Family)
		}
	}
}
