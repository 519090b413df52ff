package devicedb

import (
	"context"
	"strings"
	"time"
)

// MaxPending bounds the pending-device list: past it the devices seen
// longest ago are dropped.
const MaxPending = 10000

// maxFetchLog bounds the fetch log (all devices together).
const maxFetchLog = 200000

// MaxUpload is the largest file a phone may upload (logs, overrides).
const MaxUpload = 1 << 20

// Sighting is one request of a device that is not in the database.
type Sighting struct {
	MAC       string    `json:"mac"`
	Vendor    string    `json:"vendor"`
	Model     string    `json:"model"`
	Firmware  string    `json:"firmware"`
	UserAgent string    `json:"user_agent"`
	SourceIP  string    `json:"source_ip"`
	At        time.Time `json:"-"`
}

// PendingDevice is an unknown device that asked for config.
type PendingDevice struct {
	Sighting
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Requests  int       `json:"requests"`
}

// FetchRecord is one config fetch by a known device.
type FetchRecord struct {
	MAC       string    `json:"-"`
	At        time.Time `json:"at"`
	IP        string    `json:"ip"`
	File      string    `json:"file"`
	Status    int       `json:"status"`
	UserAgent string    `json:"user_agent"`
	Firmware  string    `json:"-"`
}

// RecordPending stores a batch of sightings of unknown devices in one
// transaction. It is not audited (it is not an admin change) and does not
// wait for an upgrade lock.
func (s *Store) RecordPending(ctx context.Context, batch []Sighting) error {
	if len(batch) == 0 {
		return nil
	}
	return s.write(context.WithValue(ctx, bypassLockKey{}, true), "record_pending", func(t *tx) error {
		st, err := t.PrepareContext(t.ctx, `INSERT INTO pending_devices (mac, vendor, model, firmware, user_agent, source_ip, first_seen, last_seen)
			VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (mac) DO UPDATE SET vendor = excluded.vendor, model = excluded.model,
			firmware = excluded.firmware, user_agent = excluded.user_agent, source_ip = excluded.source_ip,
			last_seen = excluded.last_seen, requests = pending_devices.requests + 1`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, p := range batch {
			at := p.At.Unix()
			if _, err := st.ExecContext(t.ctx, p.MAC, clip(p.Vendor, 64), clip(p.Model, 64), clip(p.Firmware, 64),
				clip(p.UserAgent, 256), clip(p.SourceIP, 64), at, at); err != nil {
				return err
			}
		}
		_, err = t.ExecContext(t.ctx, `DELETE FROM pending_devices WHERE mac IN (SELECT mac FROM pending_devices
			ORDER BY last_seen DESC LIMIT 9223372036854775807 OFFSET ?)`, MaxPending)
		return err
	})
}

func clip(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, "?")
}

// ListPending returns one page of unknown devices, most recently seen first.
func (s *Store) ListPending(ctx context.Context, p Page) ([]PendingDevice, string, error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	q := `SELECT p.mac, p.vendor, p.model, p.firmware, p.user_agent, p.source_ip, p.first_seen, p.last_seen, p.requests
		FROM pending_devices p WHERE NOT EXISTS (SELECT 1 FROM devices d WHERE d.mac = p.mac)
		AND NOT EXISTS (SELECT 1 FROM device_tombstones t WHERE t.mac = p.mac) AND p.mac > ? ORDER BY p.mac LIMIT ?`
	rows, err := s.r.QueryContext(ctx, q, after, p.limit()+1)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := []PendingDevice{}
	for rows.Next() {
		var d PendingDevice
		var first, last int64
		if err := rows.Scan(&d.MAC, &d.Vendor, &d.Model, &d.Firmware, &d.UserAgent, &d.SourceIP, &first, &last, &d.Requests); err != nil {
			return nil, "", err
		}
		d.FirstSeen, d.LastSeen = time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC()
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	out, next := trimPage(out, p.limit(), func(d PendingDevice) string { return d.MAC })
	return out, next, nil
}

// RecordFetches stores a batch of config fetches by known devices in one
// transaction: the fetch log, and each device's last fetch and firmware.
func (s *Store) RecordFetches(ctx context.Context, batch []FetchRecord) error {
	if len(batch) == 0 {
		return nil
	}
	return s.write(context.WithValue(ctx, bypassLockKey{}, true), "record_fetches", func(t *tx) error {
		ins, err := t.PrepareContext(t.ctx, `INSERT INTO fetch_log (mac, at, ip, file, status, user_agent) VALUES (?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		upd, err := t.PrepareContext(t.ctx, `UPDATE devices SET last_fetch_at = ?, last_fetch_ip = ?,
			firmware = CASE WHEN ? <> '' THEN ? ELSE firmware END WHERE mac = ?`)
		if err != nil {
			return err
		}
		defer upd.Close()
		for _, f := range batch {
			if _, err := ins.ExecContext(t.ctx, f.MAC, f.At.Unix(), clip(f.IP, 64), clip(f.File, 128), f.Status, clip(f.UserAgent, 256)); err != nil {
				return err
			}
			fw := clip(f.Firmware, 64)
			if f.Status < 400 {
				if _, err := upd.ExecContext(t.ctx, f.At.Unix(), clip(f.IP, 64), fw, fw, f.MAC); err != nil {
					return err
				}
			}
		}
		_, err = t.ExecContext(t.ctx, `DELETE FROM fetch_log WHERE id <= (SELECT max(id) FROM fetch_log) - ?`, maxFetchLog)
		return err
	})
}

// RecentFetches returns a device's last n config fetches, newest first.
func (s *Store) RecentFetches(ctx context.Context, mac string, n int) ([]FetchRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT at, ip, file, status, user_agent FROM fetch_log WHERE mac = ? ORDER BY id DESC LIMIT ?`, mac, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []FetchRecord{}
	for rows.Next() {
		var f FetchRecord
		var at int64
		if err := rows.Scan(&at, &f.IP, &f.File, &f.Status, &f.UserAgent); err != nil {
			return nil, err
		}
		f.At = time.Unix(at, 0).UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}

// Upload is a file a phone sent (a log or its local override file).
type Upload struct {
	Name string    `json:"name"`
	Size int       `json:"size"`
	At   time.Time `json:"at"`
	Body []byte    `json:"-"`
}

// SaveUpload keeps the latest file of that name sent by a known device.
func (s *Store) SaveUpload(ctx context.Context, mac, name string, body []byte) error {
	if len(body) > MaxUpload {
		return invalid("upload %s: over %d bytes", name, MaxUpload)
	}
	return s.write(context.WithValue(ctx, bypassLockKey{}, true), "save_upload", func(t *tx) error {
		_, err := t.ExecContext(t.ctx, `INSERT INTO device_uploads (mac, name, body, at) VALUES (?,?,?,?)
			ON CONFLICT (mac, name) DO UPDATE SET body = excluded.body, at = excluded.at`, mac, clip(name, 128), body, t.now.Unix())
		return err
	})
}

// Uploads lists the files a device sent; withBody includes their content.
func (s *Store) Uploads(ctx context.Context, mac string, name string) ([]Upload, error) {
	q := `SELECT name, length(body), at, CASE WHEN ? <> '' THEN body END FROM device_uploads WHERE mac = ?`
	args := []any{name, mac}
	if name != "" {
		q += ` AND name = ?`
		args = append(args, name)
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY name`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Upload{}
	for rows.Next() {
		var u Upload
		var at int64
		var body []byte
		if err := rows.Scan(&u.Name, &u.Size, &at, &body); err != nil {
			return nil, err
		}
		u.At, u.Body = time.Unix(at, 0).UTC(), body
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetDeviceHTTPCredentials sets the per-device switch of the old route
// PUT /devices/{mac}/http-auth: on, the device must present its own
// credential even when --device-auth is laxer. The credential itself is
// not changed (every device has one, rendered into its config and shown by
// the provisioning route), so turning it on never locks a phone out.
func (s *Store) SetDeviceHTTPCredentials(ctx context.Context, mac string, on bool) (*Device, error) {
	m, err := NormalizeMAC(mac)
	if err != nil {
		return nil, err
	}
	var d *Device
	err = s.write(ctx, "set_http_credentials", func(t *tx) error {
		before, err := t.s.getDevice(t.ctx, t, m, false)
		if err != nil {
			return err
		}
		if err := editable(before); err != nil {
			return err
		}
		if _, err := t.ExecContext(t.ctx, `UPDATE devices SET http_auth = ?, updated_at = ? WHERE mac = ?`,
			on, t.now.Unix(), m); err != nil {
			return err
		}
		if d, err = t.s.getDevice(t.ctx, t, m, false); err != nil {
			return err
		}
		return t.audit("set_http_credentials", "device", m, map[string]bool{"on": before.HTTPAuth}, map[string]bool{"on": on})
	})
	return d, err
}

// CountPending says how many unknown devices are on the pending list.
func (s *Store) CountPending(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM pending_devices p WHERE NOT EXISTS (SELECT 1 FROM devices d WHERE d.mac = p.mac)
		AND NOT EXISTS (SELECT 1 FROM device_tombstones t WHERE t.mac = p.mac)`).Scan(&n)
	return n, err
}
