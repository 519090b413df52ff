package firmware

import "errors"

// Errors returned (wrapped, with the offending value) by Open and the Store.
// Test them with errors.Is; the text says what to fix.
var (
	// ErrNoDir: Config.Dir is empty.
	ErrNoDir = errors.New("firmware dir is required")
	// ErrMaxConcurrent: Config.MaxConcurrent is negative.
	ErrMaxConcurrent = errors.New("max concurrent downloads must not be negative")
	// ErrMaxSize: Config.MaxSize is negative.
	ErrMaxSize = errors.New("max image size must not be negative")
	// ErrMinRate: Config.MinRate is negative.
	ErrMinRate = errors.New("minimum download rate must not be negative")
	// ErrGrace: Config.Grace is negative.
	ErrGrace = errors.New("download grace must not be negative")
	// ErrIndex: index.json exists but cannot be read as a firmware index.
	ErrIndex = errors.New("firmware index is unreadable: repair or remove index.json")

	// ErrModel: the model is empty, too long or has control characters or
	// surrounding spaces.
	ErrModel = errors.New("model must be 1 to 64 bytes without control characters or surrounding spaces")
	// ErrVersion: the version is empty, too long or has spaces or other
	// characters outside letters, digits and . - _ + ~.
	ErrVersion = errors.New("version must be 1 to 64 letters, digits or . - _ + ~ (no spaces)")
	// ErrFilename: the file name could escape the store or break a URL.
	ErrFilename = errors.New(`filename must be a plain file name of 1 to 255 printable ASCII bytes: ` +
		`no slash, backslash, "..", leading dot, space or any of ? # % " < > |`)
	// ErrEmptyImage: Add read no bytes.
	ErrEmptyImage = errors.New("firmware image is empty")
	// ErrTooLarge: Add read more than Config.MaxSize bytes.
	ErrTooLarge = errors.New("firmware image is larger than the size limit")
	// ErrNotFound: no entry for that model and version.
	ErrNotFound = errors.New("no such firmware version for this model")
	// ErrIsTarget: Remove was asked for the model's target version.
	ErrIsTarget = errors.New("version is the model's target firmware: set another target first")
)
