package templates

import (
	"fmt"
	"strings"
)

// Obihai OBi ATAs: <ParameterList> of TR-104 style <Object>s. Line N is
// service SPN (VoiceService.1.VoiceProfile.1.Line.N.) bound to ITSP
// profile N (VoiceService.1.VoiceProfile.N.), letters A, B, C, D, so each
// line carries its own registrar settings and expiry. ATAs have no display
// language: Language is not rendered.
//
// Device trust: the credential is URL userinfo in ConfigURL; the web-UI
// password X_DeviceManagement.Security.AdminPassword (unconfirmed: the
// object name is from the OBi Device Provisioning Guide's naming, not
// read in a source); no custom CA parameter is known, so none is
// rendered; SIP TLS ProxyServerTransport TLS.

// obihaiData is V for the obihai family.
type obihaiData struct {
	// ConfigURL is X_DeviceManagement.ITSPProvisioning.ConfigURL: the
	// catalog's per-device file ("{MAC}.xml" when it lists none; the
	// device's $MAC macro when the MAC is unknown), with the HTTP
	// credentials as URL userinfo.
	ConfigURL string
	// Method is ITSPProvisioning.Method: "Periodically" every Interval
	// seconds, or "System Start" when the resync interval is 0.
	Method   string
	Interval int
	// Transport is ProxyServerTransport: UDP, TCP or TLS.
	Transport string
	// Profiles are the ITSP profile letters by line index.
	Profiles map[int]string
	Time     obihaiTime
}

// obihaiTime is X_DeviceManagement.TimeService.
type obihaiTime struct {
	Zone string // LocalTimeZone, "GMT-05:00"
	DST  bool   // DaylightSavingTimeEnable
	// Start and End are DaylightSavingTimeStart/End:
	// "month,week,weekday,hour" with week -1 for the last one and weekday
	// 1 = Monday .. 7 = Sunday.
	Start, End string
}

func obihaiView(v *view) (any, error) {
	d := obihaiData{Method: "System Start", Time: obihaiTimeOf(v.TZ)}
	d.Transport = map[string]string{"udp": "UDP", "tcp": "TCP", "tls": "TLS"}[v.SIP.Transport]
	file := deviceFile(v.Model, "{MAC}.xml")
	if name, ok := expandFile(file, v); ok {
		file = name
	} else {
		file = strings.NewReplacer("{mac}", "$MAC", "{MAC}", "$MAC").Replace(file)
	}
	if v.ProvisionURL != "" {
		d.ConfigURL = withUserinfo(v.ProvisionURL+file, v.HTTPUser, v.HTTPPassword)
	}
	if v.ResyncInterval > 0 {
		d.Method, d.Interval = "Periodically", v.ResyncInterval
	}
	d.Profiles = make(map[int]string, len(v.Lines))
	for _, l := range v.Lines {
		d.Profiles[l.Index] = profileLetter(l.Index)
	}
	return d, nil
}

// profileLetter names ITSP profile n: A, B, ... Z, then P27, P28 ...
func profileLetter(n int) string {
	if n >= 1 && n <= 26 {
		return string(rune('A' + n - 1))
	}
	return fmt.Sprintf("P%d", n)
}

// obihaiTimeOf converts zone rules to Obihai's format.
func obihaiTimeOf(z tzRules) obihaiTime {
	t := obihaiTime{Zone: gmtOffset(z.StdOffset), DST: z.DST}
	if z.DST {
		t.Start, t.End = obihaiDST(z.Start), obihaiDST(z.End)
	}
	return t
}

func obihaiDST(c tzChange) string {
	week := c.Week
	if week == 5 {
		week = -1
	}
	return fmt.Sprintf("%d,%d,%d,%d", c.Month, week, isoWeekday(c.Weekday), c.Hour)
}
