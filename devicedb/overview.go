package devicedb

import (
	"context"
	"time"
)

// Counts are the account's figures of the overview: devices by status,
// provisioned lines and licenses by status.
type Counts struct {
	// Devices: active (supported), unsupported, retired; pending are
	// unknown devices that asked for a config (to adopt).
	DevicesActive      int `json:"devices_supported"`
	DevicesUnsupported int `json:"devices_unsupported"`
	DevicesRetired     int `json:"devices_retired"`
	DevicesPending     int `json:"devices_pending"`
	// LinesProvisioned counts the lines of active devices.
	LinesProvisioned   int `json:"lines_provisioned"`
	LicensesAssigned   int `json:"licenses_assigned"`
	LicensesUnassigned int `json:"licenses_unassigned"`
	LicensesSuspended  int `json:"licenses_suspended"`
}

// CountAll returns the overview's figures, each the count of the list that
// the same filter gives (ListDevices, ListPending, ListLicenses).
func (s *Store) CountAll(ctx context.Context) (Counts, error) {
	var c Counts
	err := s.r.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM devices WHERE status = 'active'),
		(SELECT count(*) FROM devices WHERE status = 'unsupported'),
		(SELECT count(*) FROM devices WHERE status = 'retired'),
		(SELECT count(*) FROM device_lines dl JOIN devices d ON d.mac = dl.mac WHERE d.status = 'active'),
		(SELECT count(*) FROM licenses WHERE suspended = '' AND user_id IS NOT NULL),
		(SELECT count(*) FROM licenses WHERE suspended = '' AND user_id IS NULL),
		(SELECT count(*) FROM licenses WHERE suspended <> '')`).Scan(&c.DevicesActive, &c.DevicesUnsupported, &c.DevicesRetired,
		&c.LinesProvisioned, &c.LicensesAssigned, &c.LicensesUnassigned, &c.LicensesSuspended)
	if err != nil {
		return c, err
	}
	c.DevicesPending, err = s.CountPending(ctx)
	return c, err
}

// CountBelow counts the active devices for which below(model, firmware)
// holds (e.g. a firmware below the model's target).
func (s *Store) CountBelow(ctx context.Context, below func(model, firmware string) bool) (int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT model, firmware FROM devices WHERE status = 'active'`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var model, fw string
		if err := rows.Scan(&model, &fw); err != nil {
			return 0, err
		}
		if below(model, fw) {
			n++
		}
	}
	return n, rows.Err()
}

// HourCount is how many events of one outcome happened in one hour.
type HourCount struct {
	Hour    time.Time `json:"hour"`
	Outcome string    `json:"outcome"`
	N       int       `json:"n"`
}

// Fetch outcomes of the hourly series.
const (
	FetchServed      = "served"       // 2xx
	FetchNotModified = "not_modified" // 304
	FetchRefused     = "refused"      // 4xx, 5xx
)

// HourlyFetches counts the config fetches of known devices per hour and
// outcome (FetchServed, FetchNotModified, FetchRefused) since since.
func (s *Store) HourlyFetches(ctx context.Context, since time.Time) ([]HourCount, error) {
	return s.hourly(ctx, `SELECT at / 3600, CASE WHEN status = 304 THEN 'not_modified' WHEN status < 300 THEN 'served' ELSE 'refused' END AS o, count(*)
		FROM fetch_log WHERE at >= ? GROUP BY 1, 2 ORDER BY 1, 2`, since)
}

// HourlyRegisters counts REGISTERs per hour and outcome since since, as
// added by AddRegisterCounts.
func (s *Store) HourlyRegisters(ctx context.Context, since time.Time) ([]HourCount, error) {
	return s.hourly(ctx, `SELECT hour, outcome, n FROM sip_hourly WHERE hour >= ? / 3600 ORDER BY hour, outcome`, since)
}

func (s *Store) hourly(ctx context.Context, q string, since time.Time) ([]HourCount, error) {
	rows, err := s.r.QueryContext(ctx, q, since.Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []HourCount{}
	for rows.Next() {
		var h int64
		var c HourCount
		if err := rows.Scan(&h, &c.Outcome, &c.N); err != nil {
			return nil, err
		}
		c.Hour = time.Unix(h*3600, 0).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// sipHourlyKeep is how long the hourly REGISTER counts are kept.
const sipHourlyKeep = 8 * 24 * time.Hour

// AddRegisterCounts adds a batch of REGISTER outcome counts to the hour
// holding at, and prunes old hours. It is a server record, not an admin
// change: not audited, and it goes on during an upgrade.
func (s *Store) AddRegisterCounts(ctx context.Context, at time.Time, counts map[string]int) error {
	if len(counts) == 0 {
		return nil
	}
	hour := at.Unix() / 3600
	return s.write(context.WithValue(ctx, bypassLockKey{}, true), "register_counts", func(t *tx) error {
		for o, n := range counts {
			if _, err := t.ExecContext(t.ctx, `INSERT INTO sip_hourly (hour, outcome, n) VALUES (?,?,?)
				ON CONFLICT (hour, outcome) DO UPDATE SET n = sip_hourly.n + excluded.n`, hour, o, n); err != nil {
				return err
			}
		}
		_, err := t.ExecContext(t.ctx, `DELETE FROM sip_hourly WHERE hour < ?`, hour-int64(sipHourlyKeep/time.Hour))
		return err
	})
}

// ListFetchLog returns the config fetches of known devices from since to
// until, newest first, at most limit (1 to 1000), of one outcome
// (FetchServed, FetchNotModified, FetchRefused) or all ("").
func (s *Store) ListFetchLog(ctx context.Context, since, until time.Time, outcome string, limit int) ([]FetchRecord, error) {
	cond := map[string]string{"": "1 = 1", FetchServed: "status < 300", FetchNotModified: "status = 304", FetchRefused: "status >= 300 AND status <> 304"}[outcome]
	if cond == "" {
		return nil, invalid("outcome %q: use served, not_modified or refused", outcome)
	}
	if limit < 1 || limit > 1000 {
		limit = 1000
	}
	rows, err := s.r.QueryContext(ctx, `SELECT mac, at, ip, file, status, user_agent FROM fetch_log
		WHERE at >= ? AND at < ? AND `+cond+` ORDER BY at DESC, id DESC LIMIT ?`, since.Unix(), until.Unix(), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []FetchRecord{}
	for rows.Next() {
		var f FetchRecord
		var at int64
		if err := rows.Scan(&f.MAC, &at, &f.IP, &f.File, &f.Status, &f.UserAgent); err != nil {
			return nil, err
		}
		f.At = time.Unix(at, 0).UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}
