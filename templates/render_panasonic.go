package templates

// Panasonic KX-UT, KX-TGP and KX-HDV: 'KEY="value"' lines after the fixed
// first line; the phone reads Config<MAC>.cfg (CFG_STANDARD_FILE_PATH) and
// its product file <model>.cfg (wazo-provd-plugins panasonic base.tpl and
// common.py; FusionPBX templates/provision/panasonic). Lines count from 1.
//
// Device trust: the device credential is HTTP_AUTH_ID / HTTP_AUTH_PASS
// (device file only), the web-UI password ADMIN_ID / ADMIN_PASS
// (FusionPBX panasonic/tgp550 {$mac}.cfg; the KX-UT admin guide allows 6
// to 16 characters without " & ' : < > and space), the CA
// CFG_ROOT_CERTIFICATE_PATH, a URL the phone downloads the root
// certificate from (FusionPBX ut113, element CertificateFileURL), SIP TLS
// SIP_TRANSPORT_n 2.

// panasonicData is V for the panasonic family.
type panasonicData struct {
	// StandardFile is CFG_STANDARD_FILE_PATH: the per-device file with
	// the phone's own {MAC} macro.
	StandardFile string
	// Transport is SIP_TRANSPORT_n: 0 UDP, 1 TCP, 2 TLS.
	Transport string
	// IntervalMinutes is CFG_CYCLIC_INTVL.
	IntervalMinutes int
}

func panasonicView(v *view) (any, error) {
	d := panasonicData{Transport: transportCode(v, [3]string{"0", "1", "2"}), IntervalMinutes: 1440}
	if v.ProvisionURL != "" {
		d.StandardFile = v.ProvisionURL + deviceFile(v.Model, "Config{MAC}.cfg")
	}
	if v.ResyncInterval > 0 {
		d.IntervalMinutes = ceilDiv(v.ResyncInterval, 60, 1)
	}
	return d, nil
}
