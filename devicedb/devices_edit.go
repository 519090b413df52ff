package devicedb

import (
	"context"
	"database/sql"
)

// CreateDevice adds a device of a supported model. Unsupported models are
// refused: such devices only arrive through the Classic import.
func (s *Store) CreateDevice(ctx context.Context, n NewDevice) (*Device, error) {
	mac, err := NormalizeMAC(n.MAC)
	if err != nil {
		return nil, err
	}
	m, err := s.lookupModel(n.Model)
	if err != nil {
		return nil, err
	}
	if !m.Supported {
		return nil, invalid("model %s is not supported and cannot be added; a suggested replacement is %s", m.Model, m.Replacement)
	}
	var d *Device
	err = s.write(ctx, "create_device", func(t *tx) error {
		if err := t.insertDevice(mac, m.Vendor, m.Model, DeviceActive, nil); err != nil {
			return err
		}
		if d, err = t.s.getDevice(t.ctx, t, mac, false); err != nil {
			return err
		}
		return t.audit("create", "device", mac, nil, d)
	})
	return d, err
}

func (t *tx) insertDevice(mac, vendor, model, status string, frozen []byte) error {
	var removed string
	err := t.QueryRowContext(t.ctx, `SELECT model FROM device_tombstones WHERE mac = ?`, mac).Scan(&removed)
	if err == nil {
		return conflict("device %s (%s) was an unsupported device that was removed: it can never be added back", mac, removed)
	}
	if !noRows(err) {
		return err
	}
	// with its credential and web-UI password (newDeviceSecrets), in one
	// statement: an import inserts thousands
	_, err = t.ExecContext(t.ctx, `INSERT INTO devices (mac, vendor, model, status, frozen_config, created_at, updated_at,
		http_user, http_password_enc, web_ui_password_enc) VALUES (?,?,?,?,?,?,?,?,?,?)`, mac, vendor, model, status, frozen,
		t.now.Unix(), t.now.Unix(), deviceUser(mac), t.s.box.seal(randomString(20)), t.s.box.seal(randomString(12)))
	if isUnique(err) {
		return conflict("device %s exists already", mac)
	}
	if err != nil {
		return err
	}
	if t.fresh == nil {
		t.fresh = map[string]bool{}
	}
	t.fresh[mac] = true
	return nil
}

// DeleteDevice removes a device and its lines. An unsupported device that
// is removed can never be added back.
func (s *Store) DeleteDevice(ctx context.Context, mac string) error {
	m, err := NormalizeMAC(mac)
	if err != nil {
		return err
	}
	return s.write(ctx, "delete_device", func(t *tx) error {
		before, err := t.s.getDevice(t.ctx, t, m, false)
		if err != nil {
			return err
		}
		if before.Status == DeviceUnsupported {
			if _, err := t.ExecContext(t.ctx, `INSERT INTO device_tombstones (mac, model, removed_at) VALUES (?,?,?)
				ON CONFLICT (mac) DO UPDATE SET model = excluded.model, removed_at = excluded.removed_at`,
				m, before.Model, t.now.Unix()); err != nil {
				return err
			}
		}
		if _, err := t.ExecContext(t.ctx, `DELETE FROM devices WHERE mac = ?`, m); err != nil {
			return err
		}
		return t.audit("delete", "device", m, before, nil)
	})
}

// editable refuses changes to devices that cannot take them.
func editable(d *Device) error {
	switch d.Status {
	case DeviceUnsupported:
		return conflict("device %s is an unsupported %s: it cannot be edited; replace it (POST /api/v1/devices/%s/replace)", d.MAC, d.Model, d.MAC)
	case DeviceRetired:
		return conflict("device %s is retired (replaced by %s) and cannot be edited", d.MAC, d.ReplacedBy)
	}
	return nil
}

// SetLine assigns line n of a device to a user, with fresh SIP credentials
// when the line changes hands. Putting the user already on the line again
// changes nothing (no new credentials, no audit entry): RotateLine does that.
func (s *Store) SetLine(ctx context.Context, mac string, n int, userID int64) (*Device, error) {
	m, err := NormalizeMAC(mac)
	if err != nil {
		return nil, err
	}
	var d *Device
	err = s.write(ctx, "set_line", func(t *tx) error {
		before, err := t.s.getDevice(t.ctx, t, m, false)
		if err != nil {
			return err
		}
		if err := editable(before); err != nil {
			return err
		}
		if n < 1 || n > before.MaxLines {
			return invalid("line %d: a %s has lines 1 to %d", n, before.Model, before.MaxLines)
		}
		if err := t.checkLineUser(userID); err != nil {
			return err
		}
		for _, l := range before.Lines {
			if l.Line == n && l.UserID == userID {
				d = before
				return errNoChange
			}
		}
		if cm, ok := t.s.cat.Lookup(before.Model); ok {
			if err := t.checkContactCenter(userID, cm); err != nil {
				return err
			}
		}
		if err := t.putLine(m, n, userID); err != nil {
			return err
		}
		if d, err = t.s.getDevice(t.ctx, t, m, false); err != nil {
			return err
		}
		return t.audit("set_line", "device", m, before, d)
	})
	return d, err
}

// RotateLine gives line n of a device new SIP credentials (auth user and
// password); the phone picks them up at its next fetch (re-sync it).
func (s *Store) RotateLine(ctx context.Context, mac string, n int) (*Device, error) {
	m, err := NormalizeMAC(mac)
	if err != nil {
		return nil, err
	}
	var d *Device
	err = s.write(ctx, "rotate_line", func(t *tx) error {
		before, err := t.s.getDevice(t.ctx, t, m, false)
		if err != nil {
			return err
		}
		if err := editable(before); err != nil {
			return err
		}
		var uid int64
		for _, l := range before.Lines {
			if l.Line == n {
				uid = l.UserID
			}
		}
		if uid == 0 {
			return notFound("device %s has no line %d", m, n)
		}
		if err := t.putLine(m, n, uid); err != nil {
			return err
		}
		if d, err = t.s.getDevice(t.ctx, t, m, false); err != nil {
			return err
		}
		return t.audit("rotate_line", "device", m, before, d)
	})
	return d, err
}

// checkLineUser applies the rules for putting a user on a physical device.
func (t *tx) checkLineUser(userID int64) error {
	var status string
	var ext, kind sql.NullString
	err := t.QueryRowContext(t.ctx, `SELECT u.status, e.number, e.kind FROM users u LEFT JOIN extensions e ON e.user_id = u.id
		WHERE u.id = ?`, userID).Scan(&status, &ext, &kind)
	switch {
	case noRows(err):
		return notFound("user %d does not exist", userID)
	case err != nil:
		return err
	case status != "active":
		return conflict("user %d is deactivated; reactivate the user first", userID)
	case !ext.Valid:
		return invalid("user %d has no extension; give the user an extension first", userID)
	case kind.String == "virtual":
		return invalid("user %d is on virtual extension %s: no physical device can be activated on it", userID, ext.String)
	}
	return t.guardUnsupported(userID)
}

// putLine writes a line with new credentials (replacing any previous user).
// The auth user is the user's extension, "x" and 8 random characters.
func (t *tx) putLine(mac string, n int, userID int64) error {
	var ext string
	if err := t.QueryRowContext(t.ctx, `SELECT number FROM extensions WHERE user_id = ?`, userID).Scan(&ext); err != nil {
		return err
	}
	_, err := t.ExecContext(t.ctx, `INSERT INTO device_lines (mac, line, user_id, auth_user, password_enc) VALUES (?,?,?,?,?)
		ON CONFLICT (mac, line) DO UPDATE SET user_id = excluded.user_id, auth_user = excluded.auth_user,
		password_enc = excluded.password_enc`, mac, n, userID, ext+"x"+randomString(8), t.s.box.seal(randomString(20)))
	if err != nil {
		return err
	}
	if t.fresh[mac] {
		return nil // inserted by this transaction: updated_at is now
	}
	_, err = t.ExecContext(t.ctx, `UPDATE devices SET updated_at = ? WHERE mac = ?`, t.now.Unix(), mac)
	return err
}

// ClearLine removes line n of a device.
func (s *Store) ClearLine(ctx context.Context, mac string, n int) (*Device, error) {
	m, err := NormalizeMAC(mac)
	if err != nil {
		return nil, err
	}
	var d *Device
	err = s.write(ctx, "clear_line", func(t *tx) error {
		before, err := t.s.getDevice(t.ctx, t, m, false)
		if err != nil {
			return err
		}
		if err := editable(before); err != nil {
			return err
		}
		res, err := t.ExecContext(t.ctx, `DELETE FROM device_lines WHERE mac = ? AND line = ?`, m, n)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return notFound("device %s has no line %d", m, n)
		}
		if d, err = t.s.getDevice(t.ctx, t, m, false); err != nil {
			return err
		}
		return t.audit("clear_line", "device", m, before, d)
	})
	return d, err
}

// CarryOverDevice records a device that came with the upgrade. A device of
// an unsupported model keeps working on the frozen config rendered at
// import and cannot be edited; a supported one becomes active. lines maps
// line numbers to users.
func (s *Store) CarryOverDevice(ctx context.Context, mac, model string, lines map[int]int64, frozen []byte) (*Device, error) {
	m, err := NormalizeMAC(mac)
	if err != nil {
		return nil, err
	}
	cm, err := s.lookupModel(model)
	if err != nil {
		return nil, err
	}
	status := DeviceActive
	if !cm.Supported {
		status = DeviceUnsupported
	}
	var d *Device
	err = s.write(ctx, "carry_over_device", func(t *tx) error {
		if err := t.insertDevice(m, cm.Vendor, cm.Model, status, frozen); err != nil {
			return err
		}
		for n, uid := range lines {
			if n < 1 || n > cm.Lines {
				return invalid("line %d: a %s has lines 1 to %d", n, cm.Model, cm.Lines)
			}
			if err := t.putLine(m, n, uid); err != nil {
				return err
			}
		}
		if d, err = t.s.getDevice(t.ctx, t, m, false); err != nil {
			return err
		}
		return t.audit("carry_over", "device", m, nil, d)
	})
	return d, err
}

// FrozenConfig returns the config snapshotted for an unsupported device.
func (s *Store) FrozenConfig(ctx context.Context, mac string) ([]byte, error) {
	var b []byte
	err := s.r.QueryRowContext(ctx, `SELECT frozen_config FROM devices WHERE mac = ?`, mac).Scan(&b)
	if noRows(err) {
		return nil, notFound("device %s does not exist", mac)
	}
	return b, err
}
