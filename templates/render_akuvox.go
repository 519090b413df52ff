package templates

// Akuvox door phones and intercoms (R2x, E1x, X9xx): "Config.<Module>.<Section>.<Key> = value"
// lines in <mac>.cfg (Akuvox autoprovisioning; the same keys appear in the
// Akuvox-made Elastix LXP templates). Accounts count from 1.

// akuvoxData is V for the akuvox family.
type akuvoxData struct {
	// Transport is Config.AccountN.SIP.TransType: 0 UDP, 1 TCP, 2 TLS.
	Transport string
}

func akuvoxView(v *view) (any, error) {
	return akuvoxData{Transport: transportCode(v, [3]string{"0", "1", "2"})}, nil
}
