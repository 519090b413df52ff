package templates

// CyberData SIP paging and intercom devices: an XML file per device,
// <mac>.xml, after the default file 000000cd.xml. The element names are
// not verified against a device or an open-source anchor: every CyberData
// model is unsupported in the catalog, so this family only renders the
// frozen config of an imported device.

// cyberdataData is V for the cyberdata family.
type cyberdataData struct{}

func cyberdataView(*view) (any, error) { return cyberdataData{}, nil }
