package devicedb

import (
	"errors"
	"fmt"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// Error kinds. Every error the Store returns for bad input or a refused
// change wraps one of these, so callers map them with errors.Is; the error's
// text is the message for the admin, saying what to fix.
var (
	// ErrNotFound: the named object does not exist.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: a field is malformed or a rule forbids the change.
	ErrInvalid = errors.New("invalid")
	// ErrConflict: the change clashes with the current state (duplicate,
	// in use, read-only, a profile with an unsupported device).
	ErrConflict = errors.New("conflict")
	// ErrUnavailable: the store refuses writes for a while (an upgrade runs).
	ErrUnavailable = errors.New("unavailable")
	// ErrSchemaTooNew: the database was written by a newer phoneprov.
	ErrSchemaTooNew = errors.New("database schema is newer than this binary")
	// ErrDiskFull: SQLite found no space left for the change (SQLITE_FULL);
	// the change was rolled back. See DiskFull.
	ErrDiskFull = errors.New("data directory is full")
)

// DiskFull returns err wrapped with ErrDiskFull when SQLite refused it for
// lack of space on the data directory's file system, and err unchanged
// otherwise. The text then reads "data directory is full: <cause>; free
// space ...".
func DiskFull(err error) error {
	var se sqlite3.Error
	if pgCode(err) == "53100" { // PostgreSQL disk_full
		return fmt.Errorf("%w: %w; free space on the database server and retry", ErrDiskFull, err)
	}
	if err == nil || errors.Is(err, ErrDiskFull) || !errors.As(err, &se) || se.Code != sqlite3.ErrFull {
		return err
	}
	return fmt.Errorf("%w: %w; free space on its file system and retry", ErrDiskFull, err)
}

// Error is a refusal with a message meant for the admin.
type Error struct {
	Kind error
	Msg  string
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Kind }

func notFound(format string, a ...any) error {
	return &Error{Kind: ErrNotFound, Msg: fmt.Sprintf(format, a...)}
}

func invalid(format string, a ...any) error {
	return &Error{Kind: ErrInvalid, Msg: fmt.Sprintf(format, a...)}
}

func conflict(format string, a ...any) error {
	return &Error{Kind: ErrConflict, Msg: fmt.Sprintf(format, a...)}
}
