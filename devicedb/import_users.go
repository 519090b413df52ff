package devicedb

import (
	"fmt"
	"sort"
	"strings"
)

// user applies one Classic user: one X Series user per assignable
// extension (the original username on the one the user last logged into),
// or one profile when the user keeps no extension.
func (a *applier) user(i int) error {
	pu := &a.p.users[i]
	ur := UserReport{ClassicUsername: pu.Username, Profiles: []ProfileReport{}, Warnings: append([]string{}, pu.warnings...)}
	var assignable []int
	for j, e := range pu.exts {
		if e.reserved == "" {
			assignable = append(assignable, j)
			continue
		}
		a.rep.Totals.ReservedExtensions++
		ur.Warnings = append(ur.Warnings, fmt.Sprintf("extension %s is %s: never assigned to a user", e.Number, e.reserved))
		if e.LicenseID != "" {
			ur.Warnings = append(ur.Warnings, fmt.Sprintf("license %s, named by extension %s, stays unassigned", e.LicenseID, e.Number))
		}
		for _, n := range e.PhoneNumbers {
			if err := a.unassignedNumber(n, e); err != nil {
				return err
			}
		}
	}
	sort.Slice(assignable, func(x, y int) bool { return extLess(pu.exts[assignable[x]].Number, pu.exts[assignable[y]].Number) })
	tz, lang := pu.TimeZone, pu.Language
	if len(pu.exts) == 0 {
		// Profile-only users get US Pacific time and English.
		if tz != "" && tz != DefaultTimeZone {
			ur.Warnings = append(ur.Warnings, fmt.Sprintf("profile-only user: time zone %s becomes %s", tz, DefaultTimeZone))
		}
		if lang != "" && lang != DefaultLanguage {
			ur.Warnings = append(ur.Warnings, fmt.Sprintf("profile-only user: language %s becomes %s", lang, DefaultLanguage))
		}
		tz, lang = DefaultTimeZone, DefaultLanguage
		a.rep.Totals.ProfileOnly++
	}
	if tz == "" {
		tz = DefaultTimeZone
	}
	if lang == "" {
		lang = DefaultLanguage
	}
	if len(assignable) == 0 {
		pr, err := a.profile(i, -1, true, tz, lang)
		if err != nil {
			return err
		}
		ur.Profiles = append(ur.Profiles, pr)
	}
	for _, j := range assignable {
		pr, err := a.profile(i, j, j == pu.owner, tz, lang)
		if err != nil {
			return err
		}
		ur.Profiles = append(ur.Profiles, pr)
	}
	a.userOutcome(pu, &ur)
	a.rep.Totals.ClassicUsers++
	a.rep.Totals.Warnings += len(ur.Warnings)
	a.rep.Users = append(a.rep.Users, ur)
	return nil
}

// userOutcome sums up the profiles of a Classic user.
func (a *applier) userOutcome(pu *planUser, ur *UserReport) {
	var created, kept, skipped []string
	for _, p := range ur.Profiles {
		label := p.Username
		if p.Extension != "" {
			label = p.Extension
		}
		switch p.Outcome {
		case OutcomeCreated:
			created = append(created, label)
		case OutcomeUnchanged:
			kept = append(kept, label)
		default:
			skipped = append(skipped, label)
		}
	}
	switch {
	case len(created) > 0 && len(ur.Profiles) > 1:
		ur.Outcome = OutcomeSplit
		a.rep.Totals.UsersSplit++
		var others []string
		for _, p := range ur.Profiles {
			if !p.Original {
				others = append(others, p.Extension)
			}
		}
		verb := "get new users"
		if len(others) == 1 {
			verb = "gets a new user"
		}
		ur.Detail = fmt.Sprintf("split into %d users, one per extension: %s keeps extension %s, %s; %s %s",
			len(ur.Profiles), pu.Username, pu.exts[pu.owner].Number, pu.ownerWhy, strings.Join(others, ", "), verb)
	case len(created) > 0:
		ur.Outcome = OutcomeCreated
		ur.Detail = "created"
		if e := ur.Profiles[0].Extension; e != "" {
			ur.Detail = "created on extension " + e
		} else if len(pu.exts) == 0 {
			ur.Detail = "created as a profile-only user (US Pacific time, English)"
		} else {
			ur.Detail = "created without extension: its extensions are all reserved"
		}
	case len(skipped) > 0 && len(kept) == 0:
		ur.Outcome = OutcomeSkipped
		ur.Detail = "nothing created: " + ur.Profiles[0].Note
	default:
		ur.Outcome = OutcomeUnchanged
		ur.Detail = "already imported; nothing changed"
	}
	if len(created) > 0 && len(kept)+len(skipped) > 0 {
		ur.Detail += fmt.Sprintf("; already imported before: %s", strings.Join(append(kept, skipped...), ", "))
	}
}

// profile applies one X Series user of Classic user i: on extension
// pu.exts[j], or without extension when j is -1.
func (a *applier) profile(i, j int, original bool, tz, lang string) (ProfileReport, error) {
	pu := &a.p.users[i]
	var e planExt
	if j >= 0 {
		e = pu.exts[j]
	}
	pr := ProfileReport{Extension: e.Number, Original: original, TimeZone: tz, Language: lang,
		VoicemailToEmail: pu.VoicemailToEmail, Licenses: []string{}, PhoneNumbers: []string{}}
	if e.Number != "" {
		pr.ExtensionKind = "regular"
		if e.Virtual {
			pr.ExtensionKind = "virtual"
		}
		pr.PhoneNumbers = append(pr.PhoneNumbers, e.PhoneNumbers...)
		if e.LicenseID != "" && a.licState[e.LicenseID].outcome != OutcomeSkipped {
			pr.Licenses = append(pr.Licenses, e.LicenseID)
		}
	}
	key := strings.ToLower(pu.Username) + "/" + e.Number
	if obj, ok := a.object("user", key); ok {
		return a.keptProfile(pr, e, obj), nil
	}
	path := fmt.Sprintf("users[%d]", i)
	if j >= 0 {
		path = fmt.Sprintf("users[%d].extensions[%d]", i, j)
	}
	if original {
		pr.Username = pu.Username
		if id, taken := a.byName[strings.ToLower(pu.Username)]; taken {
			a.conflict("%s: username %q exists already (user %d) and was not made by an import; rename or delete that user first", path, pu.Username, id)
			pr.Outcome = OutcomeSkipped
			return pr, nil
		}
	} else {
		pr.Username = a.names.generate(pu.Username, e.Number)
	}
	if st, ok := a.exts[e.Number]; ok && e.Number != "" && st.owner != 0 {
		a.conflict("%s: extension %s belongs to user %s (id %d) already; free it first", path, e.Number, a.users[st.owner], st.owner)
		pr.Outcome = OutcomeSkipped
		return pr, nil
	}
	for _, n := range e.PhoneNumbers {
		if owner, ok := a.numbers[n]; ok && owner != 0 {
			a.conflict("%s: phone number %s belongs to user %s (id %d) already; remove it there first", path, n, a.users[owner], owner)
			pr.Outcome = OutcomeSkipped
			return pr, nil
		}
	}
	if err := a.createProfile(pu, e, &pr, key); err != nil {
		return pr, err
	}
	if !original && e.Number != "" {
		if _, err := a.t.queueWelcome(welcome{userID: pr.UserID, username: pr.Username, first: pu.FirstName, last: pu.LastName,
			email: pu.Email, extension: e.Number, account: a.p.account, original: pu.Username,
			linkBase: a.o.WelcomeLinkBase, ttl: a.o.WelcomeTTL, now: a.o.Now, vmClassic: pu.vmClassic, vm: pu.VoicemailToEmail}); err != nil {
			return pr, err
		}
		pr.Welcome = true
		a.rep.Totals.WelcomeMessages++
	}
	return pr, a.audit("import_create", "user", idStr(pr.UserID), pr)
}

// keptProfile reports a profile an earlier run made.
func (a *applier) keptProfile(pr ProfileReport, e planExt, obj importObject) ProfileReport {
	pr.UserID = obj.local
	name, exists := a.users[obj.local]
	if !exists {
		pr.Outcome = OutcomeSkipped
		pr.Note = fmt.Sprintf("made by import run %d and deleted since: not made again", obj.run)
		a.rep.Totals.UsersSkipped++
		return pr
	}
	pr.Username, pr.Outcome = name, OutcomeUnchanged
	pr.Note = fmt.Sprintf("made by import run %d", obj.run)
	a.rep.Totals.UsersUnchanged++
	if st := a.exts[e.Number]; e.Number != "" && st.owner == obj.local {
		a.extUser[e.Number], a.extKind[e.Number] = obj.local, st.kind
	}
	return pr
}

// createProfile inserts the user with its extension, license and numbers.
func (a *applier) createProfile(pu *planUser, e planExt, pr *ProfileReport, key string) error {
	t := a.t
	id, err := t.insertUser(NewUser{Username: pr.Username, FirstName: pu.FirstName, LastName: pu.LastName, Email: pu.Email,
		TimeZone: pr.TimeZone, Language: pr.Language, VoicemailToEmail: pr.VoicemailToEmail})
	if err != nil {
		return err
	}
	pr.UserID, pr.Outcome = id, OutcomeCreated
	a.users[id] = pr.Username
	a.byName[strings.ToLower(pr.Username)] = id
	a.vcc[id] = false
	a.rep.Totals.UsersCreated++
	a.rep.Totals.Changed = true
	if err := a.record("user", key, id); err != nil {
		return err
	}
	if err := a.profileFeatures(id, pu, e, pr); err != nil {
		return err
	}
	if e.Number == "" {
		return nil
	}
	switch _, ok := a.exts[e.Number]; {
	case ok:
		if err = a.flushPending(); err == nil {
			_, err = t.ExecContext(t.ctx, `UPDATE extensions SET user_id = ?, kind = ? WHERE number = ?`, id, pr.ExtensionKind, e.Number)
		}
	case a.batching:
		err = a.extBatch.add(t, e.Number, pr.ExtensionKind, id)
	default:
		_, err = t.ExecContext(t.ctx, `INSERT INTO extensions (number, kind, user_id) VALUES (?,?,?)`, e.Number, pr.ExtensionKind, id)
	}
	if err != nil {
		return err
	}
	a.exts[e.Number] = extState{owner: id, kind: pr.ExtensionKind}
	a.extUser[e.Number], a.extKind[e.Number] = id, pr.ExtensionKind
	if e.Virtual {
		a.rep.Totals.VirtualExtensions++
	}
	if l := e.LicenseID; l != "" {
		if a.newLicense[l] {
			if a.batching {
				err = a.licBatch.add(t, l, id)
			} else {
				_, err = t.ExecContext(t.ctx, `UPDATE licenses SET user_id = ? WHERE id = ?`, id, l)
			}
			if err != nil {
				return err
			}
			a.licenseUser[l] = id
			a.vcc[id] = a.p.licenses[a.p.licIdx[l]].Type == "VCC Agent"
		} else if st := a.licState[l]; st.outcome == OutcomeSkipped {
			pr.Note = fmt.Sprintf("license %s is not given: %s", l, st.note)
		} else {
			pr.Note = fmt.Sprintf("license %s was imported before and is left as it is", l)
		}
	}
	for _, n := range e.PhoneNumbers {
		if err := a.phoneNumber(n, id, "extension "+e.Number); err != nil {
			return err
		}
	}
	return nil
}

// phoneNumber gives a number to a user (owner 0: none) with its routing.
func (a *applier) phoneNumber(n string, owner int64, routing string) error {
	t := a.t
	var uid any
	if owner != 0 {
		uid = owner
	}
	var err error
	switch _, ok := a.numbers[n]; {
	case ok:
		if err = a.flushPending(); err == nil {
			_, err = t.ExecContext(t.ctx, `UPDATE phone_numbers SET user_id = ?, routing = ? WHERE number = ?`, uid, routing, n)
		}
	case a.batching:
		err = a.numBatch.add(t, n, uid, routing)
	default:
		_, err = t.ExecContext(t.ctx, `INSERT INTO phone_numbers (number, user_id, routing) VALUES (?,?,?)`, n, uid, routing)
	}
	if err != nil {
		return err
	}
	a.numbers[n] = owner
	a.rep.Totals.PhoneNumbers++
	return a.record("phone_number", n, owner)
}

// unassignedNumber keeps a number that rings a reserved extension.
func (a *applier) unassignedNumber(n string, e planExt) error {
	nr := NumberReport{Number: n, Routing: "extension " + e.Number, Note: "rings extension " + e.Number + ", " + e.reserved}
	if _, ok := a.object("phone_number", n); ok {
		nr.Note += "; unchanged"
	} else if owner, ok := a.numbers[n]; ok && owner != 0 {
		a.conflict("phone number %s belongs to user %s (id %d) already; remove it there first", n, a.users[owner], owner)
	} else if err := a.phoneNumber(n, 0, nr.Routing); err != nil {
		return err
	}
	a.rep.Numbers = append(a.rep.Numbers, nr)
	return nil
}
