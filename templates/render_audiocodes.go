package templates

// AudioCodes 4xxHD IP phones: "path/to/key=value" lines in <mac>.cfg;
// lines count from 0 (voip/line/0/...), the registrar is global
// (voip/signalling/sip/...), as in the AudioCodes plugin of sipXconfig.
//
// Device trust: the device credential rides as userinfo in
// provisioning/configuration/url (unconfirmed: no source says the phone
// answers a digest challenge with it). No web-UI password is rendered:
// AudioCodes' admin guide sets the login in the configuration file, but
// the parameter's name and whether it takes the password in clear or
// encrypted are unconfirmed, and a wrong form would lock the admin out.
// The admin guide loads a trusted root CA by configuration file, under a
// parameter name not confirmed here, so no AudioCodes model has
// custom_ca. SIP TLS is voip/signalling/sip/transport_protocol TLS.

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
