package templates

// Akuvox door phones and intercoms (R2x, E1x, X9xx): "Config.<Module>.<Section>.<Key> = value"
// lines in <mac>.cfg (Akuvox autoprovisioning; the same keys appear in the
// Akuvox-made Elastix LXP templates). Accounts count from 1.
//
// Device trust (Elastix LXPx50 template, made by Akuvox): the device
// credential is Config.Autoprovision.GENERAL.UserName / Pwd, the web-UI
// password Config.Settings.WEB_LOGIN.Password for the account
// WEB_LOGIN.User admin (commented out in that template, "do not change
// passwords"; also what open-source Akuvox API clients set for the web
// login); both device file only. No custom CA (Config.Certificate.NN.Url
// is a client certificate), so no Akuvox model has custom_ca. SIP TLS is
// TransType 2: 0 UDP and 1 TCP are confirmed by those clients, 2 for TLS
// (the web UI's order UDP, TCP, TLS) is unconfirmed.

// akuvoxData is V for the akuvox family.
type akuvoxData struct {
	// Transport is Config.AccountN.SIP.TransType: 0 UDP, 1 TCP, 2 TLS.
	Transport string
}

func akuvoxView(v *view) (any, error) {
	return akuvoxData{Transport: transportCode(v, [3]string{"0", "1", "2"})}, nil
}
