package ident

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/phoneprov/phoneprov/templates"
)

// TestUserAgentsTSV runs ParseUserAgent over every line of
// testdata/user-agents.tsv (a copy of the shared reference) and checks
// vendor, model, firmware and MAC. It reports the identification rate and
// fails below 95%; every mismatch is also an error.
func TestUserAgentsTSV(t *testing.T) {
	base, err := os.ReadFile("testdata/user-agents.tsv")
	if err != nil {
		t.Fatal(err)
	}
	// the added families' User-Agents: the same columns, no header
	added, err := os.ReadFile("testdata/user-agents-added.tsv")
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(io.MultiReader(bytes.NewReader(base), bytes.NewReader(added)))
	total, identified, known := 0, 0, 0
	for line := 1; sc.Scan(); line++ {
		cols := strings.Split(sc.Text(), "\t")
		if line == 1 || len(cols) < 5 {
			continue
		}
		total++
		want := UA{Vendor: cols[0], Model: cols[1], Firmware: dash(cols[2]), MAC: wantMAC(cols[3])}
		if want.Vendor == "Polycom" {
			want.Vendor = "Poly" // the catalog's vendor name
		}
		if strings.HasPrefix(want.Model, "(") {
			want.Model = "" // "(6.5.x)": the User-Agent names no model
		}
		got := ParseUserAgent(cols[4])
		if got.Vendor == want.Vendor && sameModel(got.Model, want.Model) &&
			got.Firmware == want.Firmware && got.MAC == want.MAC {
			identified++
		} else {
			t.Errorf("line %d %q:\n got  %+v\n want %+v", line, cols[4], got, want)
		}
		if got.Known {
			known++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if total < 50 {
		t.Fatalf("only %d User-Agents read", total)
	}
	rate := float64(identified) / float64(total)
	t.Logf("identified %d/%d User-Agents (%.1f%%); %d with a catalog model", identified, total, 100*rate, known)
	if rate < 0.95 {
		t.Fatalf("identification rate %.1f%% below 95%%", 100*rate)
	}
}

func dash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

func wantMAC(s string) string {
	return strings.ToLower(strings.ReplaceAll(dash(s), ":", ""))
}

// sameModel: got is the catalog's canonical name for want, or, for models
// outside the catalog, the same spelling up to case and separators.
func sameModel(got, want string) bool {
	if m, ok := templates.Default().Lookup(want); ok {
		return got == m.Model
	}
	return templates.Key(got) == templates.Key(want)
}

func TestParseUserAgent(t *testing.T) {
	tests := []struct {
		ua   string
		want UA
	}{
		// Poly
		{"FileTransport PolycomVVX-VVX_410-UA/5.9.5.0614", UA{"Poly", templates.FamilyPolycom, "VVX 410", "5.9.5.0614", "", true}},
		{"FileTransport PolycomVVX-VVX_501-UA/6.4.6.2734 Type/Updater", UA{"Poly", templates.FamilyPolycom, "VVX 501", "6.4.6.2734", "", true}},
		{"Polycom/5.5.2.8571 PolycomVVX-VVX_310-UA/5.5.2.8571", UA{"Poly", templates.FamilyPolycom, "VVX 310", "5.5.2.8571", "", true}},
		{"PolycomVVX-VVX_310-UA/4.1.4.7430_0004F2ABCDEF", UA{"Poly", templates.FamilyPolycom, "VVX 310", "4.1.4.7430", "0004f2abcdef", true}},
		{"FileTransport PolyCCX-CCX_500-UA/9.4.1.0508 (SN:64167f9f4c90) Type/Application", UA{"Poly", templates.FamilyPolycom, "CCX 500", "9.4.1.0508", "64167f9f4c90", true}},
		{"FileTransport PolyCCX-CCX_600-UA/8.0.2.3267 (SN:123456789012) Type/Application", UA{"Poly", templates.FamilyPolycom, "CCX 600", "8.0.2.3267", "", true}},
		{"FileTransport PolycomRealPresenceTrio-Trio_8800-UA/7.2.2.1094 (SN:12345) Type/Application", UA{"Poly", templates.FamilyPolycom, "Trio 8800", "7.2.2.1094", "", true}},
		{"FileTransport PolycomVVX-VVX_999-UA/6.0.0.1", UA{"Poly", templates.FamilyPolycom, "VVX_999", "6.0.0.1", "", false}},
		// Yealink
		{"Yealink SIP-T46S 66.86.0.15 00:15:65:aa:bb:cc", UA{"Yealink", templates.FamilyYealink, "T46S", "66.86.0.15", "001565aabbcc", true}},
		{"Yealink SIP-T46S 66.85.0.5", UA{"Yealink", templates.FamilyYealink, "T46S", "66.85.0.5", "", true}},
		{"Yealink SIP VP-T49G 51.80.0.10 00:15:65:9b:5a:44", UA{"Yealink", templates.FamilyYealink, "T49G", "51.80.0.10", "0015659b5a44", true}},
		{"Yealink-T46G 28.71.0.81 28.1.0.128.0.0.0", UA{"Yealink", templates.FamilyYealink, "T46G", "28.71.0.81", "", true}},
		{"Yealink SIP-T46U 108.86.0.90 44:DB:D2:01:02:03", UA{"Yealink", templates.FamilyYealink, "T46U", "108.86.0.90", "44dbd2010203", true}},
		{"W52P 25.73.0.20 00:15:65:40:ae:35", UA{"Yealink", templates.FamilyYealink, "W52P", "25.73.0.20", "00156540ae35", true}},
		// Cisco, Linksys
		{"Cisco-CP-8841-3PCC/11.3.7 (00562b043615)", UA{"Cisco", templates.FamilyCiscoMPP, "CP-8841-3PCC", "11.3.7", "00562b043615", true}},
		{"Cisco-CP-8841-3PCC/11.3.7", UA{"Cisco", templates.FamilyCiscoMPP, "CP-8841-3PCC", "11.3.7", "", true}},
		// Cisco enterprise firmware: the same hardware as MPP, its own model
		{"Cisco-CP8851/12.1.1", UA{"Cisco", templates.FamilyCiscoEnt, "CP-8851 Enterprise", "12.1.1", "", true}},
		{"Cisco-CP8845/14.2.1", UA{"Cisco", templates.FamilyCiscoEnt, "CP-8845 Enterprise", "14.2.1", "", true}},
		{"Cisco-CP7975G/9.3.1", UA{"Cisco", templates.FamilyCiscoEnt, "CP-7975G", "9.3.1", "", true}},
		{"Cisco-CP7960G/8.0", UA{"Cisco", templates.FamilyCiscoEnt, "CP-7960G", "8.0", "", true}},
		{"Cisco-CP9999/1.0", UA{"Cisco", templates.FamilyCiscoEnt, "CP-9999", "1.0", "", false}},
		{"Cisco-CP8", UA{}},
		{"Linksys/SPA942-6.1.5(a) (4FD0A5B0B0B0)", UA{"Linksys", templates.FamilyCiscoSPA, "SPA942", "6.1.5(a)", "", true}},
		{"Cisco/SPA112-1.3.2(014)", UA{"Cisco", templates.FamilyCiscoSPA, "SPA112", "1.3.2(014)", "", true}},
		{"Cisco/SPA525G2-7.5.5 (8843E157DDCC)(CBT141100HR)", UA{"Cisco", templates.FamilyCiscoSPA, "SPA525G2", "7.5.5", "8843e157ddcc", true}},
		{"Cisco/ATA192-MPP-11-1-0-MSR4 (FCH2443D9R4)", UA{"Cisco", templates.FamilyCiscoMPP, "ATA192", "11-1-0-MSR4", "", true}},
		// Grandstream
		{"Grandstream Model HW GXP2170 SW 1.0.9.108 DevId 000b82aabbcc", UA{"Grandstream", templates.FamilyGrandstream, "GXP2170", "1.0.9.108", "000b82aabbcc", true}},
		{"Grandstream Model HW GXP2135 SW 1.0.7.97 DevId 000b828aa872", UA{"Grandstream", templates.FamilyGrandstream, "GXP2135", "1.0.7.97", "000b828aa872", true}},
		{"Grandstream HT802 1.0.17.5", UA{"Grandstream", templates.FamilyGrandstream, "HT802", "1.0.17.5", "", true}},
		// Snom
		{"Mozilla/4.0 (compatible; snom320-SIP 8.7.3.19 1.1.3-s)", UA{"Snom", templates.FamilySnom, "320", "8.7.3.19", "", true}},
		{"Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)", UA{"Snom", templates.FamilySnom, "D785", "10.1.33.33", "000413922d24", true}},
		{"snomD785/10.1.33.33", UA{"Snom", templates.FamilySnom, "D785", "10.1.33.33", "", true}},
		// Obihai, Fanvil
		{"OBIHAI/OBi1032-5.1.11", UA{"Obihai", templates.FamilyObihai, "OBi1032", "5.1.11", "", true}},
		{"Fanvil X4U 2.12.1 0c383e0a0b0c", UA{"Fanvil", templates.FamilyFanvil, "X4U", "2.12.1", "0c383e0a0b0c", true}},
		{"Fanvil X6U Pro 0.0.10 0c383e2cd782", UA{"Fanvil", templates.FamilyFanvil, "X6U Pro", "0.0.10", "0c383e2cd782", true}},
		// the added families
		{"Mitel6867i MAC:00-08-5D-40-90-5F V:6.4.0.140-SIP", UA{"Mitel", templates.FamilyAastra, "6867i", "6.4.0.140", "00085d40905f", true}},
		{"Aastra6757i MAC:00-08-5D-23-74-29 V:3.3.1.4365-SIP", UA{"Aastra", templates.FamilyAastra, "6757i", "3.3.1.4365", "00085d237429", true}},
		{"Aastra9999i MAC:00-08-5D-23-74-29 V:3.3.1.4365-SIP", UA{"Aastra", templates.FamilyAastra, "9999i", "3.3.1.4365", "00085d237429", false}},
		{"Htek UC926 2.0.4.6.41 00:1f:c1:1c:22:a9", UA{"Htek", templates.FamilyHtek, "UC926", "2.0.4.6.41", "001fc11c22a9", true}},
		{"Panasonic_KX-HDV230/07.010 (0080f0aabbcc)", UA{"Panasonic", templates.FamilyPanasonic, "KX-HDV230", "07.010", "0080f0aabbcc", true}},
		{"Mozilla/4.0 (compatible; MSIE 6.0) AVAYA/J189-4.1.4.0.5 (MAC:c81fea000001)", UA{"Avaya", templates.FamilyAvaya, "J189", "4.1.4.0.5", "c81fea000001", true}},
		{"ALE M7-CE 2.13.02.1700 3c28a6000001", UA{"Alcatel-Lucent", templates.FamilyALE, "M7", "2.13.02.1700", "3c28a6000001", true}},
		{`"Gigaset N670 IP PRO/83.V2.62.1+build.d1d6a22;7C2F80000001;Handset=1"`, UA{"Gigaset", templates.FamilyGigaset, "N670 IP PRO", "2.62.1", "7c2f80000001", true}},
		{"Mitel", UA{}},
		{"Htek ", UA{}},
		{"Panasonic_KX-UT113", UA{}},
		{"AVAYA/", UA{}},
		{"ALE", UA{}},
		{"Gigaset N870", UA{}},
		// not phones, or broken
		{"", UA{}},
		{"curl/8.5.0", UA{}},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36", UA{}},
		{"FileTransport Poly", UA{}},
		{"Yealink", UA{}},
		{"Cisco/", UA{}},
		{"Linksys/-", UA{}},
		{"Grandstream Model HW", UA{}},
		{"snom", UA{}},
		{"OBIHAI/", UA{}},
		{"Fanvil ", UA{}},
		{"X4U 2.12.1 0c383e0a0b0c", UA{}},
		{"T46S 66.86.0.15", UA{}},
		{"Yealink SIP-T46S 66.86.0.15 00:15:65:aa:bb:cc" + strings.Repeat(" ", maxUALen), UA{}},
		{"Yealink SIP-T4<script> 1.2.3.4 00:15:65:aa:bb:cc", UA{Vendor: "Yealink", Family: templates.FamilyYealink, Firmware: "1.2.3.4", MAC: "001565aabbcc"}},
		{"Yealink SIP-T46S 66.86.0.15 00:00:00:00:00:00", UA{"Yealink", templates.FamilyYealink, "T46S", "66.86.0.15", "", true}},
	}
	for _, tt := range tests {
		if got := ParseUserAgent(tt.ua); got != tt.want {
			t.Errorf("ParseUserAgent(%q)\n got  %+v\n want %+v", tt.ua, got, tt.want)
		}
	}
}

func TestParseMAC(t *testing.T) {
	tests := map[string]string{
		"0004f2a1b2c3": "0004f2a1b2c3", "0004F2A1B2C3": "0004f2a1b2c3",
		"00:04:f2:a1:b2:c3": "0004f2a1b2c3", "00-04-F2-A1-B2-C3": "0004f2a1b2c3",
		"00:04-f2:a1:b2:c3": "", "000000000000": "", "0004f2a1b2c": "", "0004f2a1b2cg": "",
		"00:04:f2:a1:b2:c3:": "", "": "",
	}
	for in, want := range tests {
		got, ok := parseMAC(in)
		if got != want || ok != (want != "") {
			t.Errorf("parseMAC(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
