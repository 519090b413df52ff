package devicedb

import (
	"fmt"
	"strings"
	"time"
)

// newProfiles is the documented procedure for an unsupported device: a
// new profile per user of the device, carrying everything the old one
// held, the new device activated on it, the old profile deleted with the
// old device, and a welcome message for the new username.
func (r *replacer) newProfiles() error {
	t := r.t
	names := &usernames{taken: map[string]bool{}, exists: func(name string) bool {
		var one int
		return t.QueryRowContext(t.ctx, `SELECT 1 FROM users WHERE username = ?`, name).Scan(&one) == nil
	}}
	var order []int64
	for _, l := range r.old.Lines {
		if _, seen := r.lineUser[l.UserID]; !seen {
			r.lineUser[l.UserID] = 0
			order = append(order, l.UserID)
		}
	}
	before := map[int64]*User{}
	for _, uid := range order {
		ou, err := loadUser(t.ctx, t, uid)
		if err != nil {
			return err
		}
		if ou.ExtensionKind == "virtual" {
			return invalid("user %s is on virtual extension %s: no physical device can be activated on it", ou.Username, *ou.Extension)
		}
		before[uid] = ou
		if r.lineUser[uid], err = r.carry(ou, names); err != nil {
			return err
		}
	}
	for _, l := range r.old.Lines {
		nid := r.lineUser[l.UserID]
		if err := t.putLine(r.newMAC, l.Line, nid); err != nil {
			return err
		}
		if err := r.step("activate_line", "device", r.newMAC, nil, map[string]any{"line": l.Line, "user_id": nid},
			"activate line %d of %s for %s (extension %s), with new SIP credentials", l.Line, r.newMAC, r.newName(l.UserID), l.Extension); err != nil {
			return err
		}
	}
	for _, uid := range order {
		if _, err := t.ExecContext(t.ctx, `DELETE FROM users WHERE id = ?`, uid); err != nil {
			return err
		}
		if err := r.step("delete_user", "user", idStr(uid), before[uid], nil,
			"delete the old profile %s (user %d) and its line on %s", before[uid].Username, uid, r.old.MAC); err != nil {
			return err
		}
	}
	if _, err := t.ExecContext(t.ctx, `INSERT INTO device_tombstones (mac, model, removed_at) VALUES (?,?,?)
				ON CONFLICT (mac) DO UPDATE SET model = excluded.model, removed_at = excluded.removed_at`,
		r.old.MAC, r.old.Model, t.now.Unix()); err != nil {
		return err
	}
	if _, err := t.ExecContext(t.ctx, `DELETE FROM devices WHERE mac = ?`, r.old.MAC); err != nil {
		return err
	}
	if err := r.step("remove_device", "device", r.old.MAC, r.old, nil,
		"remove the unsupported %s %s: its frozen config is no longer served and it can never be added back", r.old.Model, r.old.MAC); err != nil {
		return err
	}
	for i, uid := range order {
		ou, nid := before[uid], r.lineUser[uid]
		ext := ""
		if ou.Extension != nil {
			ext = *ou.Extension
		}
		id, err := t.queueWelcome(welcome{userID: nid, username: r.newName(uid), first: ou.FirstName, last: ou.LastName, email: ou.Email,
			extension: ext, linkBase: r.req.WelcomeLinkBase, ttl: 7 * 24 * time.Hour, now: t.now,
			replacedDevice: r.old.Model + " " + r.old.MAC, newDevice: r.model.Model + " " + r.newMAC})
		if err != nil {
			return err
		}
		r.res.Users[i].OutboxID = id
		to := ou.Email
		if to == "" {
			to = "nobody (no e-mail address: hand the link over from GET /api/v1/outbox)"
		}
		r.note("queue_welcome", "outbox", idStr(id), "queue a welcome message for %s to %s", r.newName(uid), to)
	}
	return nil
}

// note records a step whose change audits itself.
func (r *replacer) note(action, entity, id, format string, a ...any) {
	r.res.Steps = append(r.res.Steps, ReplaceStep{N: len(r.res.Steps) + 1, Action: action, Entity: entity, ID: id,
		Detail: fmt.Sprintf(format, a...)})
}

func (r *replacer) newName(old int64) string {
	for _, u := range r.res.Users {
		if u.OldUserID == old {
			return u.NewUsername
		}
	}
	return ""
}

// carry makes the new profile of ou and moves to it everything ou holds
// but its lines on the old device.
func (r *replacer) carry(ou *User, names *usernames) (int64, error) {
	t := r.t
	ext := ""
	if ou.Extension != nil {
		ext = *ou.Extension
	}
	tag := ext
	if tag == "" {
		tag = "new"
	}
	name := names.generate(ou.Username, tag)
	nid, err := t.insertUser(NewUser{Username: name, FirstName: ou.FirstName, LastName: ou.LastName, Email: ou.Email,
		TimeZone: ou.TimeZone, Language: ou.Language, VoicemailToEmail: ou.VoicemailToEmail})
	if err != nil {
		return 0, err
	}
	if ou.Status != "active" {
		if _, err := t.ExecContext(t.ctx, `UPDATE users SET status = ? WHERE id = ?`, ou.Status, nid); err != nil {
			return 0, err
		}
	}
	r.res.Users = append(r.res.Users, ReplacedUser{Extension: ext, OldUserID: ou.ID, OldUsername: ou.Username, NewUserID: nid, NewUsername: name})
	if err := r.step("create_user", "user", idStr(nid), nil, map[string]any{"username": name, "first_name": ou.FirstName,
		"last_name": ou.LastName, "email": ou.Email, "time_zone": ou.TimeZone, "language": ou.Language,
		"voicemail_to_email": ou.VoicemailToEmail, "status": ou.Status},
		"create user %s (%s %s, voicemail to e-mail %s) to take over from %s", name, ou.FirstName, ou.LastName, ou.VoicemailToEmail, ou.Username); err != nil {
		return 0, err
	}
	moves := []struct {
		action, q, what string
		items           []string
	}{
		{"move_extension", `UPDATE extensions SET user_id = ? WHERE user_id = ?`, "extension", optional(ext)},
		{"move_phone_numbers", `UPDATE phone_numbers SET user_id = ? WHERE user_id = ?`, "phone numbers (with their routing)", ou.PhoneNumbers},
		{"move_licenses", `UPDATE licenses SET user_id = ? WHERE user_id = ?`, "licenses", licenseIDs(ou.Licenses)},
		{"move_contacts", `UPDATE user_contacts SET user_id = ? WHERE user_id = ?`, "personal contacts", contactNames(ou.Contacts)},
		{"move_site_and_picture", `UPDATE users SET (site_id, profile_picture) = (SELECT site_id, profile_picture FROM users WHERE id = ?2) WHERE id = ?1`,
			"site and profile picture", sitePicture(ou)},
	}
	var others []string
	for _, d := range ou.Devices {
		if d.MAC != r.old.MAC {
			others = append(others, fmt.Sprintf("%s line %d", d.MAC, d.Line))
		}
	}
	for _, m := range moves {
		if len(m.items) == 0 {
			continue
		}
		if _, err := t.ExecContext(t.ctx, m.q, nid, ou.ID); err != nil {
			return 0, err
		}
		if err := r.step(m.action, "user", idStr(nid), map[string]any{"user_id": ou.ID, m.action: m.items},
			map[string]any{"user_id": nid, m.action: m.items}, "give %s %s to %s (from %s)", m.what, strings.Join(m.items, ", "), name, ou.Username); err != nil {
			return 0, err
		}
	}
	if len(others) > 0 {
		if _, err := t.ExecContext(t.ctx, `UPDATE device_lines SET user_id = ? WHERE user_id = ? AND mac <> ?`, nid, ou.ID, r.old.MAC); err != nil {
			return 0, err
		}
		if err := r.step("move_lines", "user", idStr(nid), map[string]any{"user_id": ou.ID, "lines": others},
			map[string]any{"user_id": nid, "lines": others},
			"give lines %s to %s with their credentials: those devices keep working", strings.Join(others, ", "), name); err != nil {
			return 0, err
		}
	}
	// A re-run of the import knows the new profile as the one it made.
	_, err = t.ExecContext(t.ctx, `UPDATE import_objects SET local_id = ? WHERE kind = 'user' AND local_id = ?`, nid, ou.ID)
	return nid, err
}

func optional(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func licenseIDs(ls []License) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.ID)
	}
	return out
}
