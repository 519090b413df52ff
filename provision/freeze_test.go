package provision

import (
	"context"
	"strings"
	"testing"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/templates"
)

// TestImportedUnsupportedDeviceBoots: an unsupported Yealink T28P and an
// unsupported Cisco SPA504G imported with Phones.Freeze fetch every file
// of their boot sequence from the frozen config, with their lines'
// credentials, and an admin change later does not re-render them.
func TestImportedUnsupportedDeviceBoots(t *testing.T) {
	e := newPhoneEnv(t, ThrottleConfig{MaxUnknown: 1000})
	ctx := context.Background()
	exp := devicedb.ClassicExport{
		Licenses: []devicedb.ClassicLicense{{ID: "L-1", Type: "X4", Country: "US"}, {ID: "L-2", Type: "X4", Country: "US"}},
		Users: []devicedb.ClassicUser{{Username: "carol", FirstName: "Carol", Extensions: []devicedb.ClassicExtension{
			{Number: "3001", LicenseID: "L-1"}, {Number: "3002", LicenseID: "L-2", DesktopLoginAt: "2020-01-01T00:00:00Z"}}}},
		Devices: []devicedb.ClassicDevice{
			{MAC: "00:15:65:13:ae:0b", Model: "Yealink T28P", Lines: []devicedb.ClassicDeviceLine{{Line: 1, Extension: "3001"}, {Line: 2, Extension: "3002"}}},
			{MAC: "8843e157ddcc", Model: "SPA504G", Lines: []devicedb.ClassicDeviceLine{{Line: 1, Extension: "3002"}}}},
	}
	if _, err := e.store.ImportClassic(ctx, exp, devicedb.ImportOptions{Freeze: e.phones.Freeze}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ mac, model, ua string }{
		{"00156513ae0b", "T28P", "yealink SIP-T28P 2.70.0.140 00:15:65:13:ae:0b"},
		{"8843e157ddcc", "SPA504G", "Cisco/SPA504G-7.4.4 (8843E157DDCC)(CBT141100HR)"},
	} {
		d, err := e.store.DeviceConfig(ctx, c.mac)
		if err != nil || d.Status != devicedb.DeviceUnsupported {
			t.Fatalf("%s: %+v %v", c.mac, d, err)
		}
		m, _ := e.store.Catalog().Lookup(c.model)
		bodies := ""
		for _, f := range m.Files {
			name := strings.NewReplacer("{mac}", c.mac, "{MAC}", strings.ToUpper(c.mac), "{model}", m.Model).Replace(f)
			if name == m.FirmwareFile {
				continue
			}
			res, body := e.get("/"+name, c.ua)
			if res.StatusCode != 200 {
				t.Errorf("%s %s: %d", c.model, name, res.StatusCode)
			}
			bodies += string(body)
		}
		for _, l := range d.Lines {
			if !strings.Contains(bodies, l.Password) || !strings.Contains(bodies, l.AuthUser) {
				t.Errorf("%s: line %d's credentials are not in its frozen files", c.model, l.Line)
			}
		}
	}
	fc, _ := e.store.FrozenConfig(ctx, "00156513ae0b")
	if _, err := e.store.CreateUser(ctx, devicedb.NewUser{Username: "dave", Extension: "3003"}); err != nil {
		t.Fatal(err)
	}
	if fc2, _ := e.store.FrozenConfig(ctx, "00156513ae0b"); string(fc2) != string(fc) {
		t.Fatal("frozen config changed")
	}
}

func TestFreezerNeedsSettings(t *testing.T) {
	r, _ := templates.NewRenderer(templates.RendererConfig{})
	if _, err := Freezer(r, Settings{}); err == nil {
		t.Fatal("freezer without settings")
	}
	if _, err := Freezer(nil, Settings{Domain: "d", PublicHost: "h", ProvisionURL: "http://h/"}); err == nil {
		t.Fatal("freezer without renderer")
	}
	f, err := Freezer(r, Settings{Domain: "d", PublicHost: "192.0.2.1", ProvisionURL: "http://192.0.2.1/"})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := templates.Default().Lookup("SPA504G")
	b, err := f(&devicedb.Device{MAC: "8843e157ddcc"}, m)
	if err != nil || !strings.Contains(string(b), `"device"`) {
		t.Fatalf("%s %v", b, err)
	}
}
