package templates

import (
	"maps"
	"net/url"
	"strconv"
	"strings"
)

// Shared pieces of the families added for the wider catalog (Aastra/Mitel,
// Htek/Sangoma, Gigaset, Avaya, Panasonic, Alcatel-Lucent, Akuvox,
// AudioCodes, Algo, CyberData, 2N): the provisioning server split into the
// fields those vendors want, and per-vendor transport codes.

// addedFamilyDefs are the added template sets, one folder each under
// family/, joined to familyDefs at start.
var addedFamilyDefs = map[string]familyDef{
	"aastra":        {formatKV, aastraView},
	"htek":          {formatXML, htekView},
	"gigaset":       {formatXML, gigasetView},
	"avaya":         {formatKV, avayaView},
	"panasonic":     {formatKV, panasonicView},
	"ale":           {formatXML, aleView},
	"akuvox":        {formatKV, akuvoxView},
	"audiocodes":    {formatKV, audiocodesView},
	"algo":          {formatKV, algoView},
	"cyberdata":     {formatXML, cyberdataView},
	"2n":            {formatXML, twoNView},
	"fanvil-legacy": {formatXML, fanvilView},
}

func init() { maps.Copy(familyDefs, addedFamilyDefs) }

// provServer is the provisioning URL as scheme, host, port and path.
type provServer struct {
	HTTPS bool
	// Scheme is "http" or "https"; Protocol the same upper case.
	Scheme, Protocol string
	Host             string
	Port             int // explicit or the scheme's default
	// HostPort is Host, with ":Port" when the URL names a port.
	HostPort string
	// Path is the URL path without leading or trailing "/".
	Path string
}

func provServerOf(s string) provServer {
	u, err := url.Parse(s)
	if err != nil || s == "" {
		return provServer{}
	}
	p := provServer{HTTPS: u.Scheme == "https", Scheme: u.Scheme, Host: u.Hostname(),
		Path: strings.Trim(u.EscapedPath(), "/")}
	p.Protocol = strings.ToUpper(p.Scheme)
	p.Port = 80
	if p.HTTPS {
		p.Port = 443
	}
	p.HostPort = p.Host
	if n, err := strconv.Atoi(u.Port()); err == nil {
		p.Port, p.HostPort = n, u.Host
	}
	return p
}

// transportCode maps the view's transport ("udp", "tcp", "tls") through a
// vendor's code table.
func transportCode(v *view, codes [3]string) string {
	switch v.SIP.Transport {
	case "tcp":
		return codes[1]
	case "tls":
		return codes[2]
	}
	return codes[0]
}

// firmwareDir is the folder of the firmware URL, with a trailing "/".
func firmwareDir(v *view) string {
	if i := strings.LastIndexByte(v.FirmwareURL, '/'); i >= 0 {
		return v.FirmwareURL[:i+1]
	}
	return ""
}

// lineKV is one line slot for the key = value families: its index as the
// vendor counts (from 0 or 1) and its values.
type lineKV struct {
	lineView
	N int
}

// linesFrom renumbers the line slots from base (0 or 1).
func linesFrom(v *view, base int) []lineKV {
	out := make([]lineKV, len(v.Lines))
	for i, l := range v.Lines {
		out[i] = lineKV{lineView: l, N: i + base}
	}
	return out
}

// srvPort is the registrar port a vendor writes: 0 with DNS SRV (Aastra,
// 2N: port 0 means "look up SRV records"), else the SIP port.
func srvPort(v *view) int {
	if v.SIP.SRV {
		return 0
	}
	return v.SIP.Port
}
