package devicedb

import "time"

// ImportReport says what an import did (or, for a dry run, would do), per
// Classic user, license and device.
type ImportReport struct {
	// ID is the import run's id (GetImport); 0 for a dry run.
	ID     int64 `json:"id"`
	DryRun bool  `json:"dry_run"`
	// StartedAt is ImportOptions.Now.
	StartedAt time.Time      `json:"started_at"`
	Actor     string         `json:"actor"`
	Account   ClassicAccount `json:"account"`
	// Digest is the SHA-256 of the export as imported.
	Digest   string          `json:"digest"`
	Totals   ImportTotals    `json:"totals"`
	Users    []UserReport    `json:"users"`
	Licenses []LicenseReport `json:"licenses"`
	Devices  []DeviceReport  `json:"devices"`
	// Numbers are the phone numbers kept without a user: they ring a
	// reserved extension (444, 555, 556).
	Numbers []NumberReport `json:"unassigned_numbers"`
	FeaturesReport
	// Warnings are about the account itself (settings not carried).
	Warnings []string `json:"warnings,omitempty"`
}

// ImportTotals count what the import did.
type ImportTotals struct {
	ClassicUsers int `json:"classic_users"`
	// UsersSplit counts Classic users split into one user per extension.
	UsersSplit      int `json:"users_split"`
	UsersCreated    int `json:"users_created"`
	UsersUnchanged  int `json:"users_unchanged"`
	UsersSkipped    int `json:"users_skipped"`
	ProfileOnly     int `json:"profile_only_users"`
	WelcomeMessages int `json:"welcome_messages"`
	// ReservedExtensions counts 444/555/556 found on users: never assigned.
	ReservedExtensions int `json:"reserved_extensions"`
	VirtualExtensions  int `json:"virtual_extensions"`
	PhoneNumbers       int `json:"phone_numbers_created"`
	LicensesCreated    int `json:"licenses_created"`
	LicensesUnchanged  int `json:"licenses_unchanged"`
	LicensesSkipped    int `json:"licenses_skipped"`
	DevicesActivated   int `json:"devices_activated"`
	DevicesUnsupported int `json:"devices_unsupported"`
	DevicesUnchanged   int `json:"devices_unchanged"`
	DevicesSkipped     int `json:"devices_skipped"`
	LinesSkipped       int `json:"lines_skipped"`
	Warnings           int `json:"warnings"`
	// Changed is false when the run changed nothing (a re-run).
	Changed bool `json:"changed"`
	FeatureTotals
}

// Outcomes of a record in the report.
const (
	OutcomeCreated   = "created"
	OutcomeSplit     = "split"
	OutcomeUnchanged = "unchanged"
	OutcomeSkipped   = "skipped"
	// OutcomeActivated: a supported device, active with its lines.
	OutcomeActivated = "activated"
	// OutcomeFrozen: an unsupported device, kept working on the config
	// frozen at import.
	OutcomeFrozen = "frozen"
)

// UserReport is what became of one Classic user.
type UserReport struct {
	ClassicUsername string `json:"classic_username"`
	// Outcome is created, split (several users made), unchanged (a
	// re-run) or skipped.
	Outcome  string          `json:"outcome"`
	Detail   string          `json:"detail"`
	Profiles []ProfileReport `json:"profiles"`
	Warnings []string        `json:"warnings"`
}

// ProfileReport is one X Series user made from a Classic user.
type ProfileReport struct {
	Username      string `json:"username"`
	UserID        int64  `json:"user_id,omitempty"`
	Extension     string `json:"extension,omitempty"`
	ExtensionKind string `json:"extension_kind,omitempty"`
	// Original is true for the profile that keeps the Classic username.
	Original         bool     `json:"original_username"`
	Outcome          string   `json:"outcome"`
	TimeZone         string   `json:"time_zone"`
	Language         string   `json:"language"`
	VoicemailToEmail string   `json:"voicemail_to_email"`
	Licenses         []string `json:"licenses"`
	PhoneNumbers     []string `json:"phone_numbers"`
	// Welcome is true when a welcome message was queued for it.
	Welcome bool   `json:"welcome_message"`
	Note    string `json:"note,omitempty"`
	ProfileFeatures
}

// LicenseReport is what became of one license.
type LicenseReport struct {
	ID             string `json:"id"`
	Type           string `json:"type"`
	Country        string `json:"country"`
	ServiceAddress string `json:"service_address"`
	Status         string `json:"status"`
	Username       string `json:"username,omitempty"`
	Outcome        string `json:"outcome"`
	Note           string `json:"note,omitempty"`
}

// DeviceReport is what became of one device.
type DeviceReport struct {
	MAC         string       `json:"mac"`
	Vendor      string       `json:"vendor"`
	Model       string       `json:"model"`
	Supported   bool         `json:"supported"`
	Status      string       `json:"status"`
	Replacement string       `json:"replacement,omitempty"`
	Outcome     string       `json:"outcome"`
	Note        string       `json:"note,omitempty"`
	Lines       []LineReport `json:"lines"`
	Warnings    []string     `json:"warnings"`
}

// LineReport is one line of an imported device.
type LineReport struct {
	Line      int    `json:"line"`
	Extension string `json:"extension"`
	Username  string `json:"username,omitempty"`
	// Outcome is created, unchanged or skipped (Note says why).
	Outcome string `json:"outcome"`
	Note    string `json:"note,omitempty"`
}

// NumberReport is a phone number kept without a user.
type NumberReport struct {
	Number  string `json:"number"`
	Routing string `json:"routing"`
	Note    string `json:"note"`
}
