package devicedb

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"time"
)

// DeviceCredentials are a device's own provisioning secrets.
type DeviceCredentials struct {
	// User and Password are the HTTP credential the device fetches with.
	User     string
	Password string
	// NextPassword is set after a rotation until the device has fetched
	// with it; until then both passwords are accepted.
	NextPassword string
	// WebUIPassword is the admin password of the phone's own web UI.
	WebUIPassword string
	// Required is the per-device switch of PUT /devices/{mac}/http-auth.
	Required bool
}

// Newest is the password the device should use from now on: the rotated
// one when there is one.
func (c *DeviceCredentials) Newest() string {
	if c.NextPassword != "" {
		return c.NextPassword
	}
	return c.Password
}

// Enrollment is a device's one-time enrollment token.
type Enrollment struct {
	MAC     string
	Token   string
	Created time.Time
	Expires time.Time
	// Used is when the device first fetched with it; zero until then.
	Used   time.Time
	UsedIP string
}

// MaxEnrollmentTTL bounds how long an enrollment token is valid.
const MaxEnrollmentTTL = 30 * 24 * time.Hour

// deviceUser is the HTTP user name of a device.
func deviceUser(mac string) string { return "d" + mac }

// trustable refuses credential changes only for retired devices: an
// unsupported device carried over by the upgrade still fetches its frozen
// config, and needs its credential and enrollment like any other.
func trustable(d *Device) error {
	if d.Status == DeviceRetired {
		return editable(d)
	}
	return nil
}

// newDeviceSecrets fills a fresh device's credential and web-UI password.
func (t *tx) newDeviceSecrets(mac string) error {
	_, err := t.ExecContext(t.ctx, `UPDATE devices SET http_user = ?, http_password_enc = ?, web_ui_password_enc = ? WHERE mac = ?`,
		deviceUser(mac), t.s.box.seal(randomString(20)), t.s.box.seal(randomString(12)), mac)
	return err
}

// issueMissingSecrets gives every device that has none (devices created
// before credentials existed) its credential and web-UI password.
func (s *Store) issueMissingSecrets(ctx context.Context) error {
	return s.write(context.WithValue(ctx, bypassLockKey{}, true), "issue_device_secrets", func(t *tx) error {
		rows, err := t.QueryContext(t.ctx, `SELECT mac, http_user FROM devices WHERE http_user = '' OR http_password_enc IS NULL OR web_ui_password_enc IS NULL`)
		if err != nil {
			return err
		}
		type row struct{ mac, user string }
		var todo []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.mac, &r.user); err != nil {
				rows.Close()
				return err
			}
			todo = append(todo, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range todo {
			if r.user == "" {
				if err := t.newDeviceSecrets(r.mac); err != nil {
					return err
				}
				continue
			}
			if _, err := t.ExecContext(t.ctx, `UPDATE devices SET web_ui_password_enc = ? WHERE mac = ? AND web_ui_password_enc IS NULL`,
				t.s.box.seal(randomString(12)), r.mac); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeviceCredentials returns a device's provisioning secrets. mac must be
// normalised.
func (s *Store) DeviceCredentials(ctx context.Context, mac string) (*DeviceCredentials, error) {
	return s.deviceCredentials(ctx, s.r, mac)
}

func (s *Store) deviceCredentials(ctx context.Context, q querier, mac string) (*DeviceCredentials, error) {
	var c DeviceCredentials
	var pw, next, web []byte
	err := q.QueryRowContext(ctx, `SELECT http_user, http_password_enc, http_next_password_enc, web_ui_password_enc, http_auth <> 0
		FROM devices WHERE mac = ?`, mac).Scan(&c.User, &pw, &next, &web, &c.Required)
	if noRows(err) {
		return nil, notFound("no device %s", mac)
	}
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		enc []byte
		dst *string
	}{{pw, &c.Password}, {next, &c.NextPassword}, {web, &c.WebUIPassword}} {
		if len(f.enc) == 0 {
			continue
		}
		if *f.dst, err = s.box.open(f.enc); err != nil {
			return nil, err
		}
	}
	return &c, nil
}

// RotateDeviceCredentials issues a new HTTP password (and, with webUI, a
// new web-UI password). The old HTTP password keeps working until the
// device has fetched with the new one (PromoteDeviceCredential), so a
// phone is never locked out: its next config carries the new one.
func (s *Store) RotateDeviceCredentials(ctx context.Context, mac string, webUI bool) (*DeviceCredentials, error) {
	m, err := NormalizeMAC(mac)
	if err != nil {
		return nil, err
	}
	var c *DeviceCredentials
	err = s.write(ctx, "rotate_device_credentials", func(t *tx) error {
		d, err := t.s.getDevice(t.ctx, t, m, false)
		if err != nil {
			return err
		}
		if err := trustable(d); err != nil {
			return err
		}
		if _, err := t.ExecContext(t.ctx, `UPDATE devices SET http_next_password_enc = ?, updated_at = ? WHERE mac = ?`,
			t.s.box.seal(randomString(20)), t.now.Unix(), m); err != nil {
			return err
		}
		if webUI {
			if _, err := t.ExecContext(t.ctx, `UPDATE devices SET web_ui_password_enc = ? WHERE mac = ?`,
				t.s.box.seal(randomString(12)), m); err != nil {
				return err
			}
		}
		if c, err = t.s.deviceCredentials(t.ctx, t, m); err != nil {
			return err
		}
		return t.audit("rotate_credentials", "device", m, nil, map[string]bool{"http": true, "web_ui": webUI})
	})
	return c, err
}

// PromoteDeviceCredential makes the rotated password the device's only
// one, after the device fetched with it. It is not an admin change: what
// is rendered does not change.
func (s *Store) PromoteDeviceCredential(ctx context.Context, mac string) error {
	return s.write(context.WithValue(ctx, bypassLockKey{}, true), "promote_device_credential", func(t *tx) error {
		res, err := t.ExecContext(t.ctx, `UPDATE devices SET http_password_enc = http_next_password_enc, http_next_password_enc = NULL
			WHERE mac = ? AND http_next_password_enc IS NOT NULL`, mac)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return t.audit("credential_rotated_in_use", "device", mac, nil, nil)
	})
}

// CreateEnrollment issues a device's one-time enrollment token, valid for
// ttl (1 second to MaxEnrollmentTTL); it replaces an earlier one.
func (s *Store) CreateEnrollment(ctx context.Context, mac string, ttl time.Duration) (*Enrollment, error) {
	m, err := NormalizeMAC(mac)
	if err != nil {
		return nil, err
	}
	if ttl < time.Second || ttl > MaxEnrollmentTTL {
		return nil, invalid("ttl %v: use 1s to %v, e.g. \"24h\"", ttl, MaxEnrollmentTTL)
	}
	var e *Enrollment
	err = s.write(ctx, "create_enrollment", func(t *tx) error {
		d, err := t.s.getDevice(t.ctx, t, m, false)
		if err != nil {
			return err
		}
		if err := trustable(d); err != nil {
			return err
		}
		tok := randomString(32)
		e = &Enrollment{MAC: m, Token: tok, Created: t.now, Expires: t.now.Add(ttl)}
		if _, err := t.ExecContext(t.ctx, `INSERT INTO device_enrollments (mac, token_hash, token_enc, created_at, expires_at)
			VALUES (?,?,?,?,?) ON CONFLICT (mac) DO UPDATE SET token_hash = excluded.token_hash, token_enc = excluded.token_enc,
			created_at = excluded.created_at, expires_at = excluded.expires_at, used_at = NULL, used_ip = ''`, m, tokenHash(tok), t.s.box.seal(tok), t.now.Unix(), e.Expires.Unix()); err != nil {
			return err
		}
		return t.audit("create_enrollment", "device", m, nil, map[string]string{"expires_at": e.Expires.UTC().Format(time.RFC3339)})
	})
	return e, err
}

const enrollmentCols = `SELECT mac, token_enc, created_at, expires_at, used_at, used_ip FROM device_enrollments `

func (s *Store) scanEnrollment(row *sql.Row) (*Enrollment, error) {
	var e Enrollment
	var enc []byte
	var created, expires int64
	var used sql.NullInt64
	err := row.Scan(&e.MAC, &enc, &created, &expires, &used, &e.UsedIP)
	if noRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if e.Token, err = s.box.open(enc); err != nil {
		return nil, err
	}
	e.Created, e.Expires = time.Unix(created, 0).UTC(), time.Unix(expires, 0).UTC()
	if used.Valid {
		e.Used = time.Unix(used.Int64, 0).UTC()
	}
	return &e, nil
}

// DeviceEnrollment returns a device's enrollment token, or nil when it has
// none. mac must be normalised.
func (s *Store) DeviceEnrollment(ctx context.Context, mac string) (*Enrollment, error) {
	return s.scanEnrollment(s.r.QueryRowContext(ctx, enrollmentCols+`WHERE mac = ?`, mac))
}

// EnrollmentByToken finds the enrollment of a token, or nil.
func (s *Store) EnrollmentByToken(ctx context.Context, token string) (*Enrollment, error) {
	if token == "" {
		return nil, nil
	}
	return s.scanEnrollment(s.r.QueryRowContext(ctx, enrollmentCols+`WHERE token_hash = ?`, tokenHash(token)))
}

// UseEnrollment records a device's first fetch with its enrollment token
// (audited); later calls change nothing.
func (s *Store) UseEnrollment(ctx context.Context, mac, ip string) error {
	return s.write(context.WithValue(ctx, bypassLockKey{}, true), "use_enrollment", func(t *tx) error {
		res, err := t.ExecContext(t.ctx, `UPDATE device_enrollments SET used_at = ?, used_ip = ? WHERE mac = ? AND used_at IS NULL`,
			t.now.Unix(), clip(ip, 64), mac)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return t.audit("enrollment_used", "device", mac, nil, map[string]string{"ip": ip})
	})
}

// DeviceHTTPCredentials returns a device's HTTP user and the password it
// should use (the rotated one when there is one).
func (s *Store) DeviceHTTPCredentials(ctx context.Context, mac string) (user, password string, err error) {
	c, err := s.DeviceCredentials(ctx, mac)
	if err != nil {
		return "", "", err
	}
	return c.User, c.Newest(), nil
}

// Provisioning is what an admin hands a device or a site: where the device
// fetches from with its credential, and its web-UI password.
type Provisioning struct {
	// URL is the provisioning server with the credential as user:password@;
	// the phone asks for <url>/<file name>.
	URL      string `json:"url"`
	Username string `json:"username"`
	Password string `json:"password"`
	// DHCPOption66 is the value for DHCP option 66 (Poly: also 160).
	DHCPOption66  string `json:"dhcp_option_66"`
	WebUIPassword string `json:"web_ui_password"`
	// Enrollment is the device's one-time enrollment URL, or null.
	Enrollment *EnrollmentInfo `json:"enrollment"`
}

// EnrollmentInfo is an enrollment URL and its state.
type EnrollmentInfo struct {
	URL       string     `json:"url"`
	ExpiresAt time.Time  `json:"expires_at"`
	UsedAt    *time.Time `json:"used_at"`
}

// EnrollmentURL is the URL of an enrollment token under baseURL (the
// phone's provisioning base URL, ending in "/").
func EnrollmentURL(baseURL, token string) string { return baseURL + "e/" + token + "/" }

// EnrollmentInfoOf is what the API and the console show of an enrollment.
func EnrollmentInfoOf(baseURL string, e *Enrollment) *EnrollmentInfo {
	if e == nil {
		return nil
	}
	in := &EnrollmentInfo{URL: EnrollmentURL(baseURL, e.Token), ExpiresAt: e.Expires}
	if !e.Used.IsZero() {
		u := e.Used
		in.UsedAt = &u
	}
	return in
}

// DeviceProvisioning returns what to hand a device: baseURL is the
// provisioning base URL phones fetch from ("https://host:port/").
func (s *Store) DeviceProvisioning(ctx context.Context, mac, baseURL string) (*Provisioning, error) {
	m, err := NormalizeMAC(mac)
	if err != nil {
		return nil, err
	}
	c, err := s.DeviceCredentials(ctx, m)
	if err != nil {
		return nil, err
	}
	e, err := s.DeviceEnrollment(ctx, m)
	if err != nil {
		return nil, err
	}
	u := baseURL
	if scheme, rest, ok := strings.Cut(baseURL, "://"); ok {
		u = scheme + "://" + url.UserPassword(c.User, c.Newest()).String() + "@" + rest
	}
	return &Provisioning{URL: u, Username: c.User, Password: c.Newest(), DHCPOption66: u, WebUIPassword: c.WebUIPassword,
		Enrollment: EnrollmentInfoOf(baseURL, e)}, nil
}
