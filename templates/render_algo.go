package templates

// Algo SIP paging adapters, speakers and strobes: "key = value" lines in
// algom<mac>.conf (FusionPBX templates/provision/algo/<model>). The device
// registers one page extension (sip.u1.*).

// algoData is V for the algo family.
type algoData struct {
	Prov provServer
}

func algoView(v *view) (any, error) {
	return algoData{Prov: provServerOf(v.ProvisionURL)}, nil
}
