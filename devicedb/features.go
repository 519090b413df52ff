package devicedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The account features of the seeds: the account's messaging setting,
// sites, and what follows a user's login (personal contacts, profile
// picture). Auto attendants, receptionists and the numbers list are in
// features_routing.go.

// Account is the account's settings.
type Account struct {
	// PBXName and CompanyName are carried by the Classic import, for
	// review only (the Phone System Name is not carried).
	PBXName     string `json:"pbx_name"`
	CompanyName string `json:"company_name"`
	// MessagingEnabled: while true, every user with a US or Canada phone
	// number has SMS. Default true.
	MessagingEnabled bool `json:"messaging_enabled"`
}

// AccountPatch changes the fields that are not nil.
type AccountPatch struct {
	MessagingEnabled *bool `json:"messaging_enabled,omitempty"`
}

func loadAccount(ctx context.Context, q querier) (Account, error) {
	var a Account
	err := q.QueryRowContext(ctx, `SELECT pbx_name, company_name, messaging_enabled FROM account_settings WHERE id = 1`).
		Scan(&a.PBXName, &a.CompanyName, &a.MessagingEnabled)
	return a, err
}

// GetAccount returns the account's settings.
func (s *Store) GetAccount(ctx context.Context) (Account, error) {
	return loadAccount(ctx, s.r)
}

// UpdateAccount changes the account's settings.
func (s *Store) UpdateAccount(ctx context.Context, p AccountPatch) (Account, error) {
	if p.MessagingEnabled == nil {
		return Account{}, invalid("messaging_enabled is the only setting the account takes, and it is missing")
	}
	var after Account
	err := s.write(ctx, "update_account", func(t *tx) error {
		before, err := loadAccount(t.ctx, t)
		if err != nil {
			return err
		}
		if after = before; before.MessagingEnabled == *p.MessagingEnabled {
			return nil
		}
		if err := t.setMessaging(*p.MessagingEnabled); err != nil {
			return err
		}
		after.MessagingEnabled = *p.MessagingEnabled
		return t.audit("update", "account", "1", before, after)
	})
	return after, err
}

func (t *tx) setMessaging(on bool) error {
	_, err := t.ExecContext(t.ctx, `UPDATE account_settings SET messaging_enabled = ?, updated_at = ? WHERE id = 1`, on, t.now.Unix())
	return err
}

// nonUSCanadaNANP are the area codes of the North American Numbering Plan
// (+1) that belong to neither the US (with its territories) nor Canada.
var nonUSCanadaNANP = map[string]bool{
	"242": true, "246": true, "264": true, "268": true, "284": true, "345": true, "441": true, "473": true,
	"649": true, "658": true, "664": true, "721": true, "758": true, "767": true, "784": true, "809": true,
	"829": true, "849": true, "868": true, "869": true, "876": true,
}

// IsUSCanadaNumber reports whether an E.164 number is a US or Canada
// number: +1 and ten digits, outside the area codes of the other NANP
// countries (Caribbean, Bermuda).
func IsUSCanadaNumber(n string) bool {
	if len(n) != 12 || !strings.HasPrefix(n, "+1") || !reE164.MatchString(n) {
		return false
	}
	return !nonUSCanadaNANP[n[2:5]]
}

// smsFor reports whether a user with these numbers has SMS: messaging is
// enabled on the account and one of them is a US or Canada number.
func smsFor(messaging bool, numbers []string) bool {
	if !messaging {
		return false
	}
	for _, n := range numbers {
		if IsUSCanadaNumber(n) {
			return true
		}
	}
	return false
}

// Contact is a personal contact of a user.
type Contact struct {
	Name   string `json:"name"`
	Number string `json:"number"`
}

// UserFeatures are the fields of a user that come with the account
// features (embedded in User).
type UserFeatures struct {
	// SiteID is the user's site; its licenses show the site's address.
	SiteID *int64 `json:"site_id"`
	// Site is the name of the user's site.
	Site string `json:"site,omitempty"`
	// SMS is true while messaging is enabled and the user has a US or
	// Canada phone number.
	SMS bool `json:"sms"`
	// Contacts and ProfilePicture followed the login from Classic.
	Contacts       []Contact `json:"contacts"`
	ProfilePicture string    `json:"profile_picture"`
}

// UserFeaturesPatch is the part of UserPatch for the account features.
type UserFeaturesPatch struct {
	// SiteID puts the user on a site; 0 takes it off its site.
	SiteID *int64 `json:"site_id,omitempty"`
}

// loadUserFeatures fills the features of u, whose phone numbers are loaded.
func loadUserFeatures(ctx context.Context, q querier, u *User) error {
	var site sql.NullInt64
	var messaging bool
	err := q.QueryRowContext(ctx, `SELECT u.site_id, coalesce(s.name, ''), u.profile_picture, a.messaging_enabled
		FROM users u JOIN account_settings a ON a.id = 1 LEFT JOIN sites s ON s.id = u.site_id
		WHERE u.id = ?`, u.ID).Scan(&site, &u.Site, &u.ProfilePicture, &messaging)
	if err != nil {
		return err
	}
	if site.Valid {
		u.SiteID = &site.Int64
	}
	u.SMS = smsFor(messaging, u.PhoneNumbers)
	u.Contacts, err = loadContacts(ctx, q, u.ID)
	return err
}

func loadContacts(ctx context.Context, q querier, id int64) ([]Contact, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, number FROM user_contacts WHERE user_id = ? ORDER BY position`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Contact{}
	for rows.Next() {
		var c Contact
		if err := rows.Scan(&c.Name, &c.Number); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// patchUserFeatures applies the features part of a user patch in t.
func (t *tx) patchUserFeatures(id int64, p UserPatch) error {
	if p.SiteID == nil {
		return nil
	}
	var site any
	if *p.SiteID != 0 {
		if _, err := getSite(t.ctx, t, *p.SiteID); err != nil {
			return invalid("site_id %d: no such site; GET /api/v1/sites lists them (0 takes the user off its site)", *p.SiteID)
		}
		site = *p.SiteID
	}
	_, err := t.ExecContext(t.ctx, `UPDATE users SET site_id = ? WHERE id = ?`, site, id)
	return err
}

// setContacts replaces the personal contacts of a user.
func (t *tx) setContacts(id int64, cs []Contact) error {
	if _, err := t.ExecContext(t.ctx, `DELETE FROM user_contacts WHERE user_id = ?`, id); err != nil {
		return err
	}
	for i, c := range cs {
		if _, err := t.ExecContext(t.ctx, `INSERT INTO user_contacts (user_id, position, name, number) VALUES (?,?,?,?)`,
			id, i+1, c.Name, c.Number); err != nil {
			return err
		}
	}
	return nil
}

// Limits of what follows the login.
const (
	maxContacts       = 1000
	maxPictureURL     = 2048
	maxPictureDataURI = 512 << 10
)

func checkContact(c Contact) error {
	if c.Name == "" && c.Number == "" {
		return invalid("a contact needs a name or a number")
	}
	if err := checkName("name", c.Name); err != nil {
		return err
	}
	if len(c.Number) > 40 || strings.Trim(c.Number, "+0123456789 -().*#") != "" {
		return invalid("contact number %q: at most 40 digits, spaces, + - ( ) . * #", c.Number)
	}
	return nil
}

// checkPicture accepts an http(s) URL or a data URI of an image.
func checkPicture(p string) error {
	switch {
	case p == "":
		return nil
	case strings.HasPrefix(p, "data:image/"):
		if len(p) > maxPictureDataURI || !strings.Contains(p, ",") {
			return invalid("profile_picture: a data URI of an image (data:image/png;base64,...) of at most %d KiB", maxPictureDataURI>>10)
		}
		return nil
	case strings.HasPrefix(p, "https://"), strings.HasPrefix(p, "http://"):
		if len(p) > maxPictureURL || strings.ContainsAny(p, " \x00\r\n\t") {
			return invalid("profile_picture: a URL of at most %d characters without spaces", maxPictureURL)
		}
		return nil
	}
	return invalid("profile_picture: use an http(s) URL or a data:image/... URI")
}

// Site is a location of the account: the service address of the licenses
// assigned to its users, and its emergency-calling location.
type Site struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Address string `json:"address"`
	// EmergencyLocation is where emergency calls are located; it is the
	// address unless set.
	EmergencyLocation string    `json:"emergency_location"`
	Users             int       `json:"users"`
	Created           time.Time `json:"created_at"`
	Updated           time.Time `json:"updated_at"`
}

// NewSite is what CreateSite takes.
type NewSite struct {
	Name              string `json:"name"`
	Address           string `json:"address"`
	EmergencyLocation string `json:"emergency_location,omitempty"`
}

// SitePatch changes the fields that are not nil.
type SitePatch struct {
	Name              *string `json:"name,omitempty"`
	Address           *string `json:"address,omitempty"`
	EmergencyLocation *string `json:"emergency_location,omitempty"`
}

func (n *NewSite) check() error {
	if n.EmergencyLocation == "" {
		n.EmergencyLocation = n.Address
	}
	switch {
	case strings.TrimSpace(n.Name) == "":
		return invalid("name: a site needs a name")
	case strings.TrimSpace(n.Address) == "":
		return invalid("address: a site needs an address")
	}
	if err := checkName("name", n.Name); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{{"address", n.Address}, {"emergency_location", n.EmergencyLocation}} {
		if len(f.v) > 300 || strings.ContainsAny(f.v, "\x00\r\n") {
			return invalid("%s: at most 300 characters on one line", f.name)
		}
	}
	return nil
}

const siteCols = `SELECT s.id, s.name, s.address, s.emergency_location, s.created_at, s.updated_at,
	(SELECT count(*) FROM users u WHERE u.site_id = s.id) FROM sites s `

func scanSite(sc interface{ Scan(...any) error }) (Site, error) {
	var st Site
	var c, u int64
	err := sc.Scan(&st.ID, &st.Name, &st.Address, &st.EmergencyLocation, &c, &u, &st.Users)
	st.Created, st.Updated = time.Unix(c, 0).UTC(), time.Unix(u, 0).UTC()
	return st, err
}

func getSite(ctx context.Context, q querier, id int64) (Site, error) {
	st, err := scanSite(q.QueryRowContext(ctx, siteCols+`WHERE s.id = ?`, id))
	if noRows(err) {
		return st, notFound("site %d does not exist", id)
	}
	return st, err
}

// GetSite returns one site.
func (s *Store) GetSite(ctx context.Context, id int64) (Site, error) { return getSite(ctx, s.r, id) }

// ListSites returns every site, by name.
func (s *Store) ListSites(ctx context.Context) ([]Site, error) {
	rows, err := s.r.QueryContext(ctx, siteCols+`ORDER BY s.name, s.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Site{}
	for rows.Next() {
		st, err := scanSite(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// CreateSite adds a site.
func (s *Store) CreateSite(ctx context.Context, n NewSite) (Site, error) {
	if err := n.check(); err != nil {
		return Site{}, err
	}
	var st Site
	err := s.write(ctx, "create_site", func(t *tx) error {
		id, err := t.insertSite(n)
		if err != nil {
			return err
		}
		if st, err = getSite(t.ctx, t, id); err != nil {
			return err
		}
		return t.audit("create", "site", idStr(id), nil, st)
	})
	return st, err
}

func (t *tx) insertSite(n NewSite) (int64, error) {
	var id int64
	err := t.QueryRowContext(t.ctx, `INSERT INTO sites (name, address, emergency_location, created_at, updated_at) VALUES (?,?,?,?,?) RETURNING id`,
		n.Name, n.Address, n.EmergencyLocation, t.now.Unix(), t.now.Unix()).Scan(&id)
	if isUnique(err) {
		return 0, conflict("a site named %q exists already; choose another name", n.Name)
	}
	return id, err
}

// UpdateSite changes a site. The licenses assigned to its users show the
// new address at once.
func (s *Store) UpdateSite(ctx context.Context, id int64, p SitePatch) (Site, error) {
	var st Site
	err := s.write(ctx, "update_site", func(t *tx) error {
		before, err := getSite(t.ctx, t, id)
		if err != nil {
			return err
		}
		n := NewSite{Name: before.Name, Address: before.Address, EmergencyLocation: before.EmergencyLocation}
		if p.Name != nil {
			n.Name = *p.Name
		}
		if p.Address != nil {
			n.Address = *p.Address
		}
		if p.EmergencyLocation != nil {
			n.EmergencyLocation = *p.EmergencyLocation
		}
		if err := n.check(); err != nil {
			return err
		}
		if n.Name == before.Name && n.Address == before.Address && n.EmergencyLocation == before.EmergencyLocation {
			st = before
			return nil
		}
		_, err = t.ExecContext(t.ctx, `UPDATE sites SET name = ?, address = ?, emergency_location = ?, updated_at = ? WHERE id = ?`,
			n.Name, n.Address, n.EmergencyLocation, t.now.Unix(), id)
		if isUnique(err) {
			return conflict("a site named %q exists already; choose another name", n.Name)
		}
		if err != nil {
			return err
		}
		if st, err = getSite(t.ctx, t, id); err != nil {
			return err
		}
		return t.audit("update", "site", idStr(id), before, st)
	})
	return st, err
}

// contactNames and sitePicture name what a replacement of an unsupported
// device carries to the new profile besides the rest (replace_profile.go).
func contactNames(cs []Contact) []string {
	var out []string
	for _, c := range cs {
		out = append(out, strings.TrimSpace(c.Name+" "+c.Number))
	}
	return out
}

func sitePicture(u *User) []string {
	var out []string
	if u.SiteID != nil {
		out = append(out, fmt.Sprintf("site %d", *u.SiteID))
	}
	if u.ProfilePicture != "" {
		out = append(out, "profile picture")
	}
	return out
}

// AddressChange is one license's service address before and after a
// SetServiceAddresses.
type AddressChange struct {
	ID     string `json:"id"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// ServiceAddresses is what SetServiceAddresses takes: the unassigned
// licenses to change and the new address, given as text or as a site
// (whose address it takes).
type ServiceAddresses struct {
	LicenseIDs     []string `json:"license_ids"`
	ServiceAddress string   `json:"service_address,omitempty"`
	SiteID         int64    `json:"site_id,omitempty"`
	// DryRun returns the summary of the changes and saves nothing.
	DryRun bool `json:"dry_run,omitempty"`
}

// SetServiceAddresses sets the service address of several unassigned
// licenses at once (all or none), and returns each one's previous and new
// address. Assigned licenses show their user's site address and are
// refused.
func (s *Store) SetServiceAddresses(ctx context.Context, in ServiceAddresses) ([]AddressChange, error) {
	switch {
	case len(in.LicenseIDs) == 0:
		return nil, invalid("license_ids: name the unassigned licenses to change")
	case len(in.LicenseIDs) > 1000:
		return nil, invalid("license_ids: at most 1000 at once")
	case (in.ServiceAddress == "") == (in.SiteID == 0):
		return nil, invalid("give either service_address or site_id (the site whose address the licenses take)")
	}
	out := []AddressChange{}
	err := s.write(ctx, "set_service_addresses", func(t *tx) error {
		addr := in.ServiceAddress
		if in.SiteID != 0 {
			st, err := getSite(t.ctx, t, in.SiteID)
			if err != nil {
				return invalid("site_id %d: no such site; GET /api/v1/sites lists them", in.SiteID)
			}
			addr = st.Address
		}
		if len(addr) > 300 || strings.ContainsAny(addr, "\x00\r\n") {
			return invalid("service_address: at most 300 characters on one line")
		}
		seen := map[string]bool{}
		for _, id := range in.LicenseIDs {
			if seen[id] {
				return invalid("license %s is listed twice", id)
			}
			seen[id] = true
			before, err := getLicense(t.ctx, t, id)
			if err != nil {
				return err
			}
			if before.Status != LicenseUnassigned {
				return conflict("license %s is %s: only unassigned licenses take a service address (an assigned one shows its user's site address); nothing was changed", id, before.Status)
			}
			out = append(out, AddressChange{ID: id, Before: before.ServiceAddress, After: addr})
			if before.ServiceAddress == addr || in.DryRun {
				continue
			}
			if _, err := t.ExecContext(t.ctx, `UPDATE licenses SET service_address = ? WHERE id = ?`, addr, id); err != nil {
				return err
			}
			after := before
			after.ServiceAddress = addr
			if err := t.audit("set_service_address", "license", id, before, after); err != nil {
				return err
			}
		}
		if in.DryRun {
			return errRollback
		}
		return nil
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}
