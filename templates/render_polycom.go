package templates

import "strings"

// Poly / Polycom (UC Software). The master file lists the per-device file
// and the application image (the firmware directive); the per-device file
// is a single <polycomConfig> element whose attributes are parameters.
//
// Device trust: device.prov.serverName/serverType (3 = HTTPS)/user/password
// and device.auth.localAdminPassword, each with its .set companion; the
// local CA inline as device.sec.TLS.customCaCert1 (+ .set), line breaks as
// &#xA;; SIP TLS reg.x.server.1.transport TLS (names as in wazo's and
// FusionPBX's Poly templates; serverType 3 is FusionPBX's HTTPS default).
// Unconfirmed: that the default platform TLS profile trusts the custom CA
// without device.sec.TLS.profile.caCertList1 being set.

// polycomData is V for the polycom family.
type polycomData struct {
	// AppFilePath is APP_FILE_PATH: the firmware URL when an upgrade is
	// due, else "sip.ld", the documented default (the phone keeps its
	// application when the server has no such file).
	AppFilePath string
	// ConfigFiles is CONFIG_FILES: the per-device file of the catalog
	// ("phoneprov-<mac>.cfg"), with the phone's own [PHONE_MAC_ADDRESS]
	// macro in the generic master file.
	ConfigFiles string
	// ServerType is device.prov.serverType: 2 HTTP, 3 HTTPS.
	ServerType int
	// PollingPeriod is prov.polling.period (mode "rel"): the resync
	// interval, at least 3600 s as UC Software requires; 0 disables polling.
	PollingPeriod int
	// Transport is reg.x.server.1.transport: UDPOnly, TCPOnly, TLS, or
	// DNSnaptr (NAPTR then SRV on the domain, port 0) when SRV is on.
	Transport string
	// Port is reg.x.server.1.port (0 with SRV).
	Port int
	Time polyTime
	// Lang is lcl.ml.lang.
	Lang string
}

// polyTime is tcpIpApp.sntp.gmtOffset and the daylightSavings rules.
type polyTime struct {
	GMTOffset   int // seconds
	DST         bool
	Start, Stop polyDST
}

// polyDST is one tcpIpApp.sntp.daylightSavings.{start,stop} rule with
// fixedDayEnable=0: the dayOfWeek on or after date, or the last one in
// the month.
type polyDST struct {
	Month       int
	Date        int // 1, 8, 15, 22
	DayOfWeek   int // 1 = Sunday .. 7 = Saturday
	LastInMonth bool
	Time        int // hour
}

func polycomView(v *view) (any, error) {
	d := polycomData{AppFilePath: "sip.ld", ServerType: 2, Port: v.SIP.Port,
		Time: polycomTime(v.TZ), Lang: v.Lang.pick(polyLang)}
	if v.FirmwareURL != "" {
		d.AppFilePath = v.FirmwareURL
	}
	file := deviceFile(v.Model, "phoneprov-{mac}.cfg")
	d.ConfigFiles = strings.NewReplacer("{mac}", "[PHONE_MAC_ADDRESS]", "{MAC}", "[PHONE_MAC_ADDRESS]").Replace(file)
	if name, ok := expandFile(file, v); ok && v.MAC != "" {
		d.ConfigFiles = name
	}
	if splitURL(v.ProvisionURL).HTTPS {
		d.ServerType = 3
	}
	if v.ResyncInterval > 0 {
		d.PollingPeriod = max(v.ResyncInterval, 3600)
	}
	d.Transport = map[string]string{"udp": "UDPOnly", "tcp": "TCPOnly", "tls": "TLS"}[v.SIP.Transport]
	if v.SIP.SRV {
		d.Transport, d.Port = "DNSnaptr", 0
	}
	return d, nil
}

// polycomTime converts zone rules to Poly's format.
func polycomTime(z tzRules) polyTime {
	t := polyTime{GMTOffset: z.StdOffset, DST: z.DST}
	if z.DST {
		t.Start, t.Stop = polycomDST(z.Start), polycomDST(z.End)
	}
	return t
}

func polycomDST(c tzChange) polyDST {
	d := polyDST{Month: c.Month, DayOfWeek: int(c.Weekday) + 1, Time: c.Hour,
		LastInMonth: c.Week == 5, Date: firstDayOfWeek(c.Week)}
	if d.LastInMonth {
		d.Date = 0
	}
	return d
}
