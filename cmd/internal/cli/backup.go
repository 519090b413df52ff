package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/phoneprov/phoneprov/devicedb"
)

// backup writes a consistent copy of the database, also while serve runs.
func backup(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("phoneprov backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	database := databaseFlag(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: phoneprov backup [--data DIR] DEST.db   (DEST must not exist; copy secret.key beside it)")
		return 2
	}
	if devicedb.IsPostgres(*database) {
		fmt.Fprintln(stderr, "phoneprov backup: the database is PostgreSQL; back it up with pg_dump (pg_dump -Fc -f FILE DBNAME) and keep secret.key with it")
		return 1
	}
	s, err := devicedb.Open(context.Background(), storeOptions(*data, *database))
	if err != nil {
		fmt.Fprintf(stderr, "phoneprov backup: %v\n", err)
		return 1
	}
	defer s.Close()
	if err := s.Backup(context.Background(), fs.Arg(0)); err != nil {
		fmt.Fprintf(stderr, "phoneprov backup: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "backup written to %s; keep %s with it\n", fs.Arg(0), filepath.Join(*data, "secret.key"))
	return 0
}
