package devicedb

import (
	"fmt"
	"sort"
	"strings"
)

// The account features in the Classic import: auto attendants (active and
// inactive, the default one on 444 read-only), receptionist extensions,
// sites and the users on them, the account's messaging setting, and the
// personal contacts and profile picture that follow each extension to the
// user made from it — so the original username, which follows the
// extension last logged into, gets that extension's contacts and picture,
// and each other extension's go to its own new profile.

// ClassicFeatures are the export's optional arrays of account features.
type ClassicFeatures struct {
	AutoAttendants []ClassicAutoAttendant `json:"auto_attendants,omitempty"`
	Receptionists  []ClassicReceptionist  `json:"receptionists,omitempty"`
	Sites          []ClassicSite          `json:"sites,omitempty"`
}

// ClassicAccountFeatures: the account's messaging setting (absent: left
// as it is, enabled on a new account).
type ClassicAccountFeatures struct {
	MessagingEnabled *bool `json:"messaging_enabled,omitempty"`
}

// ClassicUserFeatures: the site (a name of the export's sites) the users
// made from this Classic user are on.
type ClassicUserFeatures struct {
	Site string `json:"site,omitempty"`
}

// ClassicExtensionFeatures: what follows the login of an extension.
type ClassicExtensionFeatures struct {
	Contacts []ClassicContact `json:"contacts,omitempty"`
	// ProfilePicture is an http(s) URL or a data:image/... URI.
	ProfilePicture string `json:"profile_picture,omitempty"`
}

// ClassicContact is a personal contact of an extension.
type ClassicContact struct {
	Name   string `json:"name"`
	Number string `json:"number"`
}

// ClassicAutoAttendant is an auto attendant profile; extension 444 is
// the default one. Active defaults to true.
type ClassicAutoAttendant struct {
	Name         string   `json:"name"`
	Extension    string   `json:"extension,omitempty"`
	Active       *bool    `json:"active,omitempty"`
	PhoneNumbers []string `json:"phone_numbers,omitempty"`
}

// ClassicReceptionist is a custom receptionist extension, with the phone
// numbers that ring it.
type ClassicReceptionist struct {
	Extension    string   `json:"extension"`
	Name         string   `json:"name"`
	PhoneNumbers []string `json:"phone_numbers,omitempty"`
}

// ClassicSite is a site of the account.
type ClassicSite struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// FeaturesReport is what the import did with the account features.
type FeaturesReport struct {
	AutoAttendants []AutoAttendantReport `json:"auto_attendants,omitempty"`
	Receptionists  []ReceptionistReport  `json:"receptionists,omitempty"`
	Sites          []SiteReport          `json:"sites,omitempty"`
}

// FeatureTotals count the account features the import carried.
type FeatureTotals struct {
	AutoAttendantsCreated  int `json:"auto_attendants_created,omitempty"`
	AutoAttendantsInactive int `json:"auto_attendants_inactive,omitempty"`
	ReceptionistsCreated   int `json:"receptionists_created,omitempty"`
	SitesCreated           int `json:"sites_created,omitempty"`
	ContactsCarried        int `json:"contacts_carried,omitempty"`
	ProfilePictures        int `json:"profile_pictures_carried,omitempty"`
	// SMSUsers counts the users made with SMS (a US or Canada number,
	// messaging enabled).
	SMSUsers int `json:"sms_users,omitempty"`
}

// ProfileFeatures is what a profile got of the account features.
type ProfileFeatures struct {
	Site           string `json:"site,omitempty"`
	Contacts       int    `json:"contacts,omitempty"`
	ProfilePicture bool   `json:"profile_picture,omitempty"`
	SMS            bool   `json:"sms,omitempty"`
}

// OutcomeCarried: the default auto attendant (444), which exists on every
// account, took the export's name and numbers.
const OutcomeCarried = "carried"

// AutoAttendantReport is what became of one auto attendant.
type AutoAttendantReport struct {
	ID           int64    `json:"id,omitempty"`
	Name         string   `json:"name"`
	Extension    string   `json:"extension,omitempty"`
	Active       bool     `json:"active"`
	Default      bool     `json:"default,omitempty"`
	Outcome      string   `json:"outcome"`
	PhoneNumbers []string `json:"phone_numbers"`
	Note         string   `json:"note,omitempty"`
}

// ReceptionistReport is what became of one receptionist extension.
type ReceptionistReport struct {
	ID           int64    `json:"id,omitempty"`
	Extension    string   `json:"extension"`
	Name         string   `json:"name"`
	Outcome      string   `json:"outcome"`
	PhoneNumbers []string `json:"phone_numbers"`
	Note         string   `json:"note,omitempty"`
}

// SiteReport is what became of one site.
type SiteReport struct {
	ID      int64  `json:"id,omitempty"`
	Name    string `json:"name"`
	Address string `json:"address"`
	Outcome string `json:"outcome"`
	Note    string `json:"note,omitempty"`
}

// planFeatures is the validated account features of an export.
type planFeatures struct {
	ClassicFeatures
	// sites maps a lower-case site name to its index in Sites.
	sites map[string]int
}

// planFeatures validates the account features against the rest of the
// export (extensions and numbers are one namespace each).
func (p *importPlan) planFeatures(exp ClassicExport, pr *problems) {
	f := &p.feat
	f.ClassicFeatures, f.sites = exp.ClassicFeatures, map[string]int{}
	for i, s := range exp.Sites {
		path := fmt.Sprintf("sites[%d]", i)
		n := NewSite{Name: s.Name, Address: s.Address}
		if err := n.check(); err != nil {
			pr.add(path, err)
		}
		if j, dup := f.sites[strings.ToLower(s.Name)]; dup {
			pr.addf(path+".name", "site %q is also sites[%d]", s.Name, j)
		} else {
			f.sites[strings.ToLower(s.Name)] = i
		}
	}
	numbers := map[string]string{}
	for i, u := range exp.Users {
		path := fmt.Sprintf("users[%d]", i)
		if _, ok := f.sites[strings.ToLower(u.Site)]; u.Site != "" && !ok {
			pr.addf(path+".site", "site %q is not in the export's sites", u.Site)
		}
		for j, e := range u.Extensions {
			epath := fmt.Sprintf("%s.extensions[%d]", path, j)
			for _, n := range e.PhoneNumbers {
				numbers[n] = "extension " + e.Number
			}
			if len(e.Contacts) > maxContacts {
				pr.addf(epath+".contacts", "%d contacts: at most %d per extension", len(e.Contacts), maxContacts)
			}
			for k, c := range e.Contacts {
				pr.add(fmt.Sprintf("%s.contacts[%d]", epath, k), checkContact(Contact(c)))
			}
			pr.add(epath+".profile_picture", checkPicture(e.ProfilePicture))
		}
	}
	exts := map[string]string{}
	claim := func(path, ext, what string) {
		if err := checkExtensionNumber(ext); err != nil {
			pr.add(path, err)
			return
		}
		if r := reservedExtensions[ext]; r != "" && !(ext == "444" && strings.HasPrefix(what, "auto attendant")) {
			pr.addf(path, "extension %s is %s: it cannot be %s", ext, r, what)
			return
		}
		if k, held := p.extUser[ext]; held && ext != "444" {
			pr.addf(path, "extension %s is also held by users[%d]; one extension is one user, auto attendant or receptionist", ext, k)
			return
		}
		if other, dup := exts[ext]; dup {
			pr.addf(path, "extension %s is also %s", ext, other)
			return
		}
		exts[ext] = what
	}
	checkNumbers := func(path, owner string, ns []string) {
		for k, n := range ns {
			npath := fmt.Sprintf("%s.phone_numbers[%d]", path, k)
			if err := checkPhoneNumber(n); err != nil {
				pr.add(npath, err)
			} else if other, dup := numbers[n]; dup {
				pr.addf(npath, "phone number %s is also on %s", n, other)
			} else {
				numbers[n] = owner
			}
		}
	}
	names := map[string]int{}
	for i, a := range exp.AutoAttendants {
		path := fmt.Sprintf("auto_attendants[%d]", i)
		pr.add(path+".name", checkAAName(a.Name))
		if j, dup := names[strings.ToLower(a.Name)]; dup {
			pr.addf(path+".name", "auto attendant %q is also auto_attendants[%d]", a.Name, j)
		}
		names[strings.ToLower(a.Name)] = i
		if a.Extension != "" {
			claim(path+".extension", a.Extension, fmt.Sprintf("auto attendant %q", a.Name))
		}
		checkNumbers(path, fmt.Sprintf("auto attendant %q", a.Name), a.PhoneNumbers)
	}
	for i, r := range exp.Receptionists {
		path := fmt.Sprintf("receptionists[%d]", i)
		pr.add(path+".name", checkName("name", r.Name))
		if r.Extension == "" {
			pr.addf(path+".extension", "a receptionist needs its extension")
		} else {
			claim(path+".extension", r.Extension, fmt.Sprintf("receptionist %q", r.Name))
		}
		checkNumbers(path, "receptionist extension "+r.Extension, r.PhoneNumbers)
	}
}

// featureState is what the run knows of the account features in the
// database.
type featureState struct {
	messaging bool
	// siteID maps a lower-case export site name to its site id.
	siteID map[string]int64
	// aaName maps a lower-case auto attendant name to its id.
	aaName    map[string]int64
	defaultAA int64
	// routed maps the numbers answering an auto attendant or a
	// receptionist to what answers them.
	routed map[string]string
}

// featuresBefore runs before the users: the account's settings, the
// sites the users go on, and the clashes of the export's users with the
// auto attendants and receptionists already in the database.
func (a *applier) featuresBefore() error {
	t, f := a.t, &featureState{siteID: map[string]int64{}, aaName: map[string]int64{}, routed: map[string]string{}}
	a.feat = f
	acct, err := loadAccount(t.ctx, t)
	if err != nil {
		return err
	}
	f.messaging = acct.MessagingEnabled
	rows, err := t.QueryContext(t.ctx, `SELECT id, name, is_default FROM auto_attendants`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var name string
		var def bool
		if err := rows.Scan(&id, &name, &def); err != nil {
			rows.Close()
			return err
		}
		f.aaName[strings.ToLower(name)] = id
		if def {
			f.defaultAA = id
		}
	}
	rows.Close()
	rows, err = t.QueryContext(t.ctx, `SELECT p.number, CASE WHEN p.aa_id IS NOT NULL THEN 'auto attendant "' || a.name || '"'
		ELSE 'receptionist extension ' || r.extension END
		FROM phone_numbers p LEFT JOIN auto_attendants a ON a.id = p.aa_id LEFT JOIN receptionists r ON r.id = p.receptionist_id
		WHERE p.aa_id IS NOT NULL OR p.receptionist_id IS NOT NULL`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var n, what string
		if err := rows.Scan(&n, &what); err != nil {
			rows.Close()
			return err
		}
		f.routed[n] = what
	}
	rows.Close()
	if err := a.accountSettings(acct); err != nil {
		return err
	}
	for _, s := range a.p.feat.Sites {
		if err := a.site(s); err != nil {
			return err
		}
	}
	for i, pu := range a.p.users {
		for _, e := range pu.exts {
			if _, made := a.object("user", strings.ToLower(pu.Username)+"/"+e.Number); made || e.reserved != "" {
				continue
			}
			if st, ok := a.exts[e.Number]; ok && st.kind == "reserved" {
				var label string
				if err := t.QueryRowContext(t.ctx, `SELECT label FROM extensions WHERE number = ?`, e.Number).Scan(&label); err != nil {
					return err
				}
				a.conflict("users[%d]: extension %s is taken (%s) and cannot be a user's", i, e.Number, label)
			}
			for _, n := range e.PhoneNumbers {
				if what := f.routed[n]; what != "" {
					a.conflict("users[%d]: phone number %s answers %s already; point it elsewhere first", i, n, what)
				}
			}
		}
	}
	return nil
}

// accountSettings carries the account's names and messaging setting, once:
// a re-run leaves what an admin changed since.
func (a *applier) accountSettings(cur Account) error {
	t, acct := a.t, a.p.account
	if _, done := a.object("setting", "account"); !done && (acct.PBXName != "" || acct.CompanyName != "") {
		if acct.PBXName != cur.PBXName || acct.CompanyName != cur.CompanyName {
			if _, err := t.ExecContext(t.ctx, `UPDATE account_settings SET pbx_name = ?, company_name = ?, updated_at = ? WHERE id = 1`,
				acct.PBXName, acct.CompanyName, t.now.Unix()); err != nil {
				return err
			}
			a.rep.Totals.Changed = true
			if err := a.audit("import_update", "account", "1", map[string]string{"pbx_name": acct.PBXName, "company_name": acct.CompanyName}); err != nil {
				return err
			}
		}
		if err := a.record("setting", "account", 0); err != nil {
			return err
		}
	}
	m := acct.MessagingEnabled
	if m == nil {
		return nil
	}
	if _, done := a.object("setting", "messaging_enabled"); done {
		return nil
	}
	if *m != a.feat.messaging {
		if err := t.setMessaging(*m); err != nil {
			return err
		}
		a.feat.messaging = *m
		a.rep.Totals.Changed = true
		if err := a.audit("import_update", "account", "1", map[string]bool{"messaging_enabled": *m}); err != nil {
			return err
		}
	}
	return a.record("setting", "messaging_enabled", 0)
}

// site makes one site of the export, or finds the one of that name.
func (a *applier) site(s ClassicSite) error {
	t, key := a.t, strings.ToLower(s.Name)
	sr := SiteReport{Name: s.Name, Address: s.Address}
	defer func() { a.rep.Sites = append(a.rep.Sites, sr) }()
	if obj, ok := a.object("site", key); ok {
		sr.ID, sr.Outcome, sr.Note = obj.local, OutcomeUnchanged, fmt.Sprintf("made by import run %d", obj.run)
		a.feat.siteID[key] = obj.local
		return nil
	}
	var addr string
	err := t.QueryRowContext(t.ctx, `SELECT id, address FROM sites WHERE name = ?`, s.Name).Scan(&sr.ID, &addr)
	switch {
	case err == nil:
		sr.Outcome, sr.Note = OutcomeUnchanged, "a site of this name exists already: its users are put on it"
		if addr != s.Address {
			sr.Note += fmt.Sprintf("; its address %q is kept", addr)
		}
		a.feat.siteID[key] = sr.ID
		return nil
	case !noRows(err):
		return err
	}
	n := NewSite{Name: s.Name, Address: s.Address}
	if err := n.check(); err != nil {
		return err
	}
	if sr.ID, err = t.insertSite(n); err != nil {
		return err
	}
	sr.Outcome = OutcomeCreated
	a.feat.siteID[key] = sr.ID
	a.rep.Totals.SitesCreated++
	a.rep.Totals.Changed = true
	if err := a.record("site", key, sr.ID); err != nil {
		return err
	}
	return a.audit("import_create", "site", idStr(sr.ID), n)
}

// profileFeatures gives a new profile its site and, when it has an
// extension, that extension's contacts and picture.
func (a *applier) profileFeatures(id int64, pu *planUser, e planExt, pr *ProfileReport) error {
	t := a.t
	if pu.Site != "" {
		if _, err := t.ExecContext(t.ctx, `UPDATE users SET site_id = ? WHERE id = ?`, a.feat.siteID[strings.ToLower(pu.Site)], id); err != nil {
			return err
		}
		pr.Site = a.p.feat.Sites[a.p.feat.sites[strings.ToLower(pu.Site)]].Name
	}
	if e.Number == "" {
		return nil
	}
	if len(e.Contacts) > 0 {
		cs := make([]Contact, len(e.Contacts))
		for i, c := range e.Contacts {
			cs[i] = Contact(c)
		}
		if err := t.setContacts(id, cs); err != nil {
			return err
		}
		pr.Contacts = len(cs)
		a.rep.Totals.ContactsCarried += len(cs)
	}
	if e.ProfilePicture != "" {
		if _, err := t.ExecContext(t.ctx, `UPDATE users SET profile_picture = ? WHERE id = ?`, e.ProfilePicture, id); err != nil {
			return err
		}
		pr.ProfilePicture = true
		a.rep.Totals.ProfilePictures++
	}
	if pr.SMS = smsFor(a.feat.messaging, e.PhoneNumbers); pr.SMS {
		a.rep.Totals.SMSUsers++
	}
	return nil
}

// featuresAfter runs after the users and devices: numbers of reserved
// extensions get their route, then auto attendants and receptionists.
func (a *applier) featuresAfter() error {
	t := a.t
	for _, pu := range a.p.users {
		for _, e := range pu.exts {
			var q string
			var arg any
			switch e.Number {
			case "444":
				q, arg = `UPDATE phone_numbers SET aa_id = ? WHERE number = ? AND user_id IS NULL AND aa_id IS NULL AND receptionist_id IS NULL AND rings = ''`, a.feat.defaultAA
			case "555", "556":
				q, arg = `UPDATE phone_numbers SET rings = ? WHERE number = ? AND user_id IS NULL AND aa_id IS NULL AND receptionist_id IS NULL AND rings = ''`, e.Number
			default:
				continue
			}
			for _, n := range e.PhoneNumbers {
				if _, err := t.ExecContext(t.ctx, q, arg, n); err != nil {
					return err
				}
			}
		}
	}
	// A number given to a user no longer rings voicemail or the bridge.
	if _, err := t.ExecContext(t.ctx, `UPDATE phone_numbers SET rings = '' WHERE user_id IS NOT NULL AND rings <> ''`); err != nil {
		return err
	}
	for i := range a.p.feat.AutoAttendants {
		if err := a.autoAttendant(i); err != nil {
			return err
		}
	}
	for i := range a.p.feat.Receptionists {
		if err := a.receptionist(i); err != nil {
			return err
		}
	}
	return nil
}

// freeNumbers reports whether none of numbers clashes with the database
// (a user's, or answering an auto attendant or receptionist); a clash is
// listed as a conflict.
func (a *applier) freeNumbers(path string, ns []string) bool {
	for _, n := range ns {
		if owner := a.numbers[n]; owner != 0 {
			a.conflict("%s: phone number %s belongs to user %s (id %d) already; remove it there first", path, n, a.users[owner], owner)
			return false
		}
		if what := a.feat.routed[n]; what != "" {
			a.conflict("%s: phone number %s answers %s already; point it elsewhere first", path, n, what)
			return false
		}
	}
	return true
}

// routeNumbers points numbers to an auto attendant or receptionist made
// by this run (col is aa_id or receptionist_id).
func (a *applier) routeNumbers(col string, id int64, routing string, ns []string) error {
	t := a.t
	for _, n := range ns {
		var err error
		if _, known := a.numbers[n]; known {
			_, err = t.ExecContext(t.ctx, `UPDATE phone_numbers SET `+col+` = ?, rings = '', routing = ? WHERE number = ?`, id, routing, n)
		} else {
			_, err = t.ExecContext(t.ctx, `INSERT INTO phone_numbers (number, routing, `+col+`) VALUES (?,?,?)`, n, routing, id)
			a.rep.Totals.PhoneNumbers++
		}
		if err != nil {
			return err
		}
		a.numbers[n] = 0
		a.feat.routed[n] = routing
	}
	return nil
}

// autoAttendant carries one auto attendant profile of the export.
func (a *applier) autoAttendant(i int) error {
	t, c := a.t, a.p.feat.AutoAttendants[i]
	path := fmt.Sprintf("auto_attendants[%d]", i)
	ar := AutoAttendantReport{Name: c.Name, Extension: c.Extension, Active: c.Active == nil || *c.Active,
		Default: c.Extension == "444", PhoneNumbers: append([]string{}, c.PhoneNumbers...)}
	sort.Strings(ar.PhoneNumbers)
	defer func() { a.rep.AutoAttendants = append(a.rep.AutoAttendants, ar) }()
	key := "name:" + strings.ToLower(c.Name)
	if c.Extension != "" {
		key = c.Extension
	}
	if obj, ok := a.object("auto_attendant", key); ok {
		ar.ID, ar.Outcome, ar.Note = obj.local, OutcomeUnchanged, fmt.Sprintf("made by import run %d", obj.run)
		if _, err := getAA(t.ctx, t, obj.local); err != nil {
			ar.Outcome, ar.Note = OutcomeSkipped, fmt.Sprintf("made by import run %d and deleted since: not made again", obj.run)
		}
		return nil
	}
	if other, taken := a.feat.aaName[strings.ToLower(c.Name)]; taken && !ar.Default && other == a.feat.defaultAA {
		a.conflict("%s: the default auto attendant (444) is named %q; give this one another name in the export, or put it on extension 444 if it is the default one", path, c.Name)
		return nil
	} else if taken && !(ar.Default && other == a.feat.defaultAA) {
		a.conflict("%s: an auto attendant named %q exists already (id %d) and was not made by an import; rename it first", path, c.Name, other)
		return nil
	}
	if !a.freeNumbers(path, c.PhoneNumbers) {
		return nil
	}
	if ar.Default {
		ar.ID, ar.Outcome = a.feat.defaultAA, OutcomeCarried
		ar.Note = "the default auto attendant: it keeps working, read-only; to change it, create a new auto attendant and point these numbers to it"
		if _, err := t.ExecContext(t.ctx, `UPDATE auto_attendants SET name = ?, active = ? WHERE id = ?`, c.Name, ar.Active, ar.ID); err != nil {
			return err
		}
	} else {
		if _, taken := a.exts[c.Extension]; c.Extension != "" && taken {
			a.conflict("%s: extension %s exists already and was not made by an import; free it first", path, c.Extension)
			return nil
		}
		var ext any
		if c.Extension != "" {
			if _, err := t.ExecContext(t.ctx, `INSERT INTO extensions (number, kind, read_only, label) VALUES (?, 'reserved', 0, ?)`,
				c.Extension, "auto attendant "+c.Name); err != nil {
				return err
			}
			a.exts[c.Extension] = extState{kind: "reserved"}
			ext = c.Extension
		}
		if err := t.QueryRowContext(t.ctx, `INSERT INTO auto_attendants (name, extension, active, created_at, updated_at) VALUES (?,?,?,?,?) RETURNING id`,
			c.Name, ext, ar.Active, t.now.Unix(), t.now.Unix()).Scan(&ar.ID); err != nil {
			return err
		}
		ar.Outcome = OutcomeCreated
		a.rep.Totals.AutoAttendantsCreated++
		if !ar.Active {
			a.rep.Totals.AutoAttendantsInactive++
			ar.Note = "inactive in Classic: carried inactive"
		}
	}
	a.feat.aaName[strings.ToLower(c.Name)] = ar.ID
	if err := a.routeNumbers("aa_id", ar.ID, "auto attendant "+c.Name, c.PhoneNumbers); err != nil {
		return err
	}
	a.rep.Totals.Changed = true
	if err := a.record("auto_attendant", key, ar.ID); err != nil {
		return err
	}
	return a.audit("import_create", "auto_attendant", idStr(ar.ID), ar)
}

// receptionist carries one custom receptionist extension.
func (a *applier) receptionist(i int) error {
	t, c := a.t, a.p.feat.Receptionists[i]
	path := fmt.Sprintf("receptionists[%d]", i)
	rr := ReceptionistReport{Extension: c.Extension, Name: c.Name, PhoneNumbers: append([]string{}, c.PhoneNumbers...)}
	sort.Strings(rr.PhoneNumbers)
	defer func() { a.rep.Receptionists = append(a.rep.Receptionists, rr) }()
	if obj, ok := a.object("receptionist", c.Extension); ok {
		rr.ID, rr.Outcome, rr.Note = obj.local, OutcomeUnchanged, fmt.Sprintf("made by import run %d", obj.run)
		return nil
	}
	if _, taken := a.exts[c.Extension]; taken {
		a.conflict("%s: extension %s exists already and was not made by an import; free it first", path, c.Extension)
		return nil
	}
	if !a.freeNumbers(path, c.PhoneNumbers) {
		return nil
	}
	if _, err := t.ExecContext(t.ctx, `INSERT INTO extensions (number, kind, read_only, label) VALUES (?, 'reserved', 0, ?)`,
		c.Extension, strings.TrimSpace("receptionist "+c.Name)); err != nil {
		return err
	}
	a.exts[c.Extension] = extState{kind: "reserved"}
	if err := t.QueryRowContext(t.ctx, `INSERT INTO receptionists (extension, name, created_at) VALUES (?,?,?) RETURNING id`,
		c.Extension, c.Name, t.now.Unix()).Scan(&rr.ID); err != nil {
		return err
	}
	rr.Outcome = OutcomeCreated
	rr.Note = "keeps working; not editable after the upgrade, and only support removes it"
	if err := a.routeNumbers("receptionist_id", rr.ID, "receptionist "+c.Extension, c.PhoneNumbers); err != nil {
		return err
	}
	a.rep.Totals.ReceptionistsCreated++
	a.rep.Totals.Changed = true
	if err := a.record("receptionist", c.Extension, rr.ID); err != nil {
		return err
	}
	return a.audit("import_create", "receptionist", idStr(rr.ID), rr)
}

// csvFeatures reads the account features from the CSV tables: the new
// columns of account.csv, users.csv and extensions.csv, and the tables
// contacts.csv, auto_attendants.csv, receptionists.csv and sites.csv.
func csvFeatures(exp *ClassicExport, tables map[string][]csvRow) error {
	if rows := tables["account"]; len(rows) == 1 && rows[0].get("messaging_enabled") != "" {
		on, err := csvBool(rows[0].get("messaging_enabled"))
		if err != nil {
			return invalid("account.csv line %d: messaging_enabled %q: %v", rows[0].line, rows[0].get("messaging_enabled"), err)
		}
		exp.Account.MessagingEnabled = &on
	}
	for i, r := range tables["users"] {
		exp.Users[i].Site = r.get("site")
	}
	// extensions.csv rows are the users' extensions in order.
	byName := map[string]int{}
	for i := len(exp.Users) - 1; i >= 0; i-- {
		byName[strings.ToLower(exp.Users[i].Username)] = i
	}
	seen := map[int]int{}
	for _, r := range tables["extensions"] {
		i := byName[strings.ToLower(r.get("username"))]
		exp.Users[i].Extensions[seen[i]].ProfilePicture = r.get("profile_picture")
		seen[i]++
	}
	for _, r := range tables["contacts"] {
		i, ok := byName[strings.ToLower(r.get("username"))]
		if !ok {
			return invalid("contacts.csv line %d: username %q is not in users.csv", r.line, r.get("username"))
		}
		u, found := &exp.Users[i], false
		for j := range u.Extensions {
			if e := &u.Extensions[j]; e.Number == r.get("extension") {
				e.Contacts = append(e.Contacts, ClassicContact{Name: r.get("name"), Number: r.get("number")})
				found = true
				break
			}
		}
		if !found {
			return invalid("contacts.csv line %d: user %q has no extension %q in extensions.csv", r.line, r.get("username"), r.get("extension"))
		}
	}
	for _, r := range tables["sites"] {
		exp.origin[fmt.Sprintf("sites[%d]", len(exp.Sites))] = fmt.Sprintf("sites.csv line %d", r.line)
		exp.Sites = append(exp.Sites, ClassicSite{Name: r.get("name"), Address: r.get("address")})
	}
	for _, r := range tables["auto_attendants"] {
		aa := ClassicAutoAttendant{Name: r.get("name"), Extension: r.get("extension"), PhoneNumbers: splitNumbers(r.get("phone_numbers"))}
		if v := r.get("active"); v != "" {
			on, err := csvBool(v)
			if err != nil {
				return invalid("auto_attendants.csv line %d: active %q: %v", r.line, v, err)
			}
			aa.Active = &on
		}
		if len(aa.PhoneNumbers) == 0 {
			aa.PhoneNumbers = nil
		}
		exp.origin[fmt.Sprintf("auto_attendants[%d]", len(exp.AutoAttendants))] = fmt.Sprintf("auto_attendants.csv line %d", r.line)
		exp.AutoAttendants = append(exp.AutoAttendants, aa)
	}
	for _, r := range tables["receptionists"] {
		rc := ClassicReceptionist{Extension: r.get("extension"), Name: r.get("name"), PhoneNumbers: splitNumbers(r.get("phone_numbers"))}
		if len(rc.PhoneNumbers) == 0 {
			rc.PhoneNumbers = nil
		}
		exp.origin[fmt.Sprintf("receptionists[%d]", len(exp.Receptionists))] = fmt.Sprintf("receptionists.csv line %d", r.line)
		exp.Receptionists = append(exp.Receptionists, rc)
	}
	return nil
}
