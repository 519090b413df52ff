package templates

// Alcatel-Lucent Enterprise M-series (M3, M5, M7, M8) and 8028s SIP:
// <settings> of <setting id value/> items. The phone reads
// config.<model>.xml then config.<mac>.xml (DeviceProvisionFileFirst and
// Second; wazo-provd-plugins alcatel v2_13_02 base.tpl).
//
// Device trust: the device credential is DeviceProvisionServerUsername /
// DeviceProvisionServerPassword, the web-UI password
// DeviceSecurityAdminName / DeviceSecurityAdminPwd (both wazo v2_13_02;
// device file only). No custom CA parameter is named in a source, so no
// ALE model has custom_ca; SIP TLS is AccountNServer1Transport "tls" as
// wazo writes it.

// aleData is V for the ale family.
type aleData struct {
	// Transport is AccountNServer1Transport, as wazo writes it.
	Transport string
}

func aleView(v *view) (any, error) {
	return aleData{Transport: v.SIP.Transport}, nil
}
