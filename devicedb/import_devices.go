package devicedb

import (
	"encoding/json"
	"fmt"
	"time"
)

// licenseState is what the run did with a license.
type licenseState struct{ outcome, note string }

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// license creates one license of the export, unassigned for now: the user
// of the extension naming it takes it later in the run.
func (a *applier) license(i int) error {
	l := a.p.licenses[i]
	if obj, ok := a.object("license", l.ID); ok {
		if a.licenses[l.ID] {
			a.licState[l.ID] = licenseState{OutcomeUnchanged, fmt.Sprintf("made by import run %d", obj.run)}
			a.rep.Totals.LicensesUnchanged++
		} else {
			a.licState[l.ID] = licenseState{OutcomeSkipped, fmt.Sprintf("made by import run %d and gone since: not made again", obj.run)}
			a.rep.Totals.LicensesSkipped++
		}
		return nil
	}
	if a.licenses[l.ID] {
		a.conflict("licenses[%d]: license %s exists already and was not made by an import", i, l.ID)
		return nil
	}
	var suspended string
	var removed any
	if l.suspended {
		at := l.removedAt
		if at.IsZero() {
			at = a.o.Now
		}
		if a.o.Now.Sub(at) >= RemovalGrace {
			a.licState[l.ID] = licenseState{OutcomeSkipped, joinNote(l.note, fmt.Sprintf("removed by the provider at %s, more than 30 days before the import: gone",
				at.Format(time.RFC3339)))}
			a.rep.Totals.LicensesSkipped++
			return nil
		}
		suspended, removed = "removed", at.Unix()
	}
	t := a.t
	if _, err := t.ExecContext(t.ctx, `INSERT INTO licenses (id, type, country, service_address, suspended, removed_at, created_at)
		VALUES (?,?,?,?,?,?,?)`, l.ID, l.Type, l.Country, l.ServiceAddress, suspended, removed, t.now.Unix()); err != nil {
		return err
	}
	a.licenses[l.ID], a.newLicense[l.ID] = true, true
	a.licState[l.ID] = licenseState{outcome: OutcomeCreated}
	if l.suspended {
		at := time.Unix(removed.(int64), 0).UTC()
		a.licState[l.ID] = licenseState{OutcomeCreated, joinNote(l.note, fmt.Sprintf("removed by the provider at %s: suspended, reinstatable until %s, then gone",
			at.Format(time.RFC3339), at.Add(RemovalGrace).Format(time.RFC3339)))}
	}
	a.rep.Totals.LicensesCreated++
	a.rep.Totals.Changed = true
	if err := a.record("license", l.ID, 0); err != nil {
		return err
	}
	return a.audit("import_create", "license", l.ID, l.ClassicLicense)
}

// device creates one device of the export: a supported one active with
// its lines, an unsupported one with its lines and its frozen config.
func (a *applier) device(i int) error {
	d := a.p.devices[i]
	m := d.model
	dr := DeviceReport{MAC: d.mac, Vendor: m.Vendor, Model: m.Model, Supported: m.Supported, Lines: []LineReport{}, Warnings: []string{}}
	if !m.Supported {
		dr.Replacement = m.Replacement
	}
	defer func() {
		a.rep.Totals.Warnings += len(dr.Warnings)
		a.rep.Devices = append(a.rep.Devices, dr)
	}()
	obj, ours := a.object("device", d.mac)
	switch {
	case ours && a.devices[d.mac] != "":
		dr.Outcome, dr.Status = OutcomeUnchanged, a.devices[d.mac]
		dr.Note = fmt.Sprintf("made by import run %d; left as it is", obj.run)
		a.rep.Totals.DevicesUnchanged++
		return nil
	case a.devices[d.mac] != "":
		a.conflict("devices[%d]: device %s exists already (status %s) and was not made by an import", i, d.mac, a.devices[d.mac])
		return nil
	case a.tombs[d.mac]:
		dr.Outcome = OutcomeSkipped
		dr.Note = "an unsupported device removed after an earlier import: it can never come back"
		a.rep.Totals.DevicesSkipped++
		return nil
	case ours:
		dr.Outcome = OutcomeSkipped
		dr.Note = fmt.Sprintf("made by import run %d and deleted since: not made again", obj.run)
		a.rep.Totals.DevicesSkipped++
		return nil
	}
	status := DeviceActive
	if !m.Supported {
		status = DeviceUnsupported
	}
	t := a.t
	if err := t.insertDevice(d.mac, m.Vendor, m.Model, status, nil); err != nil {
		return err
	}
	dr.Status = status
	if err := a.lines(d, &dr); err != nil {
		return err
	}
	if status == DeviceUnsupported {
		dr.Outcome = OutcomeFrozen
		a.rep.Totals.DevicesUnsupported++
		if err := a.freeze(d); err != nil {
			return err
		}
	} else {
		dr.Outcome = OutcomeActivated
		a.rep.Totals.DevicesActivated++
	}
	a.devices[d.mac] = status
	a.rep.Totals.Changed = true
	if err := a.record("device", d.mac, 0); err != nil {
		return err
	}
	return a.audit("import_create", "device", d.mac, dr)
}

// lines puts the export's lines on a new device, skipping those that
// cannot work (with the reason in the report).
func (a *applier) lines(d planDevice, dr *DeviceReport) error {
	m := d.model
	made := 0
	for _, l := range d.lines {
		lr := LineReport{Line: l.Line, Extension: l.Extension}
		uid, ok := a.extUser[l.Extension]
		switch {
		case reservedExtensions[l.Extension] != "":
			lr.Outcome, lr.Note = OutcomeSkipped, fmt.Sprintf("extension %s is %s: never assigned", l.Extension, reservedExtensions[l.Extension])
		case !ok:
			lr.Outcome, lr.Note = OutcomeSkipped, fmt.Sprintf("the user of extension %s was not imported (see its user)", l.Extension)
		case a.extKind[l.Extension] == "virtual":
			lr.Outcome, lr.Note = OutcomeSkipped, fmt.Sprintf("extension %s is virtual: no physical device can be activated on it", l.Extension)
		default:
			vcc, err := a.isVCC(uid)
			if err != nil {
				return err
			}
			if vcc && !m.ContactCenter {
				// The seed: a VCC dedicated extension must use a
				// locked-down contact-center phone. The device is a
				// supported model (it is not frozen): the line stays
				// unassigned, the rest of the device works.
				lr.Outcome, lr.Note = OutcomeSkipped, fmt.Sprintf("extension %s is a VCC dedicated extension (its only license is VCC Agent): it only takes a locked-down contact-center phone, not a %s; put it on one, or give the user an 8x8 Work license and assign the line",
					l.Extension, m.Model)
				break
			}
			if err := a.t.putLine(d.mac, l.Line, uid); err != nil {
				return err
			}
			lr.Outcome, lr.Username = OutcomeCreated, a.users[uid]
			made++
		}
		if lr.Outcome == OutcomeSkipped {
			a.rep.Totals.LinesSkipped++
			dr.Warnings = append(dr.Warnings, fmt.Sprintf("line %d not activated: %s", l.Line, lr.Note))
		}
		dr.Lines = append(dr.Lines, lr)
	}
	if made == 0 {
		dr.Warnings = append(dr.Warnings, "no line activated: the device gets no working line")
	}
	return nil
}

// isVCC reports whether a user is a VCC dedicated extension: it holds a
// VCC Agent license and no other.
func (a *applier) isVCC(uid int64) (bool, error) {
	if v, ok := a.vcc[uid]; ok {
		return v, nil
	}
	v, err := a.t.isVCCDedicated(uid)
	a.vcc[uid] = v
	return v, err
}

// isVCCDedicated reports whether user id holds a VCC Agent license and no
// other: a VCC dedicated extension, which only takes a locked-down
// contact-center phone.
func (t *tx) isVCCDedicated(id int64) (bool, error) {
	var n, vcc int
	err := t.QueryRowContext(t.ctx, `SELECT count(*), coalesce(sum(CASE WHEN type = 'VCC Agent' THEN 1 ELSE 0 END), 0) FROM licenses WHERE user_id = ?
		AND NOT (suspended = 'removed' AND removed_at <= ?)`, id, t.now.Add(-RemovalGrace).Unix()).Scan(&n, &vcc)
	return n > 0 && n == vcc, err
}

// freeze renders and stores the frozen config of a new unsupported device.
func (a *applier) freeze(d planDevice) error {
	t := a.t
	dev, err := t.s.getDevice(t.ctx, a.hot, d.mac, true)
	if err != nil {
		return err
	}
	frozen, err := a.o.Freeze(dev, d.model)
	if err != nil {
		return fmt.Errorf("rendering the frozen config of %s (%s): %w", d.mac, d.model.Model, err)
	}
	_, err = t.ExecContext(t.ctx, `UPDATE devices SET frozen_config = ? WHERE mac = ?`, frozen, d.mac)
	return err
}

// finish completes the report and stores it with the run.
func (a *applier) finish() error {
	t := a.t
	for _, l := range a.p.licenses {
		st := a.licState[l.ID]
		lr := LicenseReport{ID: l.ID, Type: l.Type, Country: l.Country, ServiceAddress: l.ServiceAddress,
			Outcome: st.outcome, Note: st.note}
		switch {
		case st.outcome == OutcomeUnchanged:
			cur, err := getLicense(t.ctx, t, l.ID)
			if err != nil {
				return err
			}
			lr.Status, lr.Username = cur.Status, cur.Username
		case st.outcome == OutcomeSkipped:
			lr.Status = "gone"
		case l.suspended:
			lr.Status = LicenseSuspended
			lr.Username = a.users[a.licenseUser[l.ID]]
		case a.licenseUser[l.ID] != 0:
			lr.Status, lr.Username = LicenseAssigned, a.users[a.licenseUser[l.ID]]
		default:
			lr.Status = LicenseUnassigned
		}
		a.rep.Licenses = append(a.rep.Licenses, lr)
	}
	totals, err := json.Marshal(a.rep.Totals)
	if err != nil {
		return err
	}
	report, err := json.Marshal(a.rep)
	if err != nil {
		return err
	}
	if _, err := t.ExecContext(t.ctx, `UPDATE import_runs SET finished_at = ?, totals = ?, report = ? WHERE id = ?`,
		t.s.now().Unix(), string(totals), string(report), a.run); err != nil {
		return err
	}
	return t.audit("import", "import_run", idStr(a.run), nil, a.rep.Totals)
}
