package devicedb

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/phoneprov/phoneprov/templates"
)

// Replacement procedures.
const (
	// ProcedureSwap: supported → supported; the new device takes the
	// lines, the old one is retired.
	ProcedureSwap = "swap"
	// ProcedureNewProfile: unsupported → supported; a swap in place is
	// impossible, so each user of the old device gets a new profile, the
	// new device is activated on it and the old profile deleted.
	ProcedureNewProfile = "new_profile"
)

// ReplaceRequest asks to replace a device by a new one.
type ReplaceRequest struct {
	NewMAC   string `json:"new_mac"`
	NewModel string `json:"new_model"`
	// DryRun returns the plan, step by step, and changes nothing.
	DryRun bool `json:"dry_run"`
	// WelcomeLinkBase prefixes the set-password link of the welcome
	// message of a new profile. Default: DefaultWelcomeLinkBase.
	WelcomeLinkBase string `json:"-"`
}

// ReplaceResult is what a replacement did, or would do (dry run).
type ReplaceResult struct {
	DryRun    bool          `json:"dry_run"`
	Procedure string        `json:"procedure"`
	OldMAC    string        `json:"old_mac"`
	NewMAC    string        `json:"new_mac"`
	Steps     []ReplaceStep `json:"steps"`
	// Device is the new device as it is (or would be) afterwards.
	Device *Device `json:"device"`
	// OldDevice is the old device afterwards: retired after a swap, nil
	// when removed.
	OldDevice *Device `json:"old_device"`
	// Users are the new profiles of the new_profile procedure.
	Users []ReplacedUser `json:"users"`
}

// ReplaceStep is one step of a replacement, as it is audited.
type ReplaceStep struct {
	N      int    `json:"step"`
	Action string `json:"action"`
	Entity string `json:"entity"`
	ID     string `json:"id"`
	Detail string `json:"detail"`
}

// ReplacedUser is an old profile and the new one that took its place.
type ReplacedUser struct {
	Extension   string `json:"extension"`
	OldUserID   int64  `json:"old_user_id"`
	OldUsername string `json:"old_username"`
	NewUserID   int64  `json:"new_user_id"`
	NewUsername string `json:"new_username"`
	// OutboxID is the welcome message queued for the new profile.
	OutboxID int64 `json:"outbox_id"`
}

// replacer runs one replacement in a transaction.
type replacer struct {
	t        *tx
	req      ReplaceRequest
	old      *Device
	newMAC   string
	model    templates.Model
	res      *ReplaceResult
	lineUser map[int64]int64 // old user id → new user id
}

// step records a step in the result and the audit log.
func (r *replacer) step(action, entity, id string, before, after any, format string, a ...any) error {
	r.res.Steps = append(r.res.Steps, ReplaceStep{N: len(r.res.Steps) + 1, Action: action, Entity: entity, ID: id,
		Detail: fmt.Sprintf(format, a...)})
	return r.t.audit("replace_"+action, entity, id, before, after)
}

// ReplaceDevice replaces the device mac by a new device of a supported
// model, in one transaction. A supported device is swapped: the new one
// takes its lines (with new SIP credentials), the old one is retired. An
// unsupported device cannot be swapped in place: each of its users gets a
// new profile (name, extension, numbers, licenses, voicemail settings,
// other devices' lines) with a new username and a welcome message, the new
// device is activated on it, and the old profile is deleted with the old
// device (which can never come back). A VCC dedicated extension only
// takes a contact-center model. With DryRun it returns the plan.
func (s *Store) ReplaceDevice(ctx context.Context, mac string, req ReplaceRequest) (*ReplaceResult, error) {
	oldMAC, err := NormalizeMAC(mac)
	if err != nil {
		return nil, err
	}
	newMAC, err := NormalizeMAC(req.NewMAC)
	if err != nil {
		return nil, invalid("new_mac: %s", err.Error())
	}
	if newMAC == oldMAC {
		return nil, invalid("new_mac %s is the device being replaced; give the new device's MAC", newMAC)
	}
	if req.NewModel == "" {
		return nil, invalid("new_model is required: the new device's model, e.g. VVX 450")
	}
	m, err := s.lookupModel(req.NewModel)
	if err != nil {
		return nil, err
	}
	if !m.Supported {
		return nil, invalid("new_model %s is not supported either; pick a supported model such as %s", m.Model, m.Replacement)
	}
	if req.WelcomeLinkBase == "" {
		req.WelcomeLinkBase = DefaultWelcomeLinkBase
	}
	var res *ReplaceResult
	err = s.write(ctx, "replace_device", func(t *tx) error {
		r := &replacer{t: t, req: req, newMAC: newMAC, model: m, lineUser: map[int64]int64{},
			res: &ReplaceResult{DryRun: req.DryRun, OldMAC: oldMAC, NewMAC: newMAC, Steps: []ReplaceStep{}, Users: []ReplacedUser{}}}
		if err := r.run(oldMAC); err != nil {
			return err
		}
		res = r.res
		if req.DryRun {
			return errRollback
		}
		return nil
	})
	if errors.Is(err, errRollback) {
		return res, nil
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

func (r *replacer) run(oldMAC string) error {
	t := r.t
	var err error
	if r.old, err = t.s.getDevice(t.ctx, t, oldMAC, false); err != nil {
		return err
	}
	if r.old.Status == DeviceRetired {
		return conflict("device %s is retired already (replaced by %s)", oldMAC, r.old.ReplacedBy)
	}
	if err := r.check(); err != nil {
		return err
	}
	if err := t.insertDevice(r.newMAC, r.model.Vendor, r.model.Model, DeviceActive, nil); err != nil {
		return err
	}
	if err := r.step("create_device", "device", r.newMAC, nil, map[string]string{"model": r.model.Model},
		"create %s %s %s, active", r.newMAC, r.model.Vendor, r.model.Model); err != nil {
		return err
	}
	if r.old.Status == DeviceActive {
		r.res.Procedure = ProcedureSwap
		err = r.swap()
	} else {
		r.res.Procedure = ProcedureNewProfile
		err = r.newProfiles()
	}
	if err != nil {
		return err
	}
	// The old device's registrations end in this transaction: from the
	// commit on, it is not listed and its next REGISTER is refused (its
	// lines are gone). The registrar drops its copy in memory when told
	// (OnReplaced) before the answer goes out.
	if _, err := t.ExecContext(t.ctx, `DELETE FROM bindings WHERE mac = ?`, oldMAC); err != nil {
		return err
	}
	if err := r.step("drop_registrations", "device", oldMAC, nil, nil,
		"drop the registrations of %s: it no longer registers or calls", oldMAC); err != nil {
		return err
	}
	if r.res.Device, err = t.s.getDevice(t.ctx, t, r.newMAC, false); err != nil {
		return err
	}
	if r.res.Procedure == ProcedureSwap {
		r.res.OldDevice, err = t.s.getDevice(t.ctx, t, oldMAC, false)
	}
	return err
}

// check applies the rules the new model must meet for the old lines.
func (r *replacer) check() error {
	for _, l := range r.old.Lines {
		if l.Line > r.model.Lines {
			return invalid("the new %s has lines 1 to %d, but line %d of %s holds %s (extension %s); pick a model with at least %d lines",
				r.model.Model, r.model.Lines, l.Line, r.old.MAC, l.Username, l.Extension, l.Line)
		}
		if err := r.t.checkContactCenter(l.UserID, r.model); err != nil {
			return err
		}
	}
	return nil
}

// checkContactCenter refuses to put a VCC dedicated extension (a user whose
// only license is VCC Agent) on a model the catalog does not mark
// contact_center: it needs a locked-down contact-center desk phone. Every
// path that puts a user on a line calls it (API, console, import,
// replacement).
func (t *tx) checkContactCenter(userID int64, m templates.Model) error {
	vcc, err := t.isVCCDedicated(userID)
	if err != nil || !vcc || m.ContactCenter {
		return err
	}
	var name, ext string
	t.QueryRowContext(t.ctx, `SELECT u.username, coalesce(e.number, '') FROM users u LEFT JOIN extensions e ON e.user_id = u.id WHERE u.id = ?`,
		userID).Scan(&name, &ext)
	return invalid("extension %s (%s) is a VCC dedicated extension (its only license is VCC Agent): it only takes a locked-down contact-center phone (%s), not a %s; or give the user an 8x8 Work license too",
		ext, name, strings.Join(contactCenterModels(t.s.cat), ", "), m.Model)
}

func contactCenterModels(c *templates.Catalog) []string {
	var out []string
	for _, m := range c.Models() {
		if m.ContactCenter && m.Supported {
			out = append(out, m.Model)
		}
	}
	return out
}

// swap moves the lines of a supported device to the new one with new SIP
// credentials (the retired phone keeps its old config in flash: its
// credentials must die with it) and retires the old device.
func (r *replacer) swap() error {
	t := r.t
	for _, l := range r.old.Lines {
		if err := t.putLine(r.newMAC, l.Line, l.UserID); err != nil {
			return err
		}
		if err := r.step("move_line", "device", r.newMAC, map[string]any{"mac": r.old.MAC, "line": l.Line},
			map[string]any{"mac": r.newMAC, "line": l.Line, "user_id": l.UserID},
			"move line %d (%s, extension %s) from %s to %s, with new SIP credentials", l.Line, l.Username, l.Extension, r.old.MAC, r.newMAC); err != nil {
			return err
		}
	}
	if _, err := t.ExecContext(t.ctx, `DELETE FROM device_lines WHERE mac = ?`, r.old.MAC); err != nil {
		return err
	}
	if _, err := t.ExecContext(t.ctx, `UPDATE devices SET status = 'retired', replaced_by = ?, updated_at = ? WHERE mac = ?`,
		r.newMAC, t.now.Unix(), r.old.MAC); err != nil {
		return err
	}
	return r.step("retire_device", "device", r.old.MAC, map[string]string{"status": r.old.Status},
		map[string]string{"status": DeviceRetired, "replaced_by": r.newMAC},
		"retire %s (replaced by %s): its config is no longer served and its old credentials no longer register", r.old.MAC, r.newMAC)
}
