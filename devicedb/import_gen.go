package devicedb

import (
	"fmt"
	"time"
)

// SyntheticExport makes a deterministic Classic export of the given size,
// for benchmarks and load tests: users users holding extensions extensions
// (the first extensions-users users get two; extensions >= users), one
// license and one phone number per extension, and devices devices with
// line 1 on an extension each (devices <= extensions), every fourth of an
// unsupported model. A tenth of the users have no Desktop or Mobile login.
func SyntheticExport(users, extensions, devices int) ClassicExport {
	exp := ClassicExport{Account: ClassicAccount{PBXName: "PBX-SYNTH", CompanyName: "Synthetic Inc"}}
	base := time.Date(2020, 5, 1, 9, 0, 0, 0, time.UTC)
	ext := 0
	for i := 0; i < users; i++ {
		u := ClassicUser{Username: fmt.Sprintf("user%06d", i), FirstName: "First", LastName: fmt.Sprintf("Last%d", i),
			Email: fmt.Sprintf("user%06d@synthetic.example", i), VoicemailToEmail: "link_and_attachment",
			TimeZone: "America/New_York", Language: "en-US"}
		n := 1
		if i < extensions-users {
			n = 2
		}
		for k := 0; k < n; k++ {
			num := fmt.Sprintf("%d", 100000+ext)
			lic := fmt.Sprintf("L-%06d", ext)
			exp.Licenses = append(exp.Licenses, ClassicLicense{ID: lic, Type: "X4", Country: "US", ServiceAddress: "1 Main St, New York, NY"})
			e := ClassicExtension{Number: num, PhoneNumbers: []string{fmt.Sprintf("+1415%07d", ext)}, LicenseID: lic}
			if i%10 != 0 {
				e.DesktopLoginAt = base.Add(time.Duration(ext) * time.Minute).Format(time.RFC3339)
			}
			u.Extensions = append(u.Extensions, e)
			ext++
		}
		exp.Users = append(exp.Users, u)
	}
	for i := 0; i < devices && i < ext; i++ {
		model := "VVX 410"
		if i%4 == 3 {
			model = "SoundPoint IP 335"
		}
		exp.Devices = append(exp.Devices, ClassicDevice{MAC: fmt.Sprintf("0004f2%06x", i), Model: model,
			Lines: []ClassicDeviceLine{{Line: 1, Extension: fmt.Sprintf("%d", 100000+i)}}})
	}
	return exp
}
