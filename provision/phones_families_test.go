package provision

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/provision/ident"
)

// familyCase is one phone of each family booting: every file its catalog
// entry says it asks for, with its real User-Agent.
type familyCase struct {
	model, mac, ua string
	// missing are files the phone may ask for that we do not serve (it
	// falls back to the next one).
	missing []string
}

var familyCases = []familyCase{
	{model: "VVX 410", mac: "0004f2000410", ua: "FileTransport PolycomVVX-VVX_410-UA/5.9.7.4477 Type/Application"},
	{model: "T46U", mac: "805ec0000046", ua: "Yealink SIP-T46U 108.86.0.90 80:5e:c0:00:00:46"},
	{model: "CP-8841-3PCC", mac: "00562b008841", ua: "Cisco-CP-8841-3PCC/11.3.7 (00562b008841)"},
	{model: "GRP2614", mac: "000b82002614", ua: "Grandstream Model HW GRP2614 SW 1.0.5.48 DevId 000b82002614",
		missing: []string{"cfg000b82002614"}}, // the binary format; the phone then asks for the XML
	{model: "D735", mac: "000413000735", ua: "Mozilla/4.0 (compatible; snomD735-SIP 10.1.33.33 2.0.0 000413000735)"},
	{model: "OBi202", mac: "9cadef000202", ua: ""},
	{model: "X4U", mac: "0c383e000004", ua: "Fanvil X4U 2.12.1 0c383e000004"},
	{model: "CP-8841 Enterprise", mac: "00562b018841", ua: "Cisco-CP8841/12.1.1"},
}

func TestEveryFamilyBootSequence(t *testing.T) {
	e := newPhoneEnv(t, ThrottleConfig{MaxUnknown: 1000})
	ctx := context.Background()
	for _, c := range familyCases {
		t.Run(c.model, func(t *testing.T) {
			e.t = t
			m, ok := e.store.Catalog().Lookup(c.model)
			if !ok {
				t.Fatalf("%s not in the catalog", c.model)
			}
			if c.ua != "" {
				if id := ident.ParseUserAgent(c.ua); id.Model != m.Model || (id.MAC != "" && id.MAC != c.mac) {
					t.Fatalf("User-Agent identifies %+v", id)
				}
			}
			if _, err := e.store.CreateDevice(ctx, devicedb.NewDevice{MAC: c.mac, Model: c.model}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.store.SetLine(ctx, c.mac, 1, e.alice.ID); err != nil {
				t.Fatal(err)
			}
			d, _ := e.store.DeviceConfig(ctx, c.mac)
			// A request without the vendor's User-Agent gets no secret,
			// unless the catalog says the model sends none.
			noPhoneUA := c.ua == "" && m.UserAgent != "none"
			sawSecret := noPhoneUA
			for _, f := range m.Files {
				name := strings.NewReplacer("{mac}", c.mac, "{MAC}", strings.ToUpper(c.mac), "{model}", m.Model).Replace(f)
				if ident.ParsePath("/"+name).Kind == ident.KindFirmware {
					continue
				}
				req, _ := http.NewRequest("GET", e.url+"/"+name, nil)
				res, body := e.do(req, c.ua)
				want := 200
				for _, miss := range c.missing {
					if miss == name {
						want = 404
					}
				}
				if noPhoneUA {
					want = 404
				}
				if res.StatusCode != want {
					t.Errorf("%s: %d, want %d\n%s", name, res.StatusCode, want, body)
					continue
				}
				if want != 200 {
					continue
				}
				if strings.Contains(res.Header.Get("Content-Type"), "xml") {
					if err := wellFormed(body); err != nil {
						t.Errorf("%s: not well-formed XML: %v", name, err)
					}
				}
				if strings.Contains(string(body), d.Lines[0].Password) {
					sawSecret = true
				}
			}
			if !sawSecret {
				t.Errorf("no file of the boot sequence carried line 1's password")
			}
		})
	}
}

func wellFormed(b []byte) error {
	d := xml.NewDecoder(strings.NewReader(string(b)))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// TestUnsupportedDeviceGetsFrozenConfig: a device carried over by the
// upgrade keeps the files snapshotted at import, never re-rendered, and
// its fetches are recorded for the unsupported view.
func TestUnsupportedDeviceGetsFrozenConfig(t *testing.T) {
	e := newPhoneEnv(t, ThrottleConfig{})
	ctx := context.Background()
	const mac = "8843e157ddcc"
	frozen := `{"device":{"content_type":"application/xml","body":"<flat-profile><User_ID_1_>1001</User_ID_1_></flat-profile>"}}`
	if _, err := e.store.CarryOverDevice(ctx, mac, "SPA504G", map[int]int64{1: e.alice.ID}, []byte(frozen)); err != nil {
		t.Fatal(err)
	}
	get := func() (int, string) {
		res, b := e.get("/spa"+mac+".xml", "Cisco/SPA504G-7.4.4 (8843E157DDCC)(CBT141100HR)")
		return res.StatusCode, string(b)
	}
	code, body := get()
	if code != 200 || body != "<flat-profile><User_ID_1_>1001</User_ID_1_></flat-profile>" {
		t.Fatalf("frozen config: %d %q", code, body)
	}
	// A change elsewhere (a new user) does not re-render it.
	if _, err := e.store.CreateUser(ctx, devicedb.NewUser{Username: "carol", Extension: "1003"}); err != nil {
		t.Fatal(err)
	}
	if code2, body2 := get(); code2 != 200 || body2 != body {
		t.Fatalf("frozen config changed: %q", body2)
	}
	e.phones.rec.close()
	ds, _, err := e.store.ListDevices(ctx, devicedb.DeviceFilter{Status: devicedb.DeviceUnsupported}, devicedb.Page{})
	if err != nil || len(ds) != 1 || ds[0].LastFetch == nil || ds[0].Replacement == "" {
		t.Fatalf("unsupported view: %+v %v", ds, err)
	}
}

// TestGrandstreamOfficeNotBlocked: a NATed office of Grandstream phones,
// each first asking for the binary cfg<mac> it gets a 404 for, is never
// throttled (the 404 is by design, not a MAC walk).
func TestGrandstreamOfficeNotBlocked(t *testing.T) {
	e := newPhoneEnv(t, ThrottleConfig{MaxUnknown: 5})
	ctx := context.Background()
	for i := 0; i < 12; i++ {
		mac := fmt.Sprintf("000b82%06x", i)
		if _, err := e.store.CreateDevice(ctx, devicedb.NewDevice{MAC: mac, Model: "GRP2614"}); err != nil {
			t.Fatal(err)
		}
		ua := "Grandstream Model HW GRP2614 SW 1.0.5.48 DevId " + mac
		if res, _ := e.get("/cfg"+mac, ua); res.StatusCode != 404 {
			t.Fatalf("phone %d binary file: %d, want 404", i, res.StatusCode)
		}
		if res, _ := e.get("/cfg"+mac+".xml", ua); res.StatusCode != 200 {
			t.Fatalf("phone %d XML file: %d, want 200", i, res.StatusCode)
		}
	}
}
