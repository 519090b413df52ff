package templates

// CyberData SIP paging and intercom devices: an XML file per device,
// <mac>.xml, after the default file 000000cd.xml. The element names are
// not verified against a device or an open-source anchor: every CyberData
// model is unsupported in the catalog, so this family only renders the
// frozen config of an imported device.
//
// Device trust: the device credential rides as userinfo in the
// autoprovisioning server URL (unconfirmed, like every element here); no
// web-UI password, custom CA or SIP TLS is rendered.

// cyberdataData is V for the cyberdata family.
type cyberdataData struct {
	// ProvURL is the autoprovisioning server, with the device's HTTP
	// credentials as userinfo in its own file.
	ProvURL string
}

func cyberdataView(v *view) (any, error) {
	return cyberdataData{ProvURL: withUserinfo(v.ProvisionURL, v.HTTPUser, v.HTTPPassword)}, nil
}
