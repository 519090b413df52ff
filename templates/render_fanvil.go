package templates

import "strings"

// Fanvil X-series, new <sysConf> format (firmware 2.2.10+): the model
// common file carries the global settings, the per-device file repeats
// them and adds the <sip><line index="N"> blocks.
//
// Device trust: <ap> DefaultUsername/DefaultPassword are the credential
// (FusionPBX x4u, device file only) with FlashProtocol 5 for HTTPS; the
// web-UI admin is <web><account index="1"> Name admin, Password, Level
// 10 (wazo, FusionPBX); no custom CA parameter was found in any source,
// so none is rendered; SIP TLS <Transport> 3.

// fanvilData is V for the fanvil family.
type fanvilData struct {
	// ServerURL is <ap><FlashServerIP>: the provisioning URL without its
	// trailing slash; FileName is <FlashFileName>, the catalog's
	// per-device file ("{mac}.cfg" when it lists none) with the phone's
	// own $mac macro.
	ServerURL string
	FileName  string
	// Protocol is <FlashProtocol>: 4 HTTP, 5 HTTPS.
	Protocol int
	// Mode is <FlashMode> (1: at power-on and every Interval) and
	// Interval is <FlashInterval> in hours, at least 1.
	Mode, Interval int
	// Transport is <Transport>: 0 UDP, 1 TCP, 3 TLS.
	Transport int
	// SRV sets <DNSSRV>/<DNSMode> 1: the register address is the domain.
	SRV  bool
	Time fanvilTime
	// Lang is <DefaultLanguage>.
	Lang string
}

// fanvilTime is the <date> block.
type fanvilTime struct {
	Zone     int    // <TimeZone>: standard offset in quarter hours (UTC-5 = -20)
	ZoneName string // <TimeZoneName>: "UTC-05", "UTC+5:30"
	// DST is EnableDST = 2 with DSTFixedType = 2 (by week).
	DST        bool
	MinOffset  int // <DSTMinOffset>, minutes
	Start, End fanvilDST
}

// fanvilDST is one DST{Start,End}{Mon,Week,Wday,Hour} group.
type fanvilDST struct {
	Mon, Week, Wday, Hour int // Week -1 = last; Wday 0 = Sunday
}

func fanvilView(v *view) (any, error) {
	prov := splitURL(v.ProvisionURL)
	file := strings.NewReplacer("{mac}", "$mac", "{MAC}", "$MAC").Replace(deviceFile(v.Model, "{mac}.cfg"))
	d := fanvilData{ServerURL: prov.Base, FileName: file, Protocol: 4, Mode: 1,
		Interval: 24, Time: fanvilTimeOf(v.TZ), Lang: v.Lang.pick(fanvilLang), SRV: v.SIP.SRV}
	if prov.HTTPS {
		d.Protocol = 5
	}
	if v.ResyncInterval > 0 {
		d.Interval = ceilDiv(v.ResyncInterval, 3600, 1)
	}
	d.Transport = map[string]int{"udp": 0, "tcp": 1, "tls": 3}[v.SIP.Transport]
	return d, nil
}

// fanvilTimeOf converts zone rules to Fanvil's format.
func fanvilTimeOf(z tzRules) fanvilTime {
	name := "UTC" + offsetHM(z.StdOffset, "+")
	if z.StdOffset%3600 == 0 && z.StdOffset != 0 {
		h := z.StdOffset / 3600
		sign := "+"
		if h < 0 {
			sign, h = "-", -h
		}
		name = "UTC" + sign + pad2(h)
	} else if z.StdOffset == 0 {
		name = "UTC"
	}
	t := fanvilTime{Zone: z.StdOffset / 900, ZoneName: name, DST: z.DST}
	if z.DST {
		t.MinOffset = z.DSTSave() / 60
		t.Start, t.End = fanvilDSTOf(z.Start), fanvilDSTOf(z.End)
	}
	return t
}

func fanvilDSTOf(c tzChange) fanvilDST {
	week := c.Week
	if week == 5 {
		week = -1
	}
	return fanvilDST{Mon: c.Month, Week: week, Wday: int(c.Weekday), Hour: c.Hour}
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strInt(n)
	}
	return strInt(n)
}
