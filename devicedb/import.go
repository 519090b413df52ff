package devicedb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/phoneprov/phoneprov/templates"
)

// ClassicExport is an account's export from the Classic system, the input
// of ImportClassic (CONTRACT.md, "Classic export").
type ClassicExport struct {
	Account  ClassicAccount   `json:"account"`
	Licenses []ClassicLicense `json:"licenses"`
	Users    []ClassicUser    `json:"users"`
	Devices  []ClassicDevice  `json:"devices"`
	ClassicFeatures
	// origin maps a record path ("users[3]") to where it came from in CSV
	// input ("users.csv line 5"), for error messages.
	origin map[string]string
}

// ClassicAccount names the account.
type ClassicAccount struct {
	PBXName     string `json:"pbx_name"`
	CompanyName string `json:"company_name"`
	ClassicAccountFeatures
	// notCarried are the account settings of the export that X Series does
	// not have (accountNotCarried), with why: reported, not imported.
	notCarried []string
}

// ClassicLicense is one license of the Classic account. Status is optional:
// "suspended" imports it suspended (removed by the provider, reinstatable
// for 30 days from RemovedAt, default the import); anything else is
// derived from whether an extension names it.
type ClassicLicense struct {
	ID             string `json:"id"`
	Type           string `json:"type"`
	Country        string `json:"country"`
	ServiceAddress string `json:"service_address"`
	Status         string `json:"status,omitempty"`
	RemovedAt      string `json:"removed_at,omitempty"`
}

// ClassicUser is a Classic user: one username holding any number of
// extensions (none: a profile-only user).
type ClassicUser struct {
	Username         string             `json:"username"`
	FirstName        string             `json:"first_name"`
	LastName         string             `json:"last_name"`
	Email            string             `json:"email"`
	VoicemailToEmail string             `json:"voicemail_to_email"`
	TimeZone         string             `json:"time_zone,omitempty"`
	Language         string             `json:"language,omitempty"`
	Extensions       []ClassicExtension `json:"extensions"`
	ClassicUserFeatures
}

// ClassicExtension is an extension of a Classic user, with its phone
// numbers, the license it uses and the last logins of the Desktop and
// Mobile apps on it (RFC 3339, empty or null when never).
type ClassicExtension struct {
	Number         string   `json:"number"`
	Virtual        bool     `json:"virtual"`
	PhoneNumbers   []string `json:"phone_numbers"`
	LicenseID      string   `json:"license_id,omitempty"`
	DesktopLoginAt string   `json:"desktop_login_at,omitempty"`
	MobileLoginAt  string   `json:"mobile_login_at,omitempty"`
	ClassicExtensionFeatures
}

// ClassicDevice is a physical device with its lines. Model is named as
// the catalog does (vendor prefix allowed).
type ClassicDevice struct {
	MAC   string              `json:"mac"`
	Model string              `json:"model"`
	Lines []ClassicDeviceLine `json:"lines"`
}

// ClassicDeviceLine puts an extension on a line of a device.
type ClassicDeviceLine struct {
	Line      int    `json:"line"`
	Extension string `json:"extension"`
}

// FreezeFunc renders the frozen config of an unsupported device at import:
// d carries its lines with their SIP passwords, m is its catalog model. It
// returns the JSON map file kind → {content_type, body} the config server
// serves from then on.
type FreezeFunc func(d *Device, m templates.Model) ([]byte, error)

// ImportOptions tune ImportClassic. The zero value runs a real import of
// an export without unsupported devices.
type ImportOptions struct {
	// DryRun runs the whole import in a transaction that is rolled back:
	// the report is the one a real run would give, and nothing changes.
	DryRun bool
	// Freeze renders the frozen config of each unsupported device.
	// Required when the export has unsupported devices.
	Freeze FreezeFunc
	// WelcomeLinkBase is the URL prefix of the set-password link; the token
	// is appended. Default: DefaultWelcomeLinkBase.
	WelcomeLinkBase string
	// WelcomeTTL is how long a set-password link works. Default: 7 days.
	WelcomeTTL time.Duration
	// Now is the time of the run (report, link expiry). Default: the
	// store's clock.
	Now time.Time
	// OnProgress, when set, is told how many records (licenses, users,
	// devices) are done out of total, from inside the transaction.
	OnProgress func(done, total int)
}

// DefaultWelcomeLinkBase is the set-password link prefix when none is
// configured: relative to the admin's server.
const DefaultWelcomeLinkBase = "/set-password?token="

// ImportError lists every problem found in an export (or, for conflicts,
// in the database against it). Nothing was imported.
type ImportError struct {
	// Kind is ErrInvalid (the export is wrong) or ErrConflict (it clashes
	// with what the database holds).
	Kind     error
	Problems []string
}

// maxProblems bounds the problems an ImportError lists.
const maxProblems = 200

func (e *ImportError) Error() string {
	what := "the export has"
	if errors.Is(e.Kind, ErrConflict) {
		what = "the export clashes with the database in"
	}
	shown := e.Problems
	more := ""
	if len(shown) > 5 {
		shown, more = shown[:5], fmt.Sprintf("; and %d more", len(e.Problems)-5)
	}
	return fmt.Sprintf("nothing imported: %s %d problem(s): %s%s", what, len(e.Problems), strings.Join(shown, "; "), more)
}

// Unwrap returns the kind.
func (e *ImportError) Unwrap() error { return e.Kind }

// errRollback ends a dry run's transaction.
var errRollback = errors.New("dry run: rolled back")

// ImportClassic applies a Classic export with every rule of the upgrade,
// in one transaction: all or nothing. The export is validated first; an
// *ImportError lists all its problems. A real run holds admin writes (Lock)
// for its estimated duration, signs every admin out of the console and
// publishes its progress (RunningImport): the upgrade window, in which the
// API and console refuse admin reads too. The writes of the servers' own
// records go on. Running the same export again changes nothing. The report is stored
// (GetImport) unless it is a dry run.
func (s *Store) ImportClassic(ctx context.Context, exp ClassicExport, o ImportOptions) (*ImportReport, error) {
	if o.Now.IsZero() {
		o.Now = s.now()
	}
	o.Now = o.Now.UTC().Truncate(time.Second)
	if o.WelcomeLinkBase == "" {
		o.WelcomeLinkBase = DefaultWelcomeLinkBase
	}
	if o.WelcomeTTL <= 0 {
		o.WelcomeTTL = 7 * 24 * time.Hour
	}
	p, err := s.planImport(exp, o.Now)
	if err != nil {
		return nil, err
	}
	if p.unsupported > 0 && o.Freeze == nil {
		return nil, errors.New("import: the export has unsupported devices but no renderer for their frozen config was given")
	}
	var rep *ImportReport
	run := func(t *tx) error {
		var err error
		rep, err = t.applyImport(p, o)
		if err != nil {
			return err
		}
		if o.DryRun {
			return errRollback
		}
		return nil
	}
	if o.DryRun {
		err = s.write(ctx, "import_dry_run", run)
		if errors.Is(err, errRollback) {
			rep.ID, rep.DryRun = 0, true
			return rep, nil
		}
		return nil, err
	}
	est := EstimateImport(exp)
	start := time.Now()
	if err := s.Lock(s.now().Add(est)); err != nil {
		return nil, err
	}
	defer s.Unlock()
	// The window: admins are signed out, the progress is published
	// (RunningImport) until the end.
	s.setProgress(0, 0, p.total, o.Now)
	defer s.running.Store(nil)
	if err := s.signOutAdmins(ctx); err != nil {
		return nil, err
	}
	prog := o.OnProgress
	o.OnProgress = func(done, total int) {
		s.extendLock(start, est, done, total)
		if cur := s.running.Load(); cur != nil && (done == total || done%100 == 0) {
			s.setProgress(cur.ID, done, total, cur.StartedAt)
		}
		if prog != nil {
			prog(done, total)
		}
	}
	if err := s.write(context.WithValue(context.WithValue(ctx, bypassLockKey{}, true), exclusiveKey{}, true), "import", run); err != nil {
		return nil, err
	}
	// The import bypassed the lock, so write() did not count it as an
	// admin change; it is one: rendered configs must see it.
	s.changed(ctx)
	return rep, nil
}
