package cli

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/phoneprov/phoneprov/devicedb"
)

// check runs the integrity and foreign key checks on the database (SQLite
// or PostgreSQL), read-only (also while serve runs): "ok" and exit 0, or the problems and
// exit 1.
func check(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("phoneprov check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	database := databaseFlag(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: phoneprov check [--data DIR] [--database URL]")
		return 2
	}
	path := *database
	if path == "" || path == "sqlite:" {
		path = dbPath(*data)
	}
	problems, err := devicedb.CheckDatabase(context.Background(), path)
	if err != nil {
		fmt.Fprintf(stderr, "phoneprov check: %v\n", err)
		return 1
	}
	if len(problems) == 0 {
		fmt.Fprintln(stdout, "ok")
		return 0
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, p)
	}
	fmt.Fprintf(stderr, "phoneprov check: %d problems in %s; restore the latest backup (phoneprov backup) or ask for help before writing to it\n", len(problems), path)
	return 1
}
