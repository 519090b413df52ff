package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/provision/ident"
	"github.com/phoneprov/phoneprov/templates"
)

// bootCase is one phone of an added family booting against the binary:
// every file its catalog entry lists, in order, with its User-Agent.
type bootCase struct {
	model, mac string
	// ua is the phone's HTTP User-Agent in the vendor's real format, ""
	// for vendors whose provisioning User-Agent is not known (the MAC
	// then comes from the file name).
	ua string
	// missing are files the phone may ask for that are not served: a
	// shared file whose model only the User-Agent could tell.
	missing []string
}

var bootCases = []bootCase{
	{model: "6867i", mac: "1400e9006867", ua: "Mitel6867i MAC:14-00-E9-00-68-67 V:6.4.0.140-SIP"},
	{model: "6757i", mac: "00085d006757", ua: "Aastra6757i MAC:00-08-5D-00-67-57 V:3.3.1.4365-SIP"}, // unsupported: frozen
	{model: "UC926", mac: "001fc1000926", ua: "Htek UC926 2.0.4.6.41 00:1f:c1:00:09:26"},
	{model: "S505", mac: "001fc1000505"}, // an Htek OUI: with no User-Agent and a file name several families share, only the OUI tells the family (Sangoma's own OUI is not in the reference sources)
	{model: "N670 IP PRO", mac: "7c2f80000670", ua: "Gigaset N670 IP PRO/83.V2.62.1+build.d1d6a22;7C2F80000670"},
	{model: "J179", mac: "c81fea000179", ua: "Mozilla/4.0 (compatible; MSIE 6.0) AVAYA/J179-4.1.4.0.5 (MAC:c81fea000179)"},
	{model: "KX-HDV230", mac: "0080f0000230", ua: "Panasonic_KX-HDV230/07.010 (0080f0000230)"},
	{model: "M5", mac: "3c28a6000005", ua: "ALE M5-CE 2.13.02.1700 3c28a6000005"},
	{model: "R20B", mac: "0c1105000020"},
	{model: "440HD", mac: "00908f000440"},
	{model: "8301", mac: "0022ee008301"},
	{model: "SIP Paging Server", mac: "0020f7000001", missing: []string{"000000cd.xml"}}, // unsupported: frozen
	{model: "IP Style", mac: "7c1eb3000001"},
	{model: "X4", mac: "0c383e000444", ua: "Fanvil X4 2.10.2.6887 0c383e000444"}, // old format, unsupported: frozen
}

// fetchAs is the one place these tests fetch a phone's file: a GET with
// the phone's User-Agent. Device trust (--device-auth) is adapted here.
func fetchAs(t *testing.T, p *proc, ua, file string) (int, string, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+p.ports["http"]+"/"+file, nil)
	if ua != "" {
		req.Header.Set("User-Agent", ua)
	}
	res, err := p.phoneDo(&http.Client{Timeout: 10 * time.Second}, req) // with the device's credential when challenged
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Content-Type"), b
}

// TestServeAddedFamiliesBoot imports one device of every added family (a
// Classic import, so unsupported models get their frozen config), then
// walks each one's boot sequence against the running binary: every file
// answers (or is a known miss), XML parses, and the sequence carries the
// device's line credentials.
func TestServeAddedFamiliesBoot(t *testing.T) {
	bin := binary(t)
	p := start(t, bin, filepath.Join(t.TempDir(), "data"))
	cat := templates.Default()

	type ext struct {
		Number    string `json:"number"`
		LicenseID string `json:"license_id"`
	}
	type user struct {
		Username   string `json:"username"`
		FirstName  string `json:"first_name"`
		Extensions []ext  `json:"extensions"`
	}
	var (
		licenses []map[string]string
		users    []user
		devices  []map[string]any
	)
	families := map[string]bool{}
	for i, c := range bootCases {
		m, ok := cat.Lookup(c.model)
		if !ok {
			t.Fatalf("%s not in the catalog", c.model)
		}
		families[m.Family] = true
		lic, num := fmt.Sprintf("L-%d", i), fmt.Sprintf("%d", 2001+i)
		licenses = append(licenses, map[string]string{"id": lic, "type": "X4", "country": "US", "service_address": "1 Main St"})
		users = append(users, user{Username: fmt.Sprintf("user%d", i), FirstName: "User", Extensions: []ext{{num, lic}}})
		devices = append(devices, map[string]any{"mac": c.mac, "model": m.Vendor + " " + m.Model,
			"lines": []map[string]any{{"line": 1, "extension": num}}})
	}
	for _, f := range []string{"aastra", "htek", "gigaset", "avaya", "panasonic", "ale", "akuvox", "audiocodes", "algo", "cyberdata", "2n", "fanvil-legacy"} {
		if !families[f] {
			t.Fatalf("no boot case for family %s", f)
		}
	}
	exp, _ := json.Marshal(map[string]any{"account": map[string]string{"pbx_name": "PBX1", "company_name": "Acme"},
		"licenses": licenses, "users": users, "devices": devices})
	req, _ := http.NewRequest("POST", "http://"+p.ports["http"]+"/api/v1/imports/classic", bytes.NewReader(exp))
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 201 {
		t.Fatalf("import: %d %.800s", res.StatusCode, rep)
	}

	for _, c := range bootCases {
		t.Run(c.model, func(t *testing.T) {
			m, _ := cat.Lookup(c.model)
			if c.ua != "" {
				if id := ident.ParseUserAgent(c.ua); id.Model != m.Model || id.MAC != c.mac {
					t.Fatalf("User-Agent identifies %+v", id)
				}
			}
			d := p.call(t, "GET", "/api/v1/devices/"+c.mac, nil, 200)
			if frozen := d["status"] == "unsupported"; frozen == m.Supported {
				t.Fatalf("device status %v for a model with supported=%v", d["status"], m.Supported)
			}
			line := d["lines"].([]any)[0].(map[string]any)
			authUser, _ := line["auth_user"].(string)
			if authUser == "" {
				t.Fatalf("device line has no auth user: %v", d)
			}
			sawCredential := false
			for _, f := range m.Files {
				name := strings.NewReplacer("{mac}", c.mac, "{MAC}", strings.ToUpper(c.mac)).Replace(f)
				code, ct, body := fetchAs(t, p, c.ua, name)
				want := 200
				for _, miss := range c.missing {
					if miss == name {
						want = 404
					}
				}
				if code != want {
					t.Errorf("%s: %d, want %d\n%.300s", name, code, want, body)
					continue
				}
				if want != 200 {
					continue
				}
				if strings.Contains(ct, "xml") {
					if err := wellFormedXML(body); err != nil {
						t.Errorf("%s: not well-formed XML: %v\n%s", name, err, body)
					}
				} else if len(bytes.TrimSpace(body)) == 0 {
					t.Errorf("%s: empty", name)
				}
				if bytes.Contains(body, []byte(authUser)) {
					sawCredential = true
				}
			}
			if !sawCredential {
				t.Errorf("no file of the boot sequence carries the line's auth user %q", authUser)
			}
		})
	}
	p.stop(t)
}

func wellFormedXML(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
