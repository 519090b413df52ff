package devicedb

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"
)

// User is a user profile with what is assigned to it.
type User struct {
	ID               int64     `json:"id"`
	Username         string    `json:"username"`
	FirstName        string    `json:"first_name"`
	LastName         string    `json:"last_name"`
	Email            string    `json:"email"`
	Extension        *string   `json:"extension"`
	ExtensionKind    string    `json:"extension_kind,omitempty"`
	TimeZone         string    `json:"time_zone"`
	Language         string    `json:"language"`
	VoicemailToEmail string    `json:"voicemail_to_email"`
	Status           string    `json:"status"`
	Licenses         []License `json:"licenses"`
	PhoneNumbers     []string  `json:"phone_numbers"`
	// Contact is true when the user holds no usable license: it cannot
	// register a device and gets no working lines.
	Contact bool         `json:"contact"`
	Devices []UserDevice `json:"devices"`
	Created time.Time    `json:"created_at"`
	Updated time.Time    `json:"updated_at"`
	UserFeatures
}

// UserDevice is a device line held by a user.
type UserDevice struct {
	MAC       string `json:"mac"`
	Line      int    `json:"line"`
	Model     string `json:"model"`
	Supported bool   `json:"supported"`
}

// NewUser is what CreateUser takes. Empty optional fields get defaults:
// time zone America/Los_Angeles, language en-US, voicemail_to_email
// notification_only, extension kind regular.
type NewUser struct {
	Username         string `json:"username"`
	FirstName        string `json:"first_name"`
	LastName         string `json:"last_name"`
	Email            string `json:"email"`
	Extension        string `json:"extension,omitempty"`
	ExtensionKind    string `json:"extension_kind,omitempty"`
	TimeZone         string `json:"time_zone,omitempty"`
	Language         string `json:"language,omitempty"`
	VoicemailToEmail string `json:"voicemail_to_email,omitempty"`
}

// Defaults for users created without them (the seeds' profile-only rule).
const (
	DefaultTimeZone  = "America/Los_Angeles"
	DefaultLanguage  = "en-US"
	DefaultVoicemail = "notification_only"
)

// UserPatch changes the fields that are not nil. Extension "" removes the
// user's extension.
type UserPatch struct {
	Username         *string `json:"username,omitempty"`
	FirstName        *string `json:"first_name,omitempty"`
	LastName         *string `json:"last_name,omitempty"`
	Email            *string `json:"email,omitempty"`
	Extension        *string `json:"extension,omitempty"`
	ExtensionKind    *string `json:"extension_kind,omitempty"`
	TimeZone         *string `json:"time_zone,omitempty"`
	Language         *string `json:"language,omitempty"`
	VoicemailToEmail *string `json:"voicemail_to_email,omitempty"`
	UserFeaturesPatch
}

// UserFilter narrows ListUsers.
type UserFilter struct {
	// Username matches exactly (case-insensitive) when set.
	Username string
	// Query matches username, names, e-mail or extension by substring.
	Query string
}

func (n *NewUser) check() error {
	if n.TimeZone == "" {
		n.TimeZone = DefaultTimeZone
	}
	if n.Language == "" {
		n.Language = DefaultLanguage
	}
	if n.VoicemailToEmail == "" {
		n.VoicemailToEmail = DefaultVoicemail
	}
	for _, err := range []error{
		checkUsername(n.Username), checkName("first_name", n.FirstName), checkName("last_name", n.LastName),
		checkEmail(n.Email), checkTimeZone(n.TimeZone), checkLanguage(n.Language), checkVoicemail(n.VoicemailToEmail),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// CreateUser creates a user profile, with its extension when one is named.
func (s *Store) CreateUser(ctx context.Context, n NewUser) (*User, error) {
	if err := n.check(); err != nil {
		return nil, err
	}
	var u *User
	err := s.write(ctx, "create_user", func(t *tx) error {
		id, err := t.insertUser(n)
		if err != nil {
			return err
		}
		if n.Extension != "" {
			if err := t.assignExtension(id, n.Extension, n.ExtensionKind); err != nil {
				return err
			}
		}
		if u, err = loadUser(t.ctx, t, id); err != nil {
			return err
		}
		return t.audit("create", "user", idStr(id), nil, u)
	})
	return u, err
}

func (t *tx) insertUser(n NewUser) (int64, error) {
	var id int64
	err := t.QueryRowContext(t.ctx, `INSERT INTO users (username, first_name, last_name, email, time_zone, language,
		voicemail_to_email, status, created_at, updated_at) VALUES (?,?,?,?,?,?,?, 'active', ?, ?) RETURNING id`,
		n.Username, n.FirstName, n.LastName, n.Email, n.TimeZone, n.Language, n.VoicemailToEmail, t.now.Unix(), t.now.Unix()).Scan(&id)
	if isUnique(err) {
		return 0, conflict("username %q is taken; choose another", n.Username)
	}
	if err != nil {
		return 0, err
	}
	return id, nil
}

// assignExtension gives user id the extension number, creating it (of the
// given kind, default regular) when it does not exist yet.
func (t *tx) assignExtension(id int64, number, kind string) error {
	if err := checkExtensionNumber(number); err != nil {
		return err
	}
	if kind == "" {
		kind = "regular"
	}
	if kind != "regular" && kind != "virtual" {
		return invalid("extension_kind %q: use regular or virtual", kind)
	}
	var curKind, label string
	var readOnly bool
	var owner sql.NullInt64
	err := t.QueryRowContext(t.ctx, `SELECT kind, read_only, user_id, label FROM extensions WHERE number = ?`, number).Scan(&curKind, &readOnly, &owner, &label)
	switch {
	case noRows(err):
		_, err = t.ExecContext(t.ctx, `INSERT INTO extensions (number, kind, user_id) VALUES (?,?,?)`, number, kind, id)
		return err
	case err != nil:
		return err
	case readOnly:
		return conflict("extension %s is the default auto attendant: it keeps working but is read-only", number)
	case curKind == "reserved" && reservedExtensions[number] == "" && label != "":
		return conflict("extension %s is taken (%s) and cannot be assigned to a user; choose another extension", number, label)
	case curKind == "reserved":
		return invalid("extension %s is reserved (%s) and can never be assigned to a user", number, reservedName(number))
	case owner.Valid && owner.Int64 != id:
		return conflict("extension %s belongs to user %d; free it first", number, owner.Int64)
	}
	_, err = t.ExecContext(t.ctx, `UPDATE extensions SET user_id = ? WHERE number = ?`, id, number)
	return err
}

func reservedName(number string) string {
	switch number {
	case "555":
		return "voicemail"
	case "556":
		return "conference bridge"
	}
	return "reserved"
}

// GetUser returns one user.
func (s *Store) GetUser(ctx context.Context, id int64) (*User, error) {
	return loadUser(ctx, readAt{s.r, s.now()}, id)
}

// ListUsers returns one page of users ordered by id.
func (s *Store) ListUsers(ctx context.Context, f UserFilter, p Page) ([]User, string, error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	last, _ := strconv.ParseInt(after, 10, 64)
	q := `SELECT u.id FROM users u LEFT JOIN extensions e ON e.user_id = u.id WHERE u.id > ?`
	args := []any{last}
	if f.Username != "" {
		q += ` AND u.username = ?`
		args = append(args, f.Username)
	}
	if f.Query != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(f.Query) + "%"
		q += ` AND (u.username LIKE ?1 ESCAPE '\' OR u.first_name || ' ' || u.last_name LIKE ?1 ESCAPE '\' OR u.email LIKE ?1 ESCAPE '\' OR e.number LIKE ?1 ESCAPE '\')`
		q = strings.ReplaceAll(q, "?1", "?")
		args = append(args, like, like, like, like)
	}
	q += ` ORDER BY u.id LIMIT ?`
	args = append(args, p.limit()+1)
	ids, err := queryIDs(ctx, s.r, q, args...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(ids) > p.limit() {
		ids = ids[:p.limit()]
		next = encodeCursor(idStr(ids[len(ids)-1]))
	}
	out := make([]User, 0, len(ids))
	for _, id := range ids {
		u, err := loadUser(ctx, readAt{s.r, s.now()}, id)
		if err != nil {
			return nil, "", err
		}
		out = append(out, *u)
	}
	return out, next, nil
}

func queryIDs(ctx context.Context, q querier, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

func loadUser(ctx context.Context, q querier, id int64) (*User, error) {
	u := &User{ID: id, Licenses: []License{}, PhoneNumbers: []string{}, Devices: []UserDevice{}}
	var ext, kind sql.NullString
	var created, updated int64
	err := q.QueryRowContext(ctx, `SELECT u.username, u.first_name, u.last_name, u.email, u.time_zone, u.language,
		u.voicemail_to_email, u.status, u.created_at, u.updated_at, e.number, e.kind
		FROM users u LEFT JOIN extensions e ON e.user_id = u.id WHERE u.id = ?`, id).Scan(
		&u.Username, &u.FirstName, &u.LastName, &u.Email, &u.TimeZone, &u.Language, &u.VoicemailToEmail,
		&u.Status, &created, &updated, &ext, &kind)
	if noRows(err) {
		return nil, notFound("user %d does not exist", id)
	}
	if err != nil {
		return nil, err
	}
	u.Created, u.Updated = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	if ext.Valid {
		u.Extension, u.ExtensionKind = &ext.String, kind.String
	}
	if u.Licenses, err = queryLicenses(ctx, q, `WHERE l.user_id = ? ORDER BY l.id`, id); err != nil {
		return nil, err
	}
	u.Contact = true
	for _, l := range u.Licenses {
		if l.Status == LicenseAssigned {
			u.Contact = false
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT number FROM phone_numbers WHERE user_id = ? ORDER BY number`, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		u.PhoneNumbers = append(u.PhoneNumbers, n)
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT d.mac, l.line, d.model, d.status FROM device_lines l JOIN devices d ON d.mac = l.mac
		WHERE l.user_id = ? ORDER BY d.mac, l.line`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var d UserDevice
		var st string
		if err := rows.Scan(&d.MAC, &d.Line, &d.Model, &st); err != nil {
			return nil, err
		}
		d.Supported = st != DeviceUnsupported
		u.Devices = append(u.Devices, d)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := loadUserFeatures(ctx, q, u); err != nil {
		return nil, err
	}
	return u, nil
}

// guardUnsupported refuses any change to a profile that has an unsupported
// device: the change would break the device.
func (t *tx) guardUnsupported(userID int64) error {
	var mac, model string
	err := t.QueryRowContext(t.ctx, `SELECT d.mac, d.model FROM device_lines l JOIN devices d ON d.mac = l.mac
		WHERE l.user_id = ? AND d.status = 'unsupported' LIMIT 1`, userID).Scan(&mac, &model)
	if noRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return conflict("user %d has unsupported device %s (%s): changing the profile would break it; replace the device first (POST /api/v1/devices/%s/replace)", userID, mac, model, mac)
}
