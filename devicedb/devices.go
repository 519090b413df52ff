package devicedb

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/phoneprov/phoneprov/templates"
)

// Device statuses.
const (
	// DeviceActive: a supported device, rendered from the database.
	DeviceActive = "active"
	// DeviceUnsupported: a device of an unsupported model carried over by
	// the upgrade; it keeps its frozen config and cannot be edited.
	DeviceUnsupported = "unsupported"
	// DeviceRetired: replaced by another device; no config is served.
	DeviceRetired = "retired"
)

// Device is a physical desk phone or adapter.
type Device struct {
	MAC       string `json:"mac"`
	Vendor    string `json:"vendor"`
	Model     string `json:"model"`
	Supported bool   `json:"supported"`
	Status    string `json:"status"`
	// Replacement is the catalog's suggestion for an unsupported model.
	Replacement string       `json:"replacement,omitempty"`
	MaxLines    int          `json:"max_lines"`
	Firmware    string       `json:"firmware"`
	Lines       []DeviceLine `json:"lines"`
	LastFetch   *Fetch       `json:"last_fetch"`
	ReplacedBy  string       `json:"replaced_by,omitempty"`
	// HTTPAuth is true when the device must present its own credential
	// even when --device-auth is laxer (PUT /devices/{mac}/http-auth).
	HTTPAuth bool      `json:"http_auth"`
	Created  time.Time `json:"created_at"`
	Updated  time.Time `json:"updated_at"`
}

// Fetch is a config fetch by a device.
type Fetch struct {
	At time.Time `json:"at"`
	IP string    `json:"ip"`
}

// DeviceLine is one line of a device and the user it belongs to.
type DeviceLine struct {
	Line      int    `json:"line"`
	UserID    int64  `json:"user_id"`
	Username  string `json:"username"`
	Extension string `json:"extension"`
	// DisplayName is the user's first and last name.
	DisplayName string `json:"display_name"`
	AuthUser    string `json:"auth_user"`
	// Enabled is false when the line cannot work: the user is deactivated
	// or holds no license (a contact), the extension is virtual, or the
	// device is retired. DisabledReason says which.
	Enabled        bool   `json:"enabled"`
	DisabledReason string `json:"disabled_reason,omitempty"`
	// Password is the line's SIP password; only set by DeviceConfig, never
	// in the admin API.
	Password string `json:"-"`
	// TimeZone and Language are the user's, for rendering.
	TimeZone string `json:"-"`
	Language string `json:"-"`
}

// NewDevice is what CreateDevice takes.
type NewDevice struct {
	MAC   string `json:"mac"`
	Model string `json:"model"`
}

// DeviceFilter narrows ListDevices.
type DeviceFilter struct {
	// Status is active (the default: supported devices), unsupported,
	// retired or all.
	Status string
	Vendor string
	Model  string
	UserID int64
	// Query finds devices by part of the MAC (any spelling), or of the
	// username, extension or phone number of a user on one of its lines.
	Query string
	// Keep, when set, keeps only the devices for which it holds, e.g. a
	// firmware below the model's target, or a live registration.
	Keep func(d *Device) bool
}

// likeEscaper escapes a LIKE pattern's wildcards (used with ESCAPE '\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

const deviceCols = `SELECT mac, vendor, model, status, firmware, last_fetch_at, last_fetch_ip, replaced_by, http_auth <> 0, created_at, updated_at FROM devices `

func (s *Store) scanDevice(sc interface{ Scan(...any) error }) (*Device, error) {
	d := &Device{Lines: []DeviceLine{}}
	var fetchAt sql.NullInt64
	var fetchIP string
	var created, updated int64
	if err := sc.Scan(&d.MAC, &d.Vendor, &d.Model, &d.Status, &d.Firmware, &fetchAt, &fetchIP, &d.ReplacedBy, &d.HTTPAuth, &created, &updated); err != nil {
		return nil, err
	}
	d.Created, d.Updated = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	if fetchAt.Valid {
		d.LastFetch = &Fetch{At: time.Unix(fetchAt.Int64, 0).UTC(), IP: fetchIP}
	}
	if m, ok := s.cat.Lookup(d.Model); ok {
		d.Supported = m.Supported
		d.MaxLines = m.Lines
		if !m.Supported {
			d.Replacement = m.Replacement
		}
	}
	return d, nil
}

// lineCols reads a device's lines with what decides whether each works.
// licensedExpr is true when user u holds an active license. A scalar
// subquery, not EXISTS: PostgreSQL may plan an EXISTS as a hashed scan of
// every license (11 ms a line in a large import, whose tables grew since
// their statistics), while this one always takes licenses_user.
const licensedExpr = `((SELECT 1 FROM licenses x WHERE x.user_id = u.id AND x.suspended = '' LIMIT 1) IS NOT NULL)`

const lineCols = `SELECT l.mac, l.line, l.user_id, u.username, coalesce(e.number, ''), coalesce(e.kind, ''),
	u.first_name, u.last_name, u.status, l.auth_user, l.password_enc, u.time_zone, u.language,
	` + licensedExpr + `
	FROM device_lines l JOIN users u ON u.id = l.user_id LEFT JOIN extensions e ON e.user_id = u.id
	WHERE l.mac = ? ORDER BY l.line`

func (s *Store) loadLines(ctx context.Context, q querier, d *Device, secrets bool) error {
	rows, err := q.QueryContext(ctx, lineCols, d.MAC)
	if err != nil {
		return err
	}
	return s.scanLines(rows, func(string) *Device { return d }, secrets)
}

// loadPageLines loads the lines of a page of devices with one query.
func (s *Store) loadPageLines(ctx context.Context, q querier, ds []Device) error {
	if len(ds) == 0 {
		return nil
	}
	byMAC := make(map[string]*Device, len(ds))
	args := make([]any, len(ds))
	for i := range ds {
		byMAC[ds[i].MAC] = &ds[i]
		args[i] = ds[i].MAC
	}
	query := strings.Replace(lineCols, "WHERE l.mac = ? ORDER BY l.line",
		"WHERE l.mac IN (?"+strings.Repeat(",?", len(ds)-1)+") ORDER BY l.mac, l.line", 1)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	return s.scanLines(rows, func(mac string) *Device { return byMAC[mac] }, false)
}

// scanLines reads lineCols rows into the devices dev returns by MAC.
func (s *Store) scanLines(rows *sql.Rows, dev func(mac string) *Device, secrets bool) error {
	defer rows.Close()
	for rows.Next() {
		var l DeviceLine
		var mac, kind, first, last, status string
		var pw []byte
		var licensed bool
		if err := rows.Scan(&mac, &l.Line, &l.UserID, &l.Username, &l.Extension, &kind, &first, &last, &status,
			&l.AuthUser, &pw, &l.TimeZone, &l.Language, &licensed); err != nil {
			return err
		}
		d := dev(mac)
		if d == nil {
			continue
		}
		l.DisplayName = strings.TrimSpace(first + " " + last)
		l.DisabledReason = lineRefusal(d.Status, status, kind, l.Extension, licensed)
		l.Enabled = l.DisabledReason == ""
		if secrets {
			var err error
			if l.Password, err = s.box.open(pw); err != nil {
				return err
			}
		}
		d.Lines = append(d.Lines, l)
	}
	return rows.Err()
}

// lineRefusal says why a line cannot work (render disabled, refuse its
// REGISTER), or "" when it can.
func lineRefusal(deviceStatus, userStatus, extKind, extension string, licensed bool) string {
	switch {
	case deviceStatus == DeviceRetired:
		return "device retired"
	case userStatus != "active":
		return "user deactivated"
	case !licensed:
		return "user holds no license (a contact)"
	case extKind == "virtual":
		return "virtual extension: no physical device can be activated on it"
	case extension == "":
		return "user has no extension"
	}
	return ""
}

func (s *Store) getDevice(ctx context.Context, q querier, mac string, secrets bool) (*Device, error) {
	d, err := s.scanDevice(q.QueryRowContext(ctx, deviceCols+`WHERE mac = ?`, mac))
	if noRows(err) {
		return nil, notFound("device %s does not exist", mac)
	}
	if err != nil {
		return nil, err
	}
	return d, s.loadLines(ctx, q, d, secrets)
}

// GetDevice returns a device with its lines (no secrets). mac may be in any
// common spelling.
func (s *Store) GetDevice(ctx context.Context, mac string) (*Device, error) {
	m, err := NormalizeMAC(mac)
	if err != nil {
		return nil, err
	}
	return s.getDevice(ctx, s.r, m, false)
}

// DeviceConfig returns a device with its lines and their SIP passwords, for
// the config server and the registrar. mac must be normalised.
func (s *Store) DeviceConfig(ctx context.Context, mac string) (*Device, error) {
	return s.getDevice(ctx, hotReader{s}, mac, true)
}

// hotReader answers the config server's two queries from statements
// prepared at Open.
type hotReader struct{ s *Store }

func (h hotReader) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if q == deviceCols+`WHERE mac = ?` {
		return h.s.hot.device.QueryRowContext(ctx, args...)
	}
	return h.s.r.QueryRowContext(ctx, q, args...)
}

func (h hotReader) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if q == lineCols {
		return h.s.hot.lines.QueryContext(ctx, args...)
	}
	return h.s.r.QueryContext(ctx, q, args...)
}

// ListDevices returns one page of devices ordered by MAC.
func (s *Store) ListDevices(ctx context.Context, f DeviceFilter, p Page) ([]Device, string, error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	where := []string{"mac > ?"}
	args := []any{after}
	switch f.Status {
	case "", DeviceActive:
		where = append(where, "status = 'active'")
	case DeviceUnsupported, DeviceRetired:
		where, args = append(where, "status = ?"), append(args, f.Status)
	case "all":
	default:
		return nil, "", invalid("status %q: use active, unsupported, retired or all", f.Status)
	}
	if f.Vendor != "" {
		where, args = append(where, "lower(vendor) = lower(?)"), append(args, f.Vendor)
	}
	if f.Model != "" {
		m, ok := s.cat.Lookup(f.Model)
		name := f.Model
		if ok {
			name = m.Model
		}
		where, args = append(where, "model = ?"), append(args, name)
	}
	if f.UserID != 0 {
		where, args = append(where, "mac IN (SELECT mac FROM device_lines WHERE user_id = ?)"), append(args, f.UserID)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		if len(q) > 100 {
			return nil, "", invalid("q: at most 100 characters")
		}
		like := "%" + likeEscaper.Replace(strings.ToLower(q)) + "%"
		macPart := strings.NewReplacer(":", "", "-", "", ".", "").Replace(strings.ToLower(q))
		where = append(where, `(mac LIKE ? ESCAPE '\' OR mac IN (SELECT dl.mac FROM device_lines dl JOIN users u ON u.id = dl.user_id
			LEFT JOIN extensions e ON e.user_id = u.id LEFT JOIN phone_numbers pn ON pn.user_id = u.id
			WHERE lower(u.username) LIKE ? ESCAPE '\' OR e.number LIKE ? ESCAPE '\' OR pn.number LIKE ? ESCAPE '\'))`)
		args = append(args, "%"+likeEscaper.Replace(macPart)+"%", like, like, like)
	}
	var out []Device
	limit := p.limit()
	for {
		rows, err := s.r.QueryContext(ctx, deviceCols+"WHERE "+strings.Join(where, " AND ")+" ORDER BY mac LIMIT ?", append(args, limit+1)...)
		if err != nil {
			return nil, "", err
		}
		n, last := 0, ""
		for rows.Next() {
			d, err := s.scanDevice(rows)
			if err != nil {
				rows.Close()
				return nil, "", err
			}
			n, last = n+1, d.MAC
			if f.Keep == nil || f.Keep(d) {
				out = append(out, *d)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, "", err
		}
		// With Keep, read on until the page is full or the table ends.
		if f.Keep == nil || n <= limit || len(out) > limit {
			break
		}
		args[0] = last
	}
	out, next := trimPage(out, p.limit(), func(d Device) string { return d.MAC })
	if err := s.loadPageLines(ctx, s.r, out); err != nil {
		return nil, "", err
	}
	if out == nil {
		out = []Device{}
	}
	return out, next, nil
}

// lookupModel resolves a model name against the catalog.
func (s *Store) lookupModel(name string) (templates.Model, error) {
	m, ok := s.cat.Lookup(name)
	if !ok {
		return m, invalid("model %q is not in the catalog; GET /api/v1/models lists the known models", name)
	}
	return m, nil
}
