package templates

import (
	"bytes"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestKinds(t *testing.T) {
	r := newTestRenderer(t, "")
	want := map[string][]string{
		"polycom": {"master", "phone"}, "yealink": {"boot", "common", "device"},
		"cisco-spa": {"device"}, "cisco-mpp": {"device"}, "grandstream": {"common", "device"},
		"snom": {"common", "device"}, "obihai": {"device"}, "fanvil": {"common", "device"},
		"cisco-ent": {"common", "device"},
	}
	for fam, kinds := range want {
		if got := r.Kinds(fam); !slices.Equal(got, kinds) {
			t.Errorf("Kinds(%s) = %v, want %v", fam, got, kinds)
		}
	}
	if got := r.Kinds("nokia"); got != nil {
		t.Errorf("Kinds(nokia) = %v, want nil", got)
	}
	maps.Copy(want, addedKinds)
	if len(want) != len(familyDefs) {
		t.Errorf("test covers %d families, renderer has %d", len(want), len(familyDefs))
	}
}

// TestRenderErrors: bad input gets a sentinel error and nothing written.
func TestRenderErrors(t *testing.T) {
	r := newTestRenderer(t, "")
	cases := []struct {
		name   string
		family string
		kind   string
		edit   func(*DeviceConfig)
		want   error
	}{
		{"unknown family", "yealink", KindDevice, func(c *DeviceConfig) { c.Model.Family = "nokia" }, ErrUnknownFamily},
		{"unknown kind", "yealink", "firmware", nil, ErrUnknownKind},
		{"kind of another family", "snom", KindMaster, nil, ErrUnknownKind},
		{"bad mac", "snom", KindDevice, func(c *DeviceConfig) { c.MAC = "0004f2a1b2" }, ErrInvalidConfig},
		{"non-hex mac", "snom", KindDevice, func(c *DeviceConfig) { c.MAC = "0004f2a1b2zz" }, ErrInvalidConfig},
		{"no lines in model", "snom", KindDevice, func(c *DeviceConfig) { c.Model.Lines = 0 }, ErrInvalidConfig},
		{"line index 0", "snom", KindDevice, func(c *DeviceConfig) { c.Lines[0].Index = 0 }, ErrInvalidConfig},
		{"line past the model", "snom", KindDevice, func(c *DeviceConfig) { c.Lines[1].Index = 3 }, ErrInvalidConfig},
		{"line twice", "snom", KindDevice, func(c *DeviceConfig) { c.Lines[1].Index = 1 }, ErrInvalidConfig},
		{"line without user", "snom", KindDevice, func(c *DeviceConfig) { c.Lines[0].User = "" }, ErrInvalidConfig},
		{"negative expiry", "snom", KindDevice, func(c *DeviceConfig) { c.Lines[0].Expiry = -1 }, ErrInvalidConfig},
		{"bad transport", "snom", KindDevice, func(c *DeviceConfig) { c.SIP.Transport = "sctp" }, ErrInvalidConfig},
		{"bad port", "snom", KindDevice, func(c *DeviceConfig) { c.SIP.Port = 70000 }, ErrInvalidConfig},
		{"no registrar", "snom", KindDevice, func(c *DeviceConfig) { c.SIP = SIPServer{} }, ErrInvalidConfig},
		{"srv without domain", "snom", KindDevice, func(c *DeviceConfig) { c.SIP = SIPServer{Host: "h", UseSRV: true} }, ErrInvalidConfig},
		{"negative resync", "snom", KindDevice, func(c *DeviceConfig) { c.ResyncInterval = -1 }, ErrInvalidConfig},
		{"relative provision url", "snom", KindDevice, func(c *DeviceConfig) { c.ProvisionURL = "/p/" }, ErrInvalidConfig},
		{"ftp firmware url", "snom", KindDevice, func(c *DeviceConfig) { c.FirmwareURL = "ftp://h/f.bin" }, ErrInvalidConfig},
		{"http user with space", "cisco-spa", KindDevice, func(c *DeviceConfig) { c.HTTPUser = "a b" }, ErrInvalidConfig},
		{"http password with bracket", "cisco-spa", KindDevice, func(c *DeviceConfig) { c.HTTPPassword = "a]" }, ErrInvalidConfig},
		{"http user without password", "cisco-spa", KindDevice, func(c *DeviceConfig) { c.HTTPPassword = "" }, ErrInvalidConfig},
		{"bad stun port", "snom", KindDevice, func(c *DeviceConfig) { c.STUNServer = "stun:99999" }, ErrInvalidConfig},
		{"web ui password with newline", "yealink", KindDevice, func(c *DeviceConfig) { c.WebUIPassword = "a\nstatic.x = 1" }, ErrInvalidConfig},
		{"web ui password with space", "polycom", KindPhone, func(c *DeviceConfig) { c.WebUIPassword = "a b" }, ErrInvalidConfig},
		{"ca cert not pem", "polycom", KindPhone, func(c *DeviceConfig) { c.CACert = "not a certificate" }, ErrInvalidConfig},
		{"ca cert text after", "polycom", KindPhone, func(c *DeviceConfig) { c.CACert = sampleCACert + "\" />" }, ErrInvalidConfig},
		{"ca cert private key", "grandstream", KindDevice, func(c *DeviceConfig) {
			c.CACert = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
		}, ErrInvalidConfig},
		{"ca cert bad der", "grandstream", KindDevice, func(c *DeviceConfig) {
			c.CACert = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
		}, ErrInvalidConfig},
		{"ca cert url relative", "yealink", KindCommon, func(c *DeviceConfig) { c.CACertURL = "/ca.pem" }, ErrInvalidConfig},
		{"bad fallback port", "snom", KindDevice, func(c *DeviceConfig) { c.SIP.FallbackPort = -1 }, ErrInvalidConfig},
		{"unknown zone", "snom", KindDevice, func(c *DeviceConfig) { c.TimeZone = "Nowhere/Land" }, ErrInvalidConfig},
		{"grandstream line 7", "grandstream", KindDevice, func(c *DeviceConfig) {
			c.Model.Lines = 8
			c.Lines[1].Index = 7
		}, ErrInvalidConfig},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := goldenConfig(c.family)
			if c.edit != nil {
				c.edit(cfg)
			}
			var b bytes.Buffer
			_, err := r.Render(&b, c.kind, cfg)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if b.Len() != 0 {
				t.Errorf("wrote %d bytes on error", b.Len())
			}
		})
	}
	if _, err := r.Render(discardWriter{}, KindDevice, nil); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("nil config: %v", err)
	}
}

// TestSRV: with UseSRV every family registers with the domain and says so
// in the vendor's terms.
func TestSRV(t *testing.T) {
	r := newTestRenderer(t, "")
	want := map[string][]string{
		"polycom":     {`reg.1.server.1.address="phoneprov.test"`, `reg.1.server.1.transport="DNSnaptr"`, `reg.1.server.1.port="0"`},
		"yealink":     {"account.1.sip_server.1.address = phoneprov.test", "account.1.sip_server.1.transport_type = 3"},
		"cisco-spa":   {"<Proxy_1_>phoneprov.test</Proxy_1_>", "<Use_DNS_SRV_1_>Yes</Use_DNS_SRV_1_>"},
		"cisco-mpp":   {`<Proxy_1_ ua="na">phoneprov.test</Proxy_1_>`, `<Use_DNS_SRV_1_ ua="na">Yes</Use_DNS_SRV_1_>`},
		"grandstream": {"<P47>phoneprov.test</P47>", "<P103>1</P103>"},
		"snom":        {`<user_host idx="1" perm="R">phoneprov.test;transport=tls</user_host>`},
		"obihai":      {"<Value>phoneprov.test</Value>"},
		"fanvil":      {"<RegisterAddr>phoneprov.test</RegisterAddr>", "<DNSSRV>1</DNSSRV>"},
		"cisco-ent":   {"<processNodeName>phoneprov.test</processNodeName>"},
	}
	for _, fam := range slices.Sorted(maps.Keys(familyDefs)) {
		cfg := goldenConfig(fam)
		cfg.SIP = SIPServer{Domain: "phoneprov.test", Host: "ignored.test", Transport: "tls", UseSRV: true}
		kind := KindDevice
		if fam == "polycom" {
			kind = KindPhone
		}
		out, _ := mustRender(t, r, kind, cfg)
		for _, w := range want[fam] {
			if !strings.Contains(out, w) {
				t.Errorf("%s: missing %s", fam, w)
			}
		}
		if strings.Contains(out, "ignored.test") {
			t.Errorf("%s: registrar host used despite SRV", fam)
		}
	}
}

// TestConcurrentRender renders every family from many goroutines (run with
// -race) and checks each output matches the sequential one.
func TestConcurrentRender(t *testing.T) {
	r := newTestRenderer(t, "")
	type job struct{ fam, kind, want string }
	var jobs []job
	for _, fam := range slices.Sorted(maps.Keys(familyDefs)) {
		for _, kind := range r.Kinds(fam) {
			out, _ := mustRender(t, r, kind, goldenConfig(fam))
			jobs = append(jobs, job{fam, kind, out})
		}
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*len(jobs))
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				for _, j := range jobs {
					var b bytes.Buffer
					if _, err := r.Render(&b, j.kind, goldenConfig(j.fam)); err != nil || b.String() != j.want {
						errs <- j.fam + "/" + j.kind
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("concurrent render of %s differs or failed", e)
	}
}

func TestLanguages(t *testing.T) {
	cases := []struct {
		tag                                           string
		poly, yealink, mpp, grandstream, snom, fanvil string
	}{
		{"en-US", "English_United_States", "English", "English-US", "en", "English", "en"},
		{"", "English_United_States", "English", "English-US", "en", "English", "en"},
		{"fr_CA", "French_Canada", "French", "French-Canada", "fr", "Francais", "fr"},
		{"de-DE", "German_Germany", "German", "German", "de", "Deutsch", "de"},
		{"zh-Hant-TW", "Chinese_Taiwan", "Chinese_T", "Chinese-China", "zh_TW", "English", "tc"},
		{"en-GB", "English_United_Kingdom", "English", "English-UK", "en", "English(UK)", "en"},
		{"xx-YY", "English_United_States", "English", "English-US", "en", "English", "en"},
		{"<script>", "English_United_States", "English", "English-US", "en", "English", "en"},
	}
	for _, c := range cases {
		l := parseLang(c.tag)
		got := []string{l.pick(polyLang), l.pick(yealinkLang), l.pick(ciscoMPPLang), l.pick(grandstreamLang), l.pick(snomLang), l.pick(fanvilLang)}
		want := []string{c.poly, c.yealink, c.mpp, c.grandstream, c.snom, c.fanvil}
		if !slices.Equal(got, want) {
			t.Errorf("%q: got %v, want %v", c.tag, got, want)
		}
	}
}

func TestEscapeFuncs(t *testing.T) {
	cases := []struct{ in, x, kv, kvq string }{
		{"plain", "plain", "plain", "plain"},
		{`"/><x a="`, "&#34;/&gt;&lt;x a=&#34;", `"/><x a="`, "/><x a="},
		{"Bob\naccount.1.password = x", "Bob account.1.password = x", "Bob account.1.password = x", "Bob account.1.password = x"},
		{"a\r\n#b;c", "a  #b;c", "a  #b;c", "a  #b;c"},
		{"\x00nul\x1besc\x7fdel\u0085nel\u2028ls", "nulescdelnells", "nulescdelnells", "nulescdelnells"},
		{"bad\xffutf8", "badutf8", "badutf8", "badutf8"},
		{" \tspaced\t ", "  spaced  ", "spaced", "spaced"},
		{"José & 'Ana'", "José &amp; &#39;Ana&#39;", "José & 'Ana'", "José & 'Ana'"},
	}
	for _, c := range cases {
		if got := xmlEscape(c.in); got != c.x {
			t.Errorf("x(%q) = %q, want %q", c.in, got, c.x)
		}
		if got := kvEscape(c.in); got != c.kv {
			t.Errorf("kv(%q) = %q, want %q", c.in, got, c.kv)
		}
		if got := kvQuoted(c.in); got != c.kvq {
			t.Errorf("kvq(%q) = %q, want %q", c.in, got, c.kvq)
		}
	}
	if got, err := xmlElement("P47", "a<b"); err != nil || got != "<P47>a&lt;b</P47>" {
		t.Errorf("el = %q, %v", got, err)
	}
	for _, bad := range []string{"", "1P", "P 4", "a>b", `x"`} {
		if _, err := xmlElement(bad, "v"); err == nil {
			t.Errorf("el(%q) accepted", bad)
		}
	}
}

// TestCatalogModels renders every kind of every catalog model, with its
// first and last line slots assigned, and parses each file back.
func TestCatalogModels(t *testing.T) {
	r := newTestRenderer(t, "")
	for _, m := range Default().Models() {
		cfg := goldenConfig(m.Family)
		cfg.Model = m
		cfg.Lines = cfg.Lines[:1]
		if last := m.Lines; last > 1 {
			if m.Family == "grandstream" && last > len(gsBlocks)+1 {
				t.Logf("%s: %d lines, P-values known for %d accounts only", m.Model, last, len(gsBlocks)+1)
				last = len(gsBlocks) + 1
			}
			cfg.Lines = append(cfg.Lines, Line{Index: last, User: "1099", Enabled: true})
		}
		for _, kind := range r.Kinds(m.Family) {
			var b bytes.Buffer
			if _, err := r.Render(&b, kind, cfg); err != nil {
				t.Errorf("%s %s: %v", m.Model, kind, err)
				continue
			}
			if _, err := parseBack(m.Family, b.String()); err != nil {
				t.Errorf("%s %s: parsing back: %v", m.Model, kind, err)
			}
		}
	}
}
