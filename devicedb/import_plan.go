package devicedb

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/phoneprov/phoneprov/templates"
)

// importPlan is a validated export, normalised, with the decisions that
// depend on the export alone (who keeps the original username).
type importPlan struct {
	account  ClassicAccount
	digest   string
	licenses []planLicense
	users    []planUser
	devices  []planDevice
	// extUser maps an extension number to the index of its Classic user.
	extUser map[string]int
	// licenseExt maps a license id to the extension naming it.
	licenseExt map[string]string
	// licIdx maps a license id to its index in licenses.
	licIdx      map[string]int
	unsupported int
	total       int
	feat        planFeatures
}

type planLicense struct {
	ClassicLicense
	// suspended: removed by the provider (removed_at, or status
	// suspended): suspended for RemovalGrace from removedAt, then gone.
	suspended bool
	removedAt time.Time
	// note explains in the report how the removal was read.
	note string
}

type planUser struct {
	ClassicUser
	exts []planExt
	// owner indexes exts: the extension the original username follows;
	// -1 when the user keeps no extension.
	owner    int
	ownerWhy string
	warnings []string
	// vmClassic is the Classic voicemail-to-email option, before mapping.
	vmClassic string
}

type planExt struct {
	ClassicExtension
	desktop, mobile time.Time
	// reserved names a reserved extension (444, 555, 556): never assigned.
	reserved string
}

type planDevice struct {
	mac   string
	model templates.Model
	lines []ClassicDeviceLine
}

// Reserved extensions and what they are.
var reservedExtensions = map[string]string{
	"444": "the default auto attendant (kept read-only)",
	"555": "voicemail",
	"556": "the conference bridge",
}

// Classic voicemail-to-email options and what each becomes.
var classicVoicemail = map[string]string{
	"link_and_attachment": "attachment_only",
	"link_only":           "notification_only",
	"attachment_only":     "attachment_only",
	"attachment_delete":   "attachment_delete",
	"notification_only":   "notification_only",
	"disabled":            "disabled",
	"":                    DefaultVoicemail,
}

// problems collects validation failures, naming each record.
type problems struct {
	list   []string
	origin map[string]string
}

func (p *problems) add(path string, err error) {
	if err == nil {
		return
	}
	p.addf(path, "%s", err.Error())
}

func (p *problems) addf(path, format string, a ...any) {
	if len(p.list) >= maxProblems {
		return
	}
	where := path
	if o := p.origin[recordOf(path)]; o != "" {
		where += " (" + o + ")"
	}
	p.list = append(p.list, where+": "+fmt.Sprintf(format, a...))
}

// recordOf trims a field path to its record: users[3].extensions[1].number
// → users[3].extensions[1].
func recordOf(path string) string {
	if i := strings.LastIndexByte(path, ']'); i >= 0 {
		return path[:i+1]
	}
	return path
}

// planImport validates the whole export and returns its plan, or an
// *ImportError listing every problem.
func (s *Store) planImport(exp ClassicExport, now time.Time) (*importPlan, error) {
	pr := &problems{origin: exp.origin}
	p := &importPlan{account: exp.Account, extUser: map[string]int{}, licenseExt: map[string]string{}}
	raw, err := json.Marshal(canonical(exp))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	p.digest = hex.EncodeToString(sum[:])
	for _, f := range []struct{ name, v string }{{"account.pbx_name", exp.Account.PBXName}, {"account.company_name", exp.Account.CompanyName}} {
		pr.add(f.name, checkName(f.name, f.v))
	}
	p.licIdx = p.planLicenses(exp.Licenses, now, pr)
	p.planUsers(exp.Users, p.licIdx, pr)
	p.checkHolders(exp.Licenses, pr)
	p.planDevices(s.cat, exp.Devices, pr)
	p.planFeatures(exp, pr)
	if len(pr.list) > 0 {
		return nil, &ImportError{Kind: ErrInvalid, Problems: pr.list}
	}
	p.total = len(p.licenses) + len(p.users) + len(p.devices)
	return p, nil
}

// planLicenses validates the licenses. A license the provider removed
// (removed_at set, whatever its status; or status suspended, removed at
// the import) is suspended for RemovalGrace from its removal, then gone;
// a removal in the future is a problem.
func (p *importPlan) planLicenses(in []ClassicLicense, now time.Time, pr *problems) map[string]int {
	idx := map[string]int{}
	seen := map[string]int{} // every id, valid or not: duplicates are listed too
	for i, l := range in {
		path := fmt.Sprintf("licenses[%d]", i)
		n := NewLicense{ID: l.ID, Type: l.Type, Country: l.Country, ServiceAddress: l.ServiceAddress}
		if l.ID == "" {
			pr.addf(path+".id", "a license needs its id")
			continue
		}
		if j, dup := seen[l.ID]; dup {
			pr.addf(path+".id", "license %q is listed twice (also licenses[%d])", l.ID, j)
			continue
		}
		seen[l.ID] = i
		if err := n.check(); err != nil {
			pr.add(path, err)
			continue
		}
		pl := planLicense{ClassicLicense: ClassicLicense{ID: n.ID, Type: n.Type, Country: n.Country,
			ServiceAddress: n.ServiceAddress, Status: strings.ToLower(l.Status), RemovedAt: l.RemovedAt}}
		switch pl.Status {
		case "", LicenseAssigned, LicenseUnassigned:
		case LicenseSuspended:
			pl.suspended = true
		default:
			pr.addf(path+".status", "status %q: use assigned, unassigned or suspended (or leave it out)", l.Status)
		}
		if l.RemovedAt != "" {
			t, err := time.Parse(time.RFC3339, l.RemovedAt)
			switch {
			case err != nil:
				pr.addf(path+".removed_at", "%q is not an RFC 3339 time such as 2020-05-10T09:00:00Z", l.RemovedAt)
			case t.After(now):
				pr.addf(path+".removed_at", "%s is in the future (the import runs at %s): a license is removed when the provider removes it; fix the date or leave it out",
					l.RemovedAt, now.UTC().Format(time.RFC3339))
			default:
				pl.suspended, pl.removedAt = true, t.UTC()
				if pl.Status == LicenseAssigned || pl.Status == LicenseUnassigned {
					pl.note = fmt.Sprintf("the export says status %s, but a license with removed_at is one the provider removed", pl.Status)
				}
			}
		}
		idx[n.ID] = len(p.licenses)
		p.licenses = append(p.licenses, pl)
	}
	return idx
}

// checkHolders lists the licenses the export says are assigned while no
// extension names them: the export contradicts itself, and either
// reading (hand it out, or lose its holder) could be wrong.
func (p *importPlan) checkHolders(in []ClassicLicense, pr *problems) {
	for i, l := range in {
		if strings.EqualFold(l.Status, LicenseAssigned) && l.ID != "" && p.licenseExt[l.ID] == "" {
			if _, ok := p.licIdx[l.ID]; ok {
				pr.addf(fmt.Sprintf("licenses[%d].status", i), "license %q is marked assigned but no extension names it: give its extension license_id %q, or mark it unassigned", l.ID, l.ID)
			}
		}
	}
}

func (p *importPlan) planUsers(in []ClassicUser, licIdx map[string]int, pr *problems) {
	names := map[string]int{}
	phones := map[string]string{}
	zones := map[string]error{} // loading a zone is slow: once per name
	for i, u := range in {
		path := fmt.Sprintf("users[%d]", i)
		pu := planUser{ClassicUser: u, owner: -1}
		pr.add(path+".username", checkUsername(u.Username))
		if j, dup := names[strings.ToLower(u.Username)]; dup {
			pr.addf(path+".username", "username %q is also users[%d]'s", u.Username, j)
		}
		names[strings.ToLower(u.Username)] = i
		pr.add(path+".first_name", checkName("first_name", u.FirstName))
		pr.add(path+".last_name", checkName("last_name", u.LastName))
		pr.add(path+".email", checkEmail(u.Email))
		if vm, ok := classicVoicemail[u.VoicemailToEmail]; !ok {
			pr.addf(path+".voicemail_to_email", "%q: use link_and_attachment, link_only, attachment_only, attachment_delete, notification_only or disabled", u.VoicemailToEmail)
		} else {
			if vm != u.VoicemailToEmail && u.VoicemailToEmail != "" {
				pu.warnings = append(pu.warnings, fmt.Sprintf("voicemail to e-mail %s is not offered after the upgrade: set to %s", u.VoicemailToEmail, vm))
			}
			pu.vmClassic, pu.VoicemailToEmail = u.VoicemailToEmail, vm
		}
		if u.TimeZone != "" {
			err, seen := zones[u.TimeZone]
			if !seen {
				err = checkTimeZone(u.TimeZone)
				zones[u.TimeZone] = err
			}
			pr.add(path+".time_zone", err)
		}
		if u.Language != "" {
			pr.add(path+".language", checkLanguage(u.Language))
		}
		for j, e := range u.Extensions {
			epath := fmt.Sprintf("%s.extensions[%d]", path, j)
			pe := planExt{ClassicExtension: e, reserved: reservedExtensions[e.Number]}
			if err := checkExtensionNumber(e.Number); err != nil {
				pr.add(epath+".number", err)
			} else if k, dup := p.extUser[e.Number]; dup {
				pr.addf(epath+".number", "extension %s is also held by users[%d]; one extension belongs to one user", e.Number, k)
			} else {
				p.extUser[e.Number] = i
			}
			for k, n := range e.PhoneNumbers {
				npath := fmt.Sprintf("%s.phone_numbers[%d]", epath, k)
				if err := checkPhoneNumber(n); err != nil {
					pr.add(npath, err)
				} else if other, dup := phones[n]; dup {
					pr.addf(npath, "phone number %s is also on extension %s", n, other)
				} else {
					phones[n] = e.Number
				}
			}
			if e.LicenseID != "" {
				if _, ok := licIdx[e.LicenseID]; !ok {
					pr.addf(epath+".license_id", "license %q is not in the export's licenses", e.LicenseID)
				} else if other, dup := p.licenseExt[e.LicenseID]; dup {
					pr.addf(epath+".license_id", "license %q is also named by extension %s; a license goes to one user", e.LicenseID, other)
				} else {
					p.licenseExt[e.LicenseID] = e.Number
				}
			}
			var err error
			if pe.desktop, err = parseLogin(e.DesktopLoginAt); err != nil {
				pr.addf(epath+".desktop_login_at", "%v", err)
			}
			if pe.mobile, err = parseLogin(e.MobileLoginAt); err != nil {
				pr.addf(epath+".mobile_login_at", "%v", err)
			}
			if e.Virtual && (!pe.desktop.IsZero() || !pe.mobile.IsZero()) {
				// Virtual extensions have no Desktop or Mobile access: a
				// login on one is an error of the export and decides nothing.
				pu.warnings = append(pu.warnings, fmt.Sprintf("extension %s is virtual: virtual extensions have no Desktop or Mobile access, so its login in the export is ignored and does not decide who keeps username %s",
					e.Number, u.Username))
				pe.desktop, pe.mobile = time.Time{}, time.Time{}
			}
			pu.exts = append(pu.exts, pe)
		}
		pu.chooseOwner()
		p.users = append(p.users, pu)
	}
}

func parseLogin(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, fmt.Errorf("%q is not an RFC 3339 time such as 2020-05-10T09:00:00Z", v)
	}
	return t.UTC(), nil
}

func (p *importPlan) planDevices(cat *templates.Catalog, in []ClassicDevice, pr *problems) {
	macs := map[string]int{}
	for i, d := range in {
		path := fmt.Sprintf("devices[%d]", i)
		mac, err := NormalizeMAC(d.MAC)
		if err != nil {
			pr.add(path+".mac", err)
		} else if j, dup := macs[mac]; dup {
			pr.addf(path+".mac", "device %s is also devices[%d]", mac, j)
		}
		macs[mac] = i
		m, ok := cat.Lookup(d.Model)
		if !ok {
			pr.addf(path+".model", "model %q is not in the catalog; GET /api/v1/models lists the known models", d.Model)
		}
		pd := planDevice{mac: mac, model: m}
		seen := map[int]bool{}
		for j, l := range d.Lines {
			lpath := fmt.Sprintf("%s.lines[%d]", path, j)
			switch {
			case ok && (l.Line < 1 || l.Line > m.Lines):
				pr.addf(lpath+".line", "line %d: a %s has lines 1 to %d", l.Line, m.Model, m.Lines)
			case seen[l.Line]:
				pr.addf(lpath+".line", "line %d is listed twice", l.Line)
			}
			seen[l.Line] = true
			if _, held := p.extUser[l.Extension]; !held {
				pr.addf(lpath+".extension", "extension %q is not held by any user of the export", l.Extension)
			}
			pd.lines = append(pd.lines, l)
		}
		sort.Slice(pd.lines, func(a, b int) bool { return pd.lines[a].Line < pd.lines[b].Line })
		if ok && !m.Supported {
			p.unsupported++
		}
		p.devices = append(p.devices, pd)
	}
}
