package ident

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/phoneprov/phoneprov/templates"
)

// validMAC is the only MAC form ident may return: "" or 12 lower hex.
func validMAC(m string) bool {
	if m == "" {
		return true
	}
	if len(m) != 12 || m == "000000000000" {
		return false
	}
	for i := 0; i < 12; i++ {
		if c := m[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

var kinds = map[string]bool{templates.KindMaster: true, templates.KindBoot: true, templates.KindCommon: true, templates.KindDevice: true,
	templates.KindPhone: true, KindUpload: true, KindFirmware: true, KindUnknown: true}

// FuzzParseUserAgent: never panics; MAC valid; model and firmware are
// clean tokens taken from the input or the catalog.
func FuzzParseUserAgent(f *testing.F) {
	f.Add(uaPoly)
	f.Add(uaYealink)
	f.Add("Cisco-CP8851/12.1.1")
	f.Fuzz(func(t *testing.T, ua string) {
		u := ParseUserAgent(ua)
		if !validMAC(u.MAC) {
			t.Fatalf("MAC %q", u.MAC)
		}
		if u.Model != "" && !isModelToken(u.Model) {
			t.Fatalf("model %q is not a clean token", u.Model)
		}
		if u.Firmware != "" && (!isVersion(u.Firmware) || !strings.Contains(ua, u.Firmware)) {
			t.Fatalf("firmware %q is not a version from the input", u.Firmware)
		}
		if u.Known && (u.Model == "" || u.Family == "") {
			t.Fatalf("known model without model or family: %+v", u)
		}
		if (u.Model != "" || u.MAC != "") && u.Family == "" {
			t.Fatalf("model or MAC without a family: %+v", u)
		}
	})
}

// FuzzParsePath: never panics; MAC valid; Kind in the vocabulary; File is
// one clean path segment.
func FuzzParsePath(f *testing.F) {
	f.Add("/0004f2a1b2c3.cfg")
	f.Add("/%2e%2e/y000000000066.cfg")
	f.Add("SEP00562B018841.cnf.xml")
	f.Add("CTLSEP00562B018841.tlv")
	f.Fuzz(func(t *testing.T, p string) {
		got := ParsePath(p)
		if !validMAC(got.MAC) {
			t.Fatalf("MAC %q", got.MAC)
		}
		if !kinds[got.Kind] {
			t.Fatalf("kind %q", got.Kind)
		}
		if got.File == "" && (got.Kind != KindUnknown || got.MAC != "") {
			t.Fatalf("rejected path with kind %q, MAC %q", got.Kind, got.MAC)
		}
		if strings.ContainsAny(got.File, "/\\\x00") || got.File == ".." || len(got.File) > maxFileLen ||
			!utf8.ValidString(got.File) {
			t.Fatalf("file %q", got.File)
		}
	})
}

// FuzzIdentify: never panics; the mismatch flag agrees with the two MACs.
func FuzzIdentify(f *testing.F) {
	f.Add(uaYealink, "/001565aabbcc.cfg")
	f.Add(uaPoly, "/0004f2a1b2c3-boot.log")
	f.Add("Cisco-CP8841/12.1.1", "/dialplan-8841.xml")
	f.Fuzz(func(t *testing.T, ua, p string) {
		id := Identify(ua, p)
		if !validMAC(id.MAC) || !validMAC(id.UAMAC) || !validMAC(id.PathMAC) {
			t.Fatalf("MACs %+v", id)
		}
		if id.MACMismatch != (id.UAMAC != "" && id.PathMAC != "" && id.UAMAC != id.PathMAC) {
			t.Fatalf("mismatch flag %+v", id)
		}
		if !kinds[id.Kind] || (id.Supported && !id.Known) {
			t.Fatalf("identity %+v", id)
		}
	})
}
