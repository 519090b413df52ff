package devicedb

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"strings"
	"time"
)

// UpdateUser applies a patch to a user profile.
func (s *Store) UpdateUser(ctx context.Context, id int64, p UserPatch) (*User, error) {
	var u *User
	err := s.write(ctx, "update_user", func(t *tx) error {
		before, err := loadUser(t.ctx, t, id)
		if err != nil {
			return err
		}
		if err := t.guardUnsupported(id); err != nil {
			return err
		}
		if err := checkExtensionPatch(before, p); err != nil {
			return err
		}
		n := NewUser{Username: before.Username, FirstName: before.FirstName, LastName: before.LastName,
			Email: before.Email, TimeZone: before.TimeZone, Language: before.Language, VoicemailToEmail: before.VoicemailToEmail}
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&n.Username, p.Username)
		set(&n.FirstName, p.FirstName)
		set(&n.LastName, p.LastName)
		set(&n.Email, p.Email)
		set(&n.TimeZone, p.TimeZone)
		set(&n.Language, p.Language)
		set(&n.VoicemailToEmail, p.VoicemailToEmail)
		if err := n.check(); err != nil {
			return err
		}
		_, err = t.ExecContext(t.ctx, `UPDATE users SET username=?, first_name=?, last_name=?, email=?, time_zone=?,
			language=?, voicemail_to_email=?, updated_at=? WHERE id=?`,
			n.Username, n.FirstName, n.LastName, n.Email, n.TimeZone, n.Language, n.VoicemailToEmail, t.now.Unix(), id)
		if isUnique(err) {
			return conflict("username %q is taken; choose another", n.Username)
		}
		if err != nil {
			return err
		}
		if p.Extension != nil {
			cur := ""
			if before.Extension != nil {
				cur = *before.Extension
			}
			if *p.Extension != cur {
				if _, err := t.ExecContext(t.ctx, `UPDATE extensions SET user_id = NULL WHERE user_id = ?`, id); err != nil {
					return err
				}
				if *p.Extension != "" {
					kind := ""
					if p.ExtensionKind != nil {
						kind = *p.ExtensionKind
					}
					if err := t.assignExtension(id, *p.Extension, kind); err != nil {
						return err
					}
				}
			}
		}
		if p.ExtensionKind != nil && (p.Extension == nil || *p.Extension != "") {
			if *p.ExtensionKind != "regular" && *p.ExtensionKind != "virtual" {
				return invalid("extension_kind %q: use regular or virtual", *p.ExtensionKind)
			}
			res, err := t.ExecContext(t.ctx, `UPDATE extensions SET kind = ? WHERE user_id = ? AND kind <> 'reserved'`, *p.ExtensionKind, id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return invalid("extension_kind: the user has no extension")
			}
		}
		if err := t.patchUserFeatures(id, p); err != nil {
			return err
		}
		if u, err = loadUser(t.ctx, t, id); err != nil {
			return err
		}
		if u.ExtensionKind == "virtual" && len(u.Devices) > 0 {
			return invalid("extension %s is virtual: no physical device can be activated on it; remove the user's device lines first", *u.Extension)
		}
		if sameUser(before, u) {
			// Nothing changed: no audit entry, no new updated_at.
			u = before
			return errNoChange
		}
		return t.audit("update", "user", idStr(id), before, u)
	})
	if errors.Is(err, errNoChange) {
		err = nil
	}
	return u, err
}

// sameUser reports whether two loads of a user differ only in updated_at.
func sameUser(a, b *User) bool {
	x, y := *a, *b
	x.Updated, y.Updated = time.Time{}, time.Time{}
	return reflect.DeepEqual(x, y)
}

// checkExtensionPatch applies the seeds' rules on changing a user's
// extension: a virtual extension is not converted in place (the user is
// deleted and recreated), and a user keeps no phone number without an
// extension.
func checkExtensionPatch(before *User, p UserPatch) error {
	cur := ""
	if before.Extension != nil {
		cur = *before.Extension
	}
	changesExt := p.Extension != nil && *p.Extension != cur
	if before.ExtensionKind == "virtual" && (changesExt || (p.ExtensionKind != nil && *p.ExtensionKind != "virtual")) {
		return invalid("user %s is on virtual extension %s: a virtual extension is not converted or moved in place; delete the user and create it again with a regular extension",
			before.Username, cur)
	}
	if p.Extension != nil && *p.Extension == "" && cur != "" && len(before.PhoneNumbers) > 0 {
		return conflict("user %s has phone numbers (%s) that ring extension %s: remove them first (DELETE /api/v1/users/%d/numbers/{number}), then the extension",
			before.Username, strings.Join(before.PhoneNumbers, ", "), cur, before.ID)
	}
	return nil
}

// DeleteUser deletes a user profile: its extension and phone numbers are
// freed, its licenses unassigned and its device lines removed.
func (s *Store) DeleteUser(ctx context.Context, id int64) error {
	return s.write(ctx, "delete_user", func(t *tx) error {
		if err := t.guardUnsupported(id); err != nil {
			return err
		}
		return t.deleteUser(id)
	})
}

func (t *tx) deleteUser(id int64) error {
	before, err := loadUser(t.ctx, t, id)
	if err != nil {
		return err
	}
	if _, err := t.ExecContext(t.ctx, `UPDATE licenses SET user_id = NULL,
		suspended = CASE suspended WHEN 'user_deactivated' THEN '' ELSE suspended END WHERE user_id = ?`, id); err != nil {
		return err
	}
	if _, err := t.ExecContext(t.ctx, `DELETE FROM users WHERE id = ?`, id); err != nil {
		return err
	}
	return t.audit("delete", "user", idStr(id), before, nil)
}

// DeactivateUser deactivates a user: its licenses become suspended.
func (s *Store) DeactivateUser(ctx context.Context, id int64) (*User, error) {
	return s.setUserStatus(ctx, id, "deactivated",
		`UPDATE licenses SET suspended = 'user_deactivated' WHERE user_id = ? AND suspended = ''`)
}

// ReactivateUser reactivates a user: the suspension its deactivation put on
// its licenses is lifted.
func (s *Store) ReactivateUser(ctx context.Context, id int64) (*User, error) {
	return s.setUserStatus(ctx, id, "active",
		`UPDATE licenses SET suspended = '' WHERE user_id = ? AND suspended = 'user_deactivated'`)
}

func (s *Store) setUserStatus(ctx context.Context, id int64, status, licenseSQL string) (*User, error) {
	var u *User
	err := s.write(ctx, "set_user_status", func(t *tx) error {
		before, err := loadUser(t.ctx, t, id)
		if err != nil {
			return err
		}
		if err := t.guardUnsupported(id); err != nil {
			return err
		}
		if before.Status == status {
			u = before
			return nil
		}
		if _, err := t.ExecContext(t.ctx, `UPDATE users SET status = ?, updated_at = ? WHERE id = ?`, status, t.now.Unix(), id); err != nil {
			return err
		}
		if _, err := t.ExecContext(t.ctx, licenseSQL, id); err != nil {
			return err
		}
		if u, err = loadUser(t.ctx, t, id); err != nil {
			return err
		}
		action := "deactivate"
		if status == "active" {
			action = "reactivate"
		}
		return t.audit(action, "user", idStr(id), before, u)
	})
	return u, err
}

// AddPhoneNumber assigns a phone number (E.164) to a user, creating it
// when new. routing describes where the number rings (free text).
func (s *Store) AddPhoneNumber(ctx context.Context, userID int64, number, routing string) (*User, error) {
	if err := checkPhoneNumber(number); err != nil {
		return nil, err
	}
	var u *User
	err := s.write(ctx, "add_phone_number", func(t *tx) error {
		if _, err := loadUser(t.ctx, t, userID); err != nil {
			return err
		}
		if err := t.guardUnsupported(userID); err != nil {
			return err
		}
		if err := t.freeNumberForUser(number); err != nil {
			return err
		}
		var owner sql.NullInt64
		var routes string
		err := t.QueryRowContext(t.ctx, `SELECT user_id, routing FROM phone_numbers WHERE number = ?`, number).Scan(&owner, &routes)
		ext, _ := strings.CutPrefix(routes, "extension ")
		switch {
		case noRows(err):
			_, err = t.ExecContext(t.ctx, `INSERT INTO phone_numbers (number, user_id, routing) VALUES (?,?,?)`, number, userID, routing)
		case err != nil:
		case !owner.Valid && ext == "444":
			return conflict("phone number %s rings the default auto attendant (extension 444), which keeps working but is read-only: it cannot be given to a user; to change where it rings, create a new auto attendant and point the number to it", number)
		case !owner.Valid && reservedExtensions[ext] != "":
			return conflict("phone number %s rings extension %s, %s: it cannot be given to a user", number, ext, reservedExtensions[ext])
		case owner.Valid && owner.Int64 != userID:
			return conflict("phone number %s belongs to user %d; remove it there first", number, owner.Int64)
		default:
			_, err = t.ExecContext(t.ctx, `UPDATE phone_numbers SET user_id = ?, routing = ? WHERE number = ?`, userID, routing, number)
		}
		if err != nil {
			return err
		}
		if u, err = loadUser(t.ctx, t, userID); err != nil {
			return err
		}
		return t.audit("assign", "phone_number", number, nil, map[string]any{"user_id": userID, "routing": routing})
	})
	return u, err
}

// RemovePhoneNumber takes a phone number away from a user; the number stays
// on the account, unassigned.
func (s *Store) RemovePhoneNumber(ctx context.Context, userID int64, number string) (*User, error) {
	var u *User
	err := s.write(ctx, "remove_phone_number", func(t *tx) error {
		if err := t.guardUnsupported(userID); err != nil {
			return err
		}
		res, err := t.ExecContext(t.ctx, `UPDATE phone_numbers SET user_id = NULL WHERE number = ? AND user_id = ?`, number, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("user %d has no phone number %s", userID, number)
		}
		if u, err = loadUser(t.ctx, t, userID); err != nil {
			return err
		}
		return t.audit("unassign", "phone_number", number, map[string]any{"user_id": userID}, nil)
	})
	return u, err
}
