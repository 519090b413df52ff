package ident

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/phoneprov/phoneprov/templates"
)

const (
	uaPoly    = "FileTransport PolycomVVX-VVX_410-UA/5.9.5.0614 Type/Application"
	uaYealink = "Yealink SIP-T46S 66.86.0.15 00:15:65:aa:bb:cc"
	uaFanvil  = "Fanvil X4U 2.12.1 0c383e0a0b0c"
	uaCisco   = "Cisco-CP-8841-3PCC/11.3.7 (00562b043615)"
	uaSPA     = "Cisco/SPA504G-7.4.8a (0002FDFF2103)(CBT141400UK)"
	uaATA     = "Cisco/ATA191-MPP-11-1-0-MSR4 (FCH2443D9R4)"
	uaSnom    = "Mozilla/4.0 (compatible; snom710-SIP 8.7.5.35 1.1.5-IFX-05.01.12 000413741767)"
	uaGS      = "Grandstream Model HW GXP2170 SW 1.0.9.108 DevId 000b82aabbcc"
)

func TestIdentify(t *testing.T) {
	tests := []struct {
		name, ua, path string
		want           Identity
	}{
		{"poly master by UA", uaPoly, "/0004f2a1b2c3.cfg", Identity{
			Vendor: "Poly", Family: templates.FamilyPolycom, Model: "VVX 410", Firmware: "5.9.5.0614", MAC: "0004f2a1b2c3",
			PathMAC: "0004f2a1b2c3", File: "0004f2a1b2c3.cfg", Kind: templates.KindMaster, Known: true, Supported: true}},
		{"poly UA, non-Poly OUI is still the master", uaPoly, "/112233445566.cfg", Identity{
			Vendor: "Poly", Family: templates.FamilyPolycom, Model: "VVX 410", Firmware: "5.9.5.0614", MAC: "112233445566",
			PathMAC: "112233445566", File: "112233445566.cfg", Kind: templates.KindMaster, Known: true, Supported: true}},
		{"yealink device by UA even with a Poly OUI", uaYealink, "/0004f2aabbcc.cfg", Identity{
			Vendor: "Yealink", Family: templates.FamilyYealink, Model: "T46S", Firmware: "66.86.0.15", MAC: "0004f2aabbcc",
			UAMAC: "001565aabbcc", PathMAC: "0004f2aabbcc", File: "0004f2aabbcc.cfg", Kind: templates.KindDevice,
			Known: true, Supported: true, MACMismatch: true}},
		{"yealink device, MACs agree", uaYealink, "/001565AABBCC.cfg", Identity{
			Vendor: "Yealink", Family: templates.FamilyYealink, Model: "T46S", Firmware: "66.86.0.15", MAC: "001565aabbcc",
			UAMAC: "001565aabbcc", PathMAC: "001565aabbcc", File: "001565AABBCC.cfg", Kind: templates.KindDevice,
			Known: true, Supported: true}},
		{"fanvil device by UA", uaFanvil, "/0c383e0a0b0c.cfg", Identity{
			Vendor: "Fanvil", Family: templates.FamilyFanvil, Model: "X4U", Firmware: "2.12.1", MAC: "0c383e0a0b0c",
			UAMAC: "0c383e0a0b0c", PathMAC: "0c383e0a0b0c", File: "0c383e0a0b0c.cfg", Kind: templates.KindDevice,
			Known: true, Supported: true}},
		{"no UA: the OUI decides the family", "", "/0004f2a1b2c3.cfg", Identity{
			Vendor: "Poly", Family: templates.FamilyPolycom, MAC: "0004f2a1b2c3", PathMAC: "0004f2a1b2c3",
			File: "0004f2a1b2c3.cfg", Kind: templates.KindMaster}},
		{"no UA: an Akuvox OUI makes <mac>.cfg Akuvox's device file", "", "/0c1105000020.cfg", Identity{
			Vendor: "Akuvox", Family: templates.FamilyAkuvox, MAC: "0c1105000020", PathMAC: "0c1105000020",
			File: "0c1105000020.cfg", Kind: templates.KindDevice}},
		{"no UA: a 2N OUI makes <mac>.xml 2N's device file", "", "/7c1eb3000001.xml", Identity{
			Vendor: "2N", Family: templates.Family2N, MAC: "7c1eb3000001", PathMAC: "7c1eb3000001",
			File: "7c1eb3000001.xml", Kind: templates.KindDevice}},
		{"Htek device file by UA, not Grandstream's", "Htek UC926 2.0.4.6.41 00:1f:c1:00:09:26", "/cfg001fc1000926.xml", Identity{
			Vendor: "Htek", Family: templates.FamilyHtek, Model: "UC926", Firmware: "2.0.4.6.41", MAC: "001fc1000926",
			UAMAC: "001fc1000926", PathMAC: "001fc1000926", File: "cfg001fc1000926.xml", Kind: templates.KindDevice, Known: true, Supported: true}},
		{"Mitel shared file: the model from the UA", "Mitel6867i MAC:14-00-E9-00-68-67 V:6.4.0.140-SIP", "/aastra.cfg", Identity{
			Vendor: "Mitel", Family: templates.FamilyAastra, Model: "6867i", Firmware: "6.4.0.140", MAC: "1400e9006867",
			UAMAC: "1400e9006867", File: "aastra.cfg", Kind: templates.KindCommon, Known: true, Supported: true}},
		{"old Fanvil: the legacy family from the UA's model", "Fanvil X4 2.10.2.6887 0c383e07e16c", "/0c383e07e16c.cfg", Identity{
			Vendor: "Fanvil", Family: templates.FamilyFanvilLegacy, Model: "X4", Firmware: "2.10.2.6887", MAC: "0c383e07e16c",
			UAMAC: "0c383e07e16c", PathMAC: "0c383e07e16c", File: "0c383e07e16c.cfg", Kind: templates.KindDevice, Known: true}},
		{"no UA, unknown OUI: ambiguous, no family", "", "/112233445566.cfg", Identity{
			MAC: "112233445566", PathMAC: "112233445566", File: "112233445566.cfg", Kind: templates.KindDevice}},
		{"boot file: MAC from the UA when the path has none", uaYealink, "/y000000000000.boot", Identity{
			Vendor: "Yealink", Family: templates.FamilyYealink, Model: "T46S", Firmware: "66.86.0.15", MAC: "001565aabbcc",
			UAMAC: "001565aabbcc", File: "y000000000000.boot", Kind: templates.KindBoot, Known: true, Supported: true}},
		{"Yealink asking for Poly's default master is unknown", uaYealink, "/000000000000.cfg", Identity{
			Vendor: "Yealink", Family: templates.FamilyYealink, Model: "T46S", Firmware: "66.86.0.15", MAC: "001565aabbcc",
			UAMAC: "001565aabbcc", File: "000000000000.cfg", Kind: KindUnknown, Known: true, Supported: true}},
		{"unsupported SPA, MAC agrees case-insensitively", uaSPA, "/spa0002FDFF2103.xml", Identity{
			Vendor: "Cisco", Family: templates.FamilyCiscoSPA, Model: "SPA504G", Firmware: "7.4.8a", MAC: "0002fdff2103",
			UAMAC: "0002fdff2103", PathMAC: "0002fdff2103", File: "spa0002FDFF2103.xml", Kind: templates.KindDevice, Known: true}},
		{"MPP per-device file", uaCisco, "/00562b043615.xml", Identity{
			Vendor: "Cisco", Family: templates.FamilyCiscoMPP, Model: "CP-8841-3PCC", Firmware: "11.3.7", MAC: "00562b043615",
			UAMAC: "00562b043615", PathMAC: "00562b043615", File: "00562b043615.xml", Kind: templates.KindDevice, Known: true, Supported: true}},
		{"ATA191: MAC only from the path", uaATA, "/prov/A0B1C2D3E4F5.xml", Identity{
			Vendor: "Cisco", Family: templates.FamilyCiscoMPP, Model: "ATA191", Firmware: "11-1-0-MSR4", MAC: "a0b1c2d3e4f5",
			PathMAC: "a0b1c2d3e4f5", File: "A0B1C2D3E4F5.xml", Kind: templates.KindDevice, Known: true, Supported: true}},
		{"snom device file with mismatching MAC", uaSnom, "/snom710-000413741768.htm", Identity{
			Vendor: "Snom", Family: templates.FamilySnom, Model: "710", Firmware: "8.7.5.35", MAC: "000413741768",
			UAMAC: "000413741767", PathMAC: "000413741768", File: "snom710-000413741768.htm", Kind: templates.KindDevice,
			Known: true, Supported: true, MACMismatch: true}},
		{"grandstream: model from the UA, not the path hint", uaGS, "/cfggxp2140.xml", Identity{
			Vendor: "Grandstream", Family: templates.FamilyGrandstream, Model: "GXP2170", Firmware: "1.0.9.108", MAC: "000b82aabbcc",
			UAMAC: "000b82aabbcc", File: "cfggxp2140.xml", Kind: templates.KindCommon, Known: true, Supported: true}},
		{"no UA: model from the common file", "", "/y000000000021.cfg", Identity{
			File: "y000000000021.cfg", Kind: templates.KindCommon, Family: templates.FamilyYealink, Vendor: "Yealink"}},
		{"no UA: model and support from the common file", "", "/y000000000053.cfg", Identity{
			Vendor: "Yealink", Family: templates.FamilyYealink, Model: "T19P E2", File: "y000000000053.cfg", Kind: templates.KindCommon, Known: true}},
		{"hostile path", uaPoly, "/../0004f2a1b2c3.cfg", Identity{
			Vendor: "Poly", Family: templates.FamilyPolycom, Model: "VVX 410", Firmware: "5.9.5.0614", Kind: KindUnknown,
			Known: true, Supported: true}},
		{"nothing at all", "", "", Identity{Kind: KindUnknown}},
	}
	for _, tt := range tests {
		if got := Identify(tt.ua, tt.path); got != tt.want {
			t.Errorf("%s: Identify(%q, %q)\n got  %+v\n want %+v", tt.name, tt.ua, tt.path, got, tt.want)
		}
	}
}

func TestKindFor(t *testing.T) {
	mac := ParsePath("/001565aabbcc.cfg")
	for f, want := range map[string]string{
		"": templates.KindDevice, templates.FamilyPolycom: templates.KindMaster, templates.FamilyYealink: templates.KindDevice,
		templates.FamilyFanvil: templates.KindDevice, templates.FamilySnom: KindUnknown,
	} {
		if got := mac.KindFor(f); got != want {
			t.Errorf("KindFor(%q) of <mac>.cfg = %q, want %q", f, got, want)
		}
	}
	if got := ParsePath("/y000000000066.cfg").KindFor(templates.FamilyYealink); got != templates.KindCommon {
		t.Errorf("KindFor(yealink) of the common file = %q", got)
	}
}

// TestIdentityJSON pins the snake_case field names the API returns.
func TestIdentityJSON(t *testing.T) {
	b, err := json.Marshal(Identify(uaYealink, "/001565aabbcc.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"vendor":`, `"family":`, `"model":`, `"firmware":`, `"mac":`, `"ua_mac":`,
		`"path_mac":`, `"file":`, `"kind":`, `"known":`, `"supported":`, `"mac_mismatch":`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("identity JSON %s lacks %s", b, k)
		}
	}
}
