package main

import "fmt"

// classicExport is the Classic export of CONTRACT.md ("Classic export"),
// the input of POST /api/v1/imports/classic. The harness writes it as any
// outside tool would, from the contract, not from the server's types.
type classicExport struct {
	Account  classicAccount   `json:"account"`
	Licenses []classicLicense `json:"licenses"`
	Users    []classicUser    `json:"users"`
	Devices  []classicDevice  `json:"devices"`
}

type classicAccount struct {
	PBXName     string `json:"pbx_name"`
	CompanyName string `json:"company_name"`
}

type classicLicense struct {
	ID             string `json:"id"`
	Type           string `json:"type"`
	Country        string `json:"country"`
	ServiceAddress string `json:"service_address"`
}

type classicUser struct {
	Username         string             `json:"username"`
	FirstName        string             `json:"first_name"`
	LastName         string             `json:"last_name"`
	Email            string             `json:"email"`
	VoicemailToEmail string             `json:"voicemail_to_email"`
	TimeZone         string             `json:"time_zone"`
	Extensions       []classicExtension `json:"extensions"`
}

type classicExtension struct {
	Number       string   `json:"number"`
	Virtual      bool     `json:"virtual"`
	PhoneNumbers []string `json:"phone_numbers"`
	LicenseID    string   `json:"license_id"`
}

type classicDevice struct {
	MAC   string              `json:"mac"`
	Model string              `json:"model"`
	Lines []classicDeviceLine `json:"lines"`
}

type classicDeviceLine struct {
	Line      int    `json:"line"`
	Extension string `json:"extension"`
}

// seedExport is the export that makes the account of ds, as the admin API
// seeding does: per phone a user (the device's username and extension,
// time zone America/New_York, voicemail to e-mail as notification), its
// own X4 license and the phone with line 1 on the extension. Each user has
// one extension, so none is split and no welcome message is queued.
func seedExport(ds []device) classicExport {
	exp := classicExport{Account: classicAccount{PBXName: "PBX-BENCH", CompanyName: "phoneprov-bench"},
		Licenses: make([]classicLicense, 0, len(ds)), Users: make([]classicUser, 0, len(ds)),
		Devices: make([]classicDevice, 0, len(ds))}
	for _, d := range ds {
		name, ext, lic := d.username(), d.extension(), d.licenseID()
		exp.Licenses = append(exp.Licenses, classicLicense{ID: lic, Type: "X4", Country: "US",
			ServiceAddress: "1 Main St, New York, NY"})
		exp.Users = append(exp.Users, classicUser{Username: name, FirstName: "Storm",
			LastName: fmt.Sprintf("Phone %d", d.n), Email: name + "@storm.example",
			VoicemailToEmail: "notification_only", TimeZone: "America/New_York",
			Extensions: []classicExtension{{Number: ext, PhoneNumbers: []string{}, LicenseID: lic}}})
		exp.Devices = append(exp.Devices, classicDevice{MAC: d.mac, Model: d.v.model,
			Lines: []classicDeviceLine{{Line: 1, Extension: ext}}})
	}
	return exp
}
