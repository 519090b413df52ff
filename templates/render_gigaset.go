package templates

import "fmt"

// Gigaset N670/N870/N870E IP PRO (and the older N510/N720, served the same
// file): <provisioning version="1.1" productID="e2"><nvm> with <param
// name value/> items; one SIP provider (0) and one account per handset
// line, numbered 00001.. (wazo-provd-plugins gigaset Nx70 base.tpl). The
// device file is <mac>.xml.
//
// Device trust: the device credential rides as userinfo in
// Provisioning.global.ProvisioningServer (Gigaset's wiki documents the
// form http(s)://<user>:<password>@URL for the provisioning URL an N610/
// N670/N870 from 2.53 gets from the redirect server, and that the phone
// then answers the server's digest challenge with it; that the same
// form is honoured in the provisioning file is unconfirmed). The web-UI
// password is WebUIAccounts.1.Password (wazo Nx70 base.tpl). No custom CA
// parameter is named in a source, so no Gigaset model has custom_ca; SIP
// TLS is SipProvider.0.TransportProtocol 3.

// gigasetData is V for the gigaset family.
type gigasetData struct {
	// ProvURL is Provisioning.global.ProvisioningServer, with the
	// device's HTTP credentials as userinfo in its own file.
	ProvURL string
	// Transport is SipProvider.0.TransportProtocol: 1 UDP, 2 TCP, 3 TLS
	// (wazo gigaset common.py _SIP_TRANSPORT).
	Transport string
	// Accounts are the line slots with their SipAccount number.
	Accounts []gigasetAccount
}

// gigasetAccount is one SipAccount.<No>.
type gigasetAccount struct {
	lineView
	No string // "00001"
}

func gigasetView(v *view) (any, error) {
	d := gigasetData{Transport: transportCode(v, [3]string{"1", "2", "3"}),
		ProvURL: withUserinfo(v.ProvisionURL, v.HTTPUser, v.HTTPPassword)}
	for _, l := range v.Lines {
		d.Accounts = append(d.Accounts, gigasetAccount{lineView: l, No: fmt.Sprintf("%05d", l.Index)})
	}
	return d, nil
}
