package templates

// Akuvox door phones and intercoms (R2x, E1x, X9xx): "Config.<Module>.<Section>.<Key> = value"
// lines in <mac>.cfg (Akuvox autoprovisioning; the same keys appear in the
// Akuvox-made Elastix LXP templates). Accounts count from 1.
//
// Device trust: the device credential is Config.Autoprovision.GENERAL.
// UserName / Pwd (Elastix LXPx50 template, made by Akuvox; device file
// only). The web-UI password is Config.Settings.WEB_LOGIN.Password:
// unconfirmed in a vendor guide; the key is the one an open-source Akuvox
// API client sets for the web login, in the same key space as the autop
// file. No custom CA (Config.Certificate.NN.Url is a client certificate),
// so no Akuvox model has custom_ca; SIP TLS is TransType 2 (unconfirmed
// in a vendor guide).

// akuvoxData is V for the akuvox family.
type akuvoxData struct {
	// Transport is Config.AccountN.SIP.TransType: 0 UDP, 1 TCP, 2 TLS.
	Transport string
}

func akuvoxView(v *view) (any, error) {
	return akuvoxData{Transport: transportCode(v, [3]string{"0", "1", "2"})}, nil
}
