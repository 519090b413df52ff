package templates

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"strconv"
	"strings"
)

// The test side of the families added for the wider catalog: their
// representative models, parsers and expected values, hooked into the
// family-wide tests (TestGolden, TestCatalogModels, TestModelGoldens,
// FuzzRender).

func init() {
	for fam, m := range map[string]Model{
		"aastra":        {Vendor: "Mitel", Model: "6867i", Family: "aastra", Kind: "phone", Lines: 2, SIPTLS: true, CustomCA: true, Files: []string{"aastra.cfg", "6867i.cfg", "{MAC}.cfg"}},
		"htek":          {Vendor: "Htek", Model: "UC926", Family: "htek", Kind: "phone", Lines: 2, SIPTLS: true, Files: []string{"cfg0010.xml", "cfg{mac}.xml"}},
		"gigaset":       {Vendor: "Gigaset", Model: "N670 IP PRO", Family: "gigaset", Kind: "dect", Lines: 2, SIPTLS: true, Files: []string{"{mac}.xml"}},
		"avaya":         {Vendor: "Avaya", Model: "J179", Family: "avaya", Kind: "phone", Lines: 2, SIPTLS: true, Files: []string{"J100Supgrade.txt", "46xxsettings.txt", "{mac}.cfg"}},
		"panasonic":     {Vendor: "Panasonic", Model: "KX-HDV230", Family: "panasonic", Kind: "phone", Lines: 2, SIPTLS: true, CustomCA: true, Files: []string{"Config{MAC}.cfg", "KX-HDV230.cfg"}},
		"ale":           {Vendor: "Alcatel-Lucent", Model: "M5", Family: "ale", Kind: "phone", Lines: 2, SIPTLS: true, Files: []string{"config.M5.xml", "config.{mac}.xml"}},
		"akuvox":        {Vendor: "Akuvox", Model: "R20A", Family: "akuvox", Kind: "phone", Lines: 2, SIPTLS: true, Files: []string{"{mac}.cfg"}},
		"audiocodes":    {Vendor: "AudioCodes", Model: "440HD", Family: "audiocodes", Kind: "phone", Lines: 2, SIPTLS: true, Files: []string{"{mac}.cfg"}},
		"algo":          {Vendor: "Algo", Model: "8301", Family: "algo", Kind: "phone", Lines: 2, Files: []string{"algom{mac}.conf"}},
		"cyberdata":     {Vendor: "CyberData", Model: "SIP Paging Server", Family: "cyberdata", Kind: "phone", Lines: 2, Files: []string{"000000cd.xml", "{mac}.xml"}},
		"fanvil-legacy": {Vendor: "Fanvil", Model: "X4", Family: "fanvil-legacy", Kind: "phone", Lines: 2, SIPTLS: true, Files: []string{"f0X4hw1.100.cfg", "{mac}.cfg"}},
		"2n":            {Vendor: "2N", Model: "IP Style", Family: "2n", Kind: "phone", Lines: 2, Files: []string{"{mac}.xml"}},
	} {
		goldenModels[fam] = m
	}
}

// addedFamilies are the families of render_families.go; allFamilies adds
// them to the list catalog_test.go keeps.
var addedFamilies = []string{"aastra", "htek", "gigaset", "avaya", "panasonic", "ale", "akuvox", "audiocodes",
	"algo", "cyberdata", "2n", "fanvil-legacy"}

func allFamilies() []string { return append(append([]string(nil), families...), addedFamilies...) }

// frozenOnly are the families whose models are all unsupported: the
// legacy Cisco SPA firmware, and CyberData, whose config format is not
// verified.
var frozenOnly = map[string]bool{"cisco-spa": true, "cyberdata": true}

// allSupported are the families with no unsupported model: Fanvil's
// unsupported models are the old-format ones, in fanvil-legacy.
var allSupported = map[string]bool{"fanvil": true}

// addedKinds are the kinds each added family renders (TestKinds).
var addedKinds = map[string][]string{
	"aastra": {"common", "device"}, "htek": {"common", "device"}, "gigaset": {"device"},
	"avaya": {"common", "device"}, "panasonic": {"common", "device"}, "ale": {"common", "device"},
	"akuvox": {"device"}, "audiocodes": {"device"}, "algo": {"device"}, "cyberdata": {"common", "device"},
	"2n": {"device"}, "fanvil-legacy": {"common", "device"},
}

// lineFormats are the line syntaxes of the key = value families; a
// document parses when every line is blank, a comment, or matches.
var lineFormats = map[string]struct {
	header string // required first line, "" for none
	line   *regexp.Regexp
}{
	"aastra":     {"", regexp.MustCompile(`^([a-z0-9 ]+?): ?(.*)$`)},
	"avaya":      {"", regexp.MustCompile(`^(SET [A-Z0-9_]+|GET) ?(.*)$`)},
	"panasonic":  {"# Panasonic SIP Phone Standard Format File # DO NOT CHANGE THIS LINE!", regexp.MustCompile(`^([A-Z0-9_]+)="([^"]*)"$`)},
	"akuvox":     {"", regexp.MustCompile(`^([A-Za-z0-9_.]+) = ?(.*)$`)},
	"algo":       {"", regexp.MustCompile(`^([a-z0-9_.]+) = ?(.*)$`)},
	"audiocodes": {"", regexp.MustCompile(`^([a-z0-9_/]+)=(.*)$`)},
}

// attrXMLFamilies are the added XML families, parsed with flatAttrXML.
var attrXMLFamilies = map[string]bool{"htek": true, "gigaset": true, "ale": true, "cyberdata": true, "2n": true,
	"fanvil-legacy": true}

// listElements are repeated elements without a telling attribute;
// flatAttrXML numbers them [1], [2] … among their siblings.
var listElements = map[string]bool{"SIP_Line_List_Entry": true}

// parseFamily parses a document of the added families; ok is false for
// the families the original parsers handle.
func parseFamily(fam, doc string) (got map[string]string, ok bool, err error) {
	if f, kv := lineFormats[fam]; kv {
		got, err = parseLines(doc, f.header, f.line, fam == "avaya")
		return got, true, err
	}
	if attrXMLFamilies[fam] {
		got, err = flatAttrXML(doc)
		return got, true, err
	}
	return nil, false, nil
}

// parseLines reads key/value lines: the header, then blank lines, "#"
// comments and lines matching re, every key once. With quoted, a value
// starting with a double quote must end with one and hold no other.
func parseLines(doc, header string, re *regexp.Regexp, quoted bool) (map[string]string, error) {
	lines := strings.Split(strings.TrimSuffix(doc, "\n"), "\n")
	if header != "" {
		if lines[0] != header {
			return nil, fmt.Errorf("first line %q: want %q", lines[0], header)
		}
		lines = lines[1:]
	}
	out := map[string]string{}
	for i, l := range lines {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		m := re.FindStringSubmatch(l)
		if m == nil {
			return nil, fmt.Errorf("line %d: %q does not parse", i+1, l)
		}
		v := m[2]
		if quoted && strings.HasPrefix(v, `"`) {
			if len(v) < 2 || !strings.HasSuffix(v, `"`) || strings.Count(v, `"`) != 2 {
				return nil, fmt.Errorf("line %d: bad quoting in %q", i+1, l)
			}
			v = v[1 : len(v)-1]
		}
		if _, dup := out[m[1]]; dup {
			return nil, fmt.Errorf("line %d: key %s appears twice", i+1, m[1])
		}
		out[m[1]] = v
	}
	return out, nil
}

// flatAttrXML flattens an XML document whose repeated elements are told
// apart by attributes (<param name= value=>, <setting id= value=>,
// <Sip At=>): each path segment carries the element's attributes but
// "value" as [k=v], and a "value" attribute or leaf text is the value of
// the path. Duplicate keys, a second root or an element named x fail.
func flatAttrXML(doc string) (map[string]string, error) {
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = true
	out := map[string]string{}
	type frame struct {
		path     string
		text     strings.Builder
		children bool
		valued   bool
		seen     map[string]int
	}
	var stack []*frame
	roots := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Local == "x" {
				return nil, fmt.Errorf("injected element <x>")
			}
			seg := tok.Name.Local
			var value *string
			for _, a := range tok.Attr {
				if a.Name.Local == "value" {
					v := a.Value
					value = &v
					continue
				}
				seg += "[" + a.Name.Local + "=" + a.Value + "]"
			}
			path := seg
			if len(stack) == 0 {
				if roots++; roots > 1 {
					return nil, fmt.Errorf("second root element %s", seg)
				}
			} else {
				parent := stack[len(stack)-1]
				parent.children = true
				if listElements[tok.Name.Local] {
					if parent.seen == nil {
						parent.seen = map[string]int{}
					}
					parent.seen[tok.Name.Local]++
					seg += fmt.Sprintf("[%d]", parent.seen[tok.Name.Local])
				}
				path = parent.path + "/" + seg
			}
			f := &frame{path: path}
			if value != nil {
				if _, dup := out[path]; dup {
					return nil, fmt.Errorf("key %q appears twice", path)
				}
				out[path], f.valued = *value, true
			}
			stack = append(stack, f)
		case xml.CharData:
			if len(stack) == 0 {
				if strings.TrimSpace(string(tok)) != "" {
					return nil, fmt.Errorf("text outside the root element")
				}
				continue
			}
			stack[len(stack)-1].text.Write(tok)
		case xml.EndElement:
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if f.children || f.valued {
				continue
			}
			if _, dup := out[f.path]; dup {
				return nil, fmt.Errorf("key %q appears twice", f.path)
			}
			out[f.path] = f.text.String()
		}
	}
	if roots != 1 {
		return nil, fmt.Errorf("%d root elements", roots)
	}
	return out, nil
}

// expectedFamilies is expected() for the added families.
func expectedFamilies(fam, kind string, cfg *DeviceConfig) map[string]string {
	l1, l2 := cfg.Lines[0], cfg.Lines[1]
	c := cleanText
	if familyDefs[fam].format == formatKV {
		c = func(s string) string { return kvEscape(s) }
	}
	q := func(s string) string { return strings.ReplaceAll(c(s), `"`, "") }
	dev := kind == KindDevice
	// The registrar as the renderer resolves it (transport, port, SRV),
	// and a family's code for its transport.
	v, err := buildView(familyDefs[fam], kind, cfg, 2025)
	if err != nil {
		return nil
	}
	port, hostPort := strconv.Itoa(v.SIP.Port), v.SIP.HostPort
	tr := func(udp, tcp, tls string) string { return transportCode(v, [3]string{udp, tcp, tls}) }
	prov := cfg.ProvisionURL // with the HTTP credentials in a device file
	if dev {
		prov = withUserinfo(cfg.ProvisionURL, cfg.HTTPUser, cfg.HTTPPassword)
	}
	switch fam {
	case "aastra":
		m := map[string]string{"time server1": "pool.ntp.org", "download protocol": "HTTPS",
			"https server": "prov.phoneprov.test", "https path": "p", "https port": "8443",
			"sip transport protocol": tr("1", "2", "4"), "sip stun ip": "stun.phoneprov.test", "sip stun port": "3478",
			"sips trusted certificates": c(cfg.CACertURL), "https user certificates": c(cfg.CACertURL)}
		if dev {
			maps.Copy(m, map[string]string{"sip line1 user name": "1001", "sip line1 auth name": "a1001",
				"sip line1 password": c(l1.Password), "sip line1 display name": c(l1.DisplayName),
				"sip line1 screen name": c(l1.Label), "sip line1 proxy ip": "sip.phoneprov.test",
				"sip line1 proxy port": port, "sip line2 proxy ip": "", "sip line2 display name": c(l2.DisplayName),
				"http digest username": cfg.HTTPUser, "http digest password": c(cfg.HTTPPassword),
				"admin password": c(cfg.WebUIPassword)})
		}
		return m
	case "htek":
		m := map[string]string{"P30": "pool.ntp.org", "P212": "2", "P237": cfg.ProvisionURL,
			"P192": "https://prov.phoneprov.test:8443/fw/"}
		if dev {
			maps.Copy(m, map[string]string{"P271": "1", "P47": hostPort, "P35": "1001",
				"P36": "a1001", "P34": c(l1.Password), "P3": c(l1.DisplayName), "P130": tr("0", "1", "2"),
				"P401": "0", "P735": "1002", "P703": c(l2.DisplayName),
				"P1360": cfg.HTTPUser, "P1361": cfg.HTTPPassword, "P2": cfg.WebUIPassword})
		}
		return prefixed("hl_provision[version=1]/config[version=1]/", m)
	case "gigaset":
		p := "provisioning[version=1.1][productID=e2]/nvm/param[name="
		return map[string]string{p + "Provisioning.global.ProvisioningServer]": prov,
			p + "DmGlobal.0.NtpServer]": "pool.ntp.org", p + "SipProvider.0.Domain]": "phoneprov.test",
			p + "SipProvider.0.ProxyServerAddress]": "sip.phoneprov.test", p + "SipProvider.0.ProxyServerPort]": port,
			p + "SipProvider.0.TransportProtocol]": tr("1", "2", "3"), p + "SipAccount.00001.AuthName]": "a1001",
			p + "SipAccount.00001.AuthPassword]": c(l1.Password), p + "SipAccount.00001.UserName]": "1001",
			p + "SipAccount.00001.DisplayName]": c(l1.DisplayName), p + "SipAccount.00001.ProviderId]": "0",
			p + "SipAccount.00002.ProviderId]": "", p + "SipAccount.00002.DisplayName]": c(l2.DisplayName),
			p + "WebUIAccounts.1.Password]": cfg.WebUIPassword}
	case "avaya":
		m := map[string]string{"SET SIPDOMAIN": "phoneprov.test", "SET SIP_CONTROLLER_LIST": hostPort + ";transport=" + v.SIP.Transport,
			"SET SIPSIGNAL": tr("0", "1", "2"), "SET SNTPSRVR": "pool.ntp.org", "SET TLSSRVR": "prov.phoneprov.test", "SET TLSPORT": "8443",
			"SET HTTPDIR": "p"}
		if dev {
			maps.Copy(m, map[string]string{"SET FORCE_SIP_EXTENSION": "1001", "SET FORCE_SIP_USERNAME": "a1001",
				"SET FORCE_SIP_PASSWORD": q(l1.Password), "SET DISPLAY_NAME": q(l1.DisplayName), "SET ENABLE_SIP_USER_ID": "1",
				"SET FORCE_WEB_ADMIN_PASSWORD": q(cfg.WebUIPassword)})
		} else {
			m["GET"] = "$MACADDR.cfg"
		}
		return m
	case "panasonic":
		m := map[string]string{"NTP_ADDR": "pool.ntp.org", "CFG_STANDARD_FILE_PATH": cfg.ProvisionURL + "Config{MAC}.cfg",
			"CFG_CYCLIC_INTVL": "1440", "CFG_ROOT_CERTIFICATE_PATH": q(cfg.CACertURL)}
		if dev {
			maps.Copy(m, map[string]string{"HTTP_AUTH_ID": q(cfg.HTTPUser), "HTTP_AUTH_PASS": q(cfg.HTTPPassword),
				"PHONE_NUMBER_1": "1001", "SIP_AUTHID_1": "a1001", "SIP_PASS_1": q(l1.Password),
				"DISPLAY_NAME_1": q(l1.DisplayName), "SIP_RGSTR_ADDR_1": "sip.phoneprov.test", "SIP_RGSTR_PORT_1": port,
				"SIP_TRANSPORT_1": tr("0", "1", "2"), "REG_EXPIRE_TIME_1": "600", "SIP_RGSTR_ADDR_2": "", "DISPLAY_NAME_2": q(l2.DisplayName),
				"ADMIN_ID": "admin", "ADMIN_PASS": q(cfg.WebUIPassword)})
		}
		return m
	case "ale":
		p := "settings/setting[id="
		m := map[string]string{p + "DeviceProvisionServerUrl]": cfg.ProvisionURL,
			p + "DeviceProvisionFileSecond]": "config.$mac.xml"}
		if dev {
			maps.Copy(m, map[string]string{p + "DeviceProvisionServerUsername]": cfg.HTTPUser,
				p + "DeviceProvisionServerPassword]": cfg.HTTPPassword, p + "Account1Enable]": "true",
				p + "Account1UserName]": "1001", p + "Account1RegName]": "a1001", p + "Account1Password]": c(l1.Password),
				p + "Account1DisplayName]": c(l1.DisplayName), p + "Account1Label]": c(l1.Label),
				p + "Account1Server1Address]": "sip.phoneprov.test", p + "Account1Server1Port]": port,
				p + "Account1Server1Transport]": v.SIP.Transport, p + "Account2Enable]": "false", p + "Account2DisplayName]": c(l2.DisplayName),
				p + "DeviceSecurityAdminName]": "admin", p + "DeviceSecurityAdminPwd]": cfg.WebUIPassword})
		}
		return m
	case "akuvox":
		return map[string]string{"Config.Autoprovision.GENERAL.Url": cfg.ProvisionURL,
			"Config.Autoprovision.GENERAL.UserName": cfg.HTTPUser, "Config.Autoprovision.GENERAL.Pwd": cfg.HTTPPassword,
			"Config.Account1.GENERAL.Enable": "1", "Config.Account1.GENERAL.UserName": "1001",
			"Config.Account1.GENERAL.AuthName": "a1001", "Config.Account1.GENERAL.Pwd": c(l1.Password),
			"Config.Account1.GENERAL.DisplayName": c(l1.DisplayName), "Config.Account1.GENERAL.Label": c(l1.Label),
			"Config.Account1.SIP.Server": "sip.phoneprov.test", "Config.Account1.SIP.Port": port,
			"Config.Account1.SIP.TransType": tr("0", "1", "2"), "Config.Account2.GENERAL.Enable": "0",
			"Config.Account2.GENERAL.DisplayName": c(l2.DisplayName), "Config.Settings.WEB_LOGIN.Password": c(cfg.WebUIPassword)}
	case "audiocodes":
		return map[string]string{"provisioning/configuration/url": prov,
			"system/ntp/primary_server_address": "pool.ntp.org", "voip/signalling/sip/proxy_address": "sip.phoneprov.test",
			"voip/signalling/sip/proxy_port": port, "voip/signalling/sip/transport_protocol": tr("UDP", "TCP", "TLS"),
			"voip/line/0/enabled": "1", "voip/line/0/id": "1001", "voip/line/0/auth_name": "a1001",
			"voip/line/0/auth_password": c(l1.Password), "voip/line/0/description": c(l1.DisplayName),
			"voip/line/1/enabled": "0", "voip/line/1/description": c(l2.DisplayName)}
	case "algo":
		return map[string]string{"net.time1": "pool.ntp.org", "prov.server.static": "prov.phoneprov.test:8443",
			"prov.download.method": "https", "prov.download.cfgpath": "p", "prov.auth.user": cfg.HTTPUser,
			"prov.auth.pwd": cfg.HTTPPassword, "sip.proxy": hostPort, "sip.register.use": "1",
			"sip.regexp": "600", "sip.u1.user": "1001", "sip.u1.auth": "a1001", "sip.u1.pwd": c(l1.Password),
			"admin.pwd": c(cfg.WebUIPassword)}
	case "cyberdata":
		m := map[string]string{"specific/MiscSettings/NTPServer": "pool.ntp.org",
			"specific/AutoprovisioningSettings/AutoprovisioningServer": prov}
		if dev {
			maps.Copy(m, map[string]string{"specific/SIPSettings/SIPEnable": "1",
				"specific/SIPSettings/SIPServer": "sip.phoneprov.test", "specific/SIPSettings/RemoteSIPPort": port,
				"specific/SIPSettings/SIPUserID": "1001", "specific/SIPSettings/SIPAuthID": "a1001",
				"specific/SIPSettings/SIPAuthPassword": c(l1.Password)})
		}
		return m
	case "fanvil-legacy":
		m := map[string]string{"AUTOUPDATE_CONFIG_MODULE/Download_Server_IP": "https://prov.phoneprov.test:8443/p",
			"AUTOUPDATE_CONFIG_MODULE/Auto_Image_URL": cfg.FirmwareURL, "GLOBAL_CONFIG_MODULE/SNTP_Server": "pool.ntp.org",
			"GLOBAL_CONFIG_MODULE/Time_Zone": "-20", "GLOBAL_CONFIG_MODULE/DST_Start_Mon": "3"}
		if dev {
			e := "SIP_CONFIG_MODULE/SIP_Line_List/SIP_Line_List_Entry"
			maps.Copy(m, map[string]string{"AUTOUPDATE_CONFIG_MODULE/Download_Username": cfg.HTTPUser,
				"AUTOUPDATE_CONFIG_MODULE/Download_Password": cfg.HTTPPassword, e + "[1]/ID": "SIP1",
				e + "[1]/Phone_Number": "1001", e + "[1]/Register_User": "a1001", e + "[1]/Register_Pswd": c(l1.Password),
				e + "[1]/Display_Name": c(l1.DisplayName), e + "[1]/Register_Addr": "sip.phoneprov.test",
				e + "[1]/Register_Port": port, e + "[1]/Transport": tr("0", "1", "3"), e + "[1]/Enable_Reg": "1",
				e + "[2]/Enable_Reg": "0", e + "[2]/Display_Name": c(l2.DisplayName),
				"MMI_CONFIG_MODULE/MMI_Account/MMI_Account_Entry/Name":     "admin",
				"MMI_CONFIG_MODULE/MMI_Account/MMI_Account_Entry/Password": cfg.WebUIPassword})
		}
		return prefixed("VOIP_CONFIG_FILE/", m)
	case "2n":
		p := "DeviceDatabase/Phone/Sip[At=0]/"
		return map[string]string{p + "Enabled": "1", p + "User/Id": "1001", p + "User/AuthId": "a1001",
			p + "User/PasswordString": c(l1.Password), p + "User/DisplayName": c(l1.DisplayName),
			p + "Proxy/Address": "sip.phoneprov.test", p + "Proxy/Port": port, p + "Registrar/ExpireTime": "600",
			"DeviceDatabase/Phone/Sip[At=1]/Enabled": "0", "DeviceDatabase/Phone/Sip[At=1]/User/DisplayName": c(l2.DisplayName)}
	}
	return nil
}
