package templates

// AudioCodes 4xxHD IP phones: "path/to/key=value" lines in <mac>.cfg;
// lines count from 0 (voip/line/0/...), the registrar is global
// (voip/signalling/sip/...), as in the AudioCodes plugin of sipXconfig.

// audiocodesData is V for the audiocodes family.
type audiocodesData struct {
	// ProvURL is provisioning/configuration/url, with the device's HTTP
	// credentials as userinfo.
	ProvURL string
	// Transport is voip/signalling/sip/transport_protocol.
	Transport string
	Lines     []lineKV
}

func audiocodesView(v *view) (any, error) {
	return audiocodesData{Transport: transportCode(v, [3]string{"UDP", "TCP", "TLS"}), Lines: linesFrom(v, 0),
		ProvURL: withUserinfo(v.ProvisionURL, v.HTTPUser, v.HTTPPassword)}, nil
}
