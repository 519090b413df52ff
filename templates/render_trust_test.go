package templates

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// trustMarkers are, per family, strings of the per-device file that show
// each device-trust setting: the web-UI password parameter, the custom CA
// parameter ("" where the family renders none), SIP over TLS, UDP on the
// fallback port, and the provisioning protocol for http and https URLs
// ("" where the URL's scheme says it).
type trustMarkers struct {
	web, ca, tls, udp5060, protoHTTP, protoHTTPS string
}

var trustWant = map[string]trustMarkers{
	"polycom": {`device.auth.localAdminPassword="`, `device.sec.TLS.customCaCert1="`, `transport="TLS"`,
		`reg.1.server.1.port="5060"`, `device.prov.serverType="2"`, `device.prov.serverType="3"`},
	"yealink": {"static.security.user_password = admin:", "static.trusted_certificates.url = ",
		"transport_type = 2", "account.1.sip_server.1.port = 5060", "", ""},
	"cisco-spa": {"<Admin_Passwd>", "<Custom_CA_Rule>", "<SIP_Transport_1_>TLS<",
		"<Proxy_1_>sip.phoneprov.test:5060<", "", ""},
	"cisco-mpp": {`<Admin_Password ua="na">`, `<Custom_CA_Rule ua="na">`, `<SIP_Transport_1_ ua="na">TLS<`,
		`<Proxy_1_ ua="na">sip.phoneprov.test:5060<`, "", ""},
	"grandstream": {"<P2>", "<P8433>", "<P130>2</P130>", "<P47>sip.phoneprov.test:5060</P47>",
		"<P212>1</P212>", "<P212>2</P212>"},
	"snom": {"<http_pass ", "<certificate url=", ";transport=tls",
		`<user_host idx="1" perm="R">sip.phoneprov.test:5060</user_host>`, "", ""},
	"obihai":        {"<Name>AdminPassword</Name>", "", "<Value>TLS</Value>", "<Value>5060</Value>", "", ""},
	"cisco-ent":     {"<phonePassword>", "", "<transportLayerProtocol>3<", "<sipPort>5060</sipPort>", "", ""},
	"aastra":        {"admin password: ", "sips trusted certificates: ", "sip transport protocol: 4", "sip line1 proxy port: 5060", "download protocol: HTTP\n", "download protocol: HTTPS"},
	"htek":          {"<P2>", "", "<P130>2</P130>", "<P47>sip.phoneprov.test:5060</P47>", "<P212>1</P212>", "<P212>2</P212>"},
	"gigaset":       {`"WebUIAccounts.1.Password"`, "", `"SipProvider.0.TransportProtocol" value="3"`, `"SipProvider.0.ProxyServerPort" value="5060"`, "", ""},
	"avaya":         {"SET FORCE_WEB_ADMIN_PASSWORD", "", "SET SIPSIGNAL 2", "sip.phoneprov.test:5060;transport=udp", "SET HTTPSRVR", "SET TLSSRVR"},
	"panasonic":     {"ADMIN_PASS=", "CFG_ROOT_CERTIFICATE_PATH=", `SIP_TRANSPORT_1="2"`, `SIP_RGSTR_PORT_1="5060"`, "", ""},
	"ale":           {`"DeviceSecurityAdminPwd"`, "", `"Account1Server1Transport" value="tls"`, `"Account1Server1Port" value="5060"`, "", ""},
	"akuvox":        {"Config.Settings.WEB_LOGIN.Password = ", "", "Config.Account1.SIP.TransType = 2", "Config.Account1.SIP.Port = 5060", "", ""},
	"audiocodes":    {"", "", "transport_protocol=TLS", "proxy_port=5060", "", ""},
	"algo":          {"admin.pwd = ", "", "", "sip.proxy = sip.phoneprov.test:5060", "prov.download.method = http\n", "prov.download.method = https"},
	"cyberdata":     {"", "", "", "<RemoteSIPPort>5060</RemoteSIPPort>", "", ""},
	"2n":            {"", "", "", "<Port>5060</Port>", "", ""},
	"fanvil-legacy": {"<MMI_Account_Entry>", "", "<Transport>3</Transport>", "<Register_Port>5060</Register_Port>", "", ""},
	"fanvil": {"<Level>10</Level>", "", "<Transport>3</Transport>", "<RegisterPort>5060</RegisterPort>",
		"<FlashProtocol>4</FlashProtocol>", "<FlashProtocol>5</FlashProtocol>"},
}

// noCredentialInFile are the families whose per-device file carries no
// provisioning URL with the device's credential: Cisco enterprise finds
// its server by DHCP option 150 (TFTP) and its file has no server or
// credential element; Avaya's HTTPSRVR/TLSSRVR take a host only and no
// vendor source names a credential setting; 2N's file has no
// provisioning block in the open-source anchors (FusionPBX 2n). Such a
// device is provisioned by the network proof (--allow) or its
// enrollment URL.
var noCredentialInFile = map[string]bool{"cisco-ent": true, "avaya": true, "2n": true}

// splitProvURL are the families that write the provisioning URL as
// separate server, port and path fields (Aastra's http(s) server/port/
// path, Algo's prov.server.static and prov.download.cfgpath), so the test
// looks for the host, port and path one by one.
var splitProvURL = map[string]bool{"aastra": true, "algo": true}

func deviceKind(fam string) string {
	if fam == "polycom" {
		return KindPhone
	}
	return KindDevice
}

// TestTrustSettings: each family renders the web-UI password, the CA and
// SIP TLS only when the config and the model allow them; a model without
// SIP TLS gets UDP on the fallback port; with an http URL the credential
// is still rendered and the protocol follows the scheme.
func TestTrustSettings(t *testing.T) {
	r := newTestRenderer(t, "")
	if len(trustWant) != len(familyDefs) {
		t.Fatalf("test covers %d families, renderer has %d", len(trustWant), len(familyDefs))
	}
	has := func(out, marker string) bool { return marker != "" && strings.Contains(out, marker) }
	for _, fam := range slices.Sorted(maps.Keys(familyDefs)) {
		w, kind := trustWant[fam], deviceKind(fam)
		t.Run(fam, func(t *testing.T) {
			full, _ := mustRender(t, r, kind, goldenConfig(fam))
			for _, m := range []string{w.web, w.ca, w.tls, w.protoHTTPS} {
				if m != "" && !has(full, m) {
					t.Errorf("full config: missing %q", m)
				}
			}

			cfg := goldenConfig(fam)
			cfg.WebUIPassword = ""
			cfg.Model.CustomCA, cfg.Model.SIPTLS = false, false
			cfg.SIP.FallbackPort = 0
			out, _ := mustRender(t, r, kind, cfg)
			for _, m := range []string{w.web, w.ca, w.tls, sampleCACert[30:60], "ca.pem"} {
				if has(out, m) {
					t.Errorf("no web password, no CA model, no TLS model: %q rendered", m)
				}
			}
			if !has(out, w.udp5060) {
				t.Errorf("model without SIP TLS: missing %q (UDP on 5060)", w.udp5060)
			}

			cfg = goldenConfig(fam)
			cfg.Model.CustomCA = false
			if out, _ := mustRender(t, r, kind, cfg); has(out, w.ca) {
				t.Errorf("model without custom CA: %q rendered", w.ca)
			}

			if noCredentialInFile[fam] {
				return
			}
			cfg = goldenConfig(fam)
			cfg.ProvisionURL, cfg.FirmwareURL = "http://prov.phoneprov.test:8080/p/", ""
			out, _ = mustRender(t, r, kind, cfg)
			urlParts := []string{"prov.phoneprov.test:8080/p"}
			if splitProvURL[fam] {
				urlParts = []string{"prov.phoneprov.test", "8080", " p\n"}
			}
			if !strings.Contains(out, cfg.HTTPPassword) || !containsAll(out, urlParts) {
				t.Errorf("http URL: credential or URL missing:\n%s", out)
			}
			if w.protoHTTP != "" && !has(out, w.protoHTTP) {
				t.Errorf("http URL: missing %q", w.protoHTTP)
			}
			if w.protoHTTPS != "" && has(out, w.protoHTTPS) {
				t.Errorf("http URL: %q rendered", w.protoHTTPS)
			}
		})
	}
}

// TestSharedFilesCarryNoSecret: a file every device of a model fetches
// (any kind but phone and device) never carries a device's credential,
// web-UI password or line password, in any family.
func TestSharedFilesCarryNoSecret(t *testing.T) {
	r := newTestRenderer(t, "")
	shared := 0
	for _, fam := range slices.Sorted(maps.Keys(familyDefs)) {
		for _, kind := range r.Kinds(fam) {
			if kind == KindPhone || kind == KindDevice {
				continue
			}
			shared++
			cfg := goldenConfig(fam)
			out, _ := mustRender(t, r, kind, cfg)
			for _, secret := range []string{cfg.HTTPUser, cfg.HTTPPassword, cfg.WebUIPassword, cfg.Lines[1].Password} {
				if strings.Contains(out, secret) {
					t.Errorf("%s %s: %q rendered into a shared file", fam, kind, secret)
				}
			}
		}
	}
	if shared == 0 {
		t.Fatal("no family renders a shared file")
	}
}

// TestSIPTransportFallback: the transport and port a model is given for
// each server transport.
func TestSIPTransportFallback(t *testing.T) {
	cases := []struct {
		transport     string
		port, fb      int
		modelTLS      bool
		wantTransport string
		wantPort      int
	}{
		{"tls", 0, 0, true, "tls", 5061},
		{"tls", 5062, 0, true, "tls", 5062},
		{"tls", 0, 0, false, "udp", 5060},
		{"tls", 5061, 5070, false, "udp", 5070},
		{"tcp", 5070, 5080, false, "tcp", 5070},
		{"udp", 0, 0, true, "udp", 5060},
		{"", 0, 0, false, "udp", 5060},
	}
	for _, c := range cases {
		v, err := newSIPView(SIPServer{Domain: "d.test", Transport: c.transport, Port: c.port, FallbackPort: c.fb}, c.modelTLS)
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if v.Transport != c.wantTransport || v.Port != c.wantPort || v.HostPort != "d.test:"+strInt(c.wantPort) {
			t.Errorf("%+v: got %s %d %s, want %s %d", c, v.Transport, v.Port, v.HostPort, c.wantTransport, c.wantPort)
		}
	}
	if _, err := newSIPView(SIPServer{Domain: "d.test", Transport: "tls", FallbackPort: 70000}, false); err == nil {
		t.Error("fallback port 70000 accepted")
	}
}

// TestCACertNormalized: the CA reaches templates re-encoded, so comments,
// CR/LF line ends and surrounding text cannot ride along; two certificates
// stay two.
func TestCACertNormalized(t *testing.T) {
	want := strings.TrimSuffix(sampleCACert, "\n")
	crlf := "\r\n" + strings.ReplaceAll(sampleCACert, "\n", "\r\n") + "\r\n"
	for _, in := range []string{sampleCACert, want, crlf, "Subject: x\n" + sampleCACert} {
		got, err := normalizeCACert(in)
		if err != nil || got != want {
			t.Errorf("normalizeCACert(%q) = %q, %v", in, got, err)
		}
	}
	two, err := normalizeCACert(sampleCACert + sampleCACert)
	if err != nil || two != sampleCACert+want {
		t.Errorf("two certificates: %q, %v", two, err)
	}
	if _, err := normalizeCACert(strings.Repeat(sampleCACert, maxCACert/len(sampleCACert)+1)); err == nil {
		t.Error("oversized CA accepted")
	}
	if got, err := normalizeCACert(""); got != "" || err != nil {
		t.Errorf("empty: %q, %v", got, err)
	}
	if got := xmlLines("a<b\r\nc&d\n"); got != "a&lt;b&#xA;c&amp;d&#xA;" {
		t.Errorf("xlines = %q", got)
	}
}

func TestWebUIUser(t *testing.T) {
	for fam := range familyDefs {
		want := "admin"
		if fam == "polycom" {
			want = "Polycom"
		}
		if got := WebUIUser(fam); got != want {
			t.Errorf("WebUIUser(%s) = %q, want %q", fam, got, want)
		}
	}
	if got := WebUIUser("nokia"); got != "" {
		t.Errorf("WebUIUser(nokia) = %q", got)
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
