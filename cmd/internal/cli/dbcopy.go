package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/phoneprov/phoneprov/devicedb"
)

const dbUsage = "usage: phoneprov db copy --from URL --to URL [--data DIR]   (URL: sqlite:PATH or postgres://USER@HOST/DB; the target must be new)"

// dbCmd runs "phoneprov db copy": the whole account from one database to
// another (SQLite ↔ PostgreSQL), in one transaction on the target, then
// the check on both sides. Into PostgreSQL it also stores the local CA and
// admin token of --data for the target's nodes.
func dbCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "copy" {
		fmt.Fprintln(stderr, dbUsage)
		return 2
	}
	fs := flag.NewFlagSet("phoneprov db copy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	from := fs.String("from", "", "database to copy from: sqlite:PATH or postgres://…")
	to := fs.String("to", "", "new database to copy to: sqlite:PATH or postgres://… (created or empty)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() != 0 || *from == "" || *to == "" || *from == *to {
		fmt.Fprintln(stderr, dbUsage)
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "phoneprov db copy: %v\n", err)
		return 1
	}
	for _, u := range []string{*from, *to} {
		if !devicedb.IsPostgres(u) && (len(u) < 8 || u[:7] != "sqlite:") {
			return fail(fmt.Errorf("%q: use sqlite:PATH or postgres://USER@HOST/DB", u))
		}
	}
	ctx := devicedb.WithActor(context.Background(), "cli:"+currentUser())
	// The secrets are copied sealed as they are: every node of the target
	// needs the same secret.key (the one in --data).
	src, err := devicedb.Open(ctx, storeOptions(*data, *from))
	if err != nil {
		return fail(err)
	}
	defer src.Close()
	dst, err := devicedb.Open(ctx, storeOptions(*data, *to))
	if err != nil {
		return fail(err)
	}
	defer dst.Close()
	counts, err := src.CopyTo(ctx, dst)
	if err != nil {
		return fail(err)
	}
	total := 0
	for _, t := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(stdout, "%-20s %d rows\n", t, counts[t])
		total += counts[t]
	}
	after, err := dst.RowCounts(ctx)
	if err != nil {
		return fail(err)
	}
	if !maps.Equal(after, counts) {
		return fail(fmt.Errorf("the target holds %v rows after the copy, copied %v", after, counts))
	}
	if dst.Shared() {
		// The nodes of the target take the CA the phones trust and the
		// admin token from the database: those of --data.
		if err := dst.ShareFiles(ctx, *data, sharedFiles, func() error { return nil }); err != nil {
			return fail(err)
		}
	}
	bad := false
	for _, side := range []struct{ name, url string }{{"source", *from}, {"target", *to}} {
		problems, err := devicedb.CheckDatabase(ctx, side.url)
		if err != nil {
			return fail(err)
		}
		for _, p := range problems {
			fmt.Fprintf(stdout, "%s: %s\n", side.name, p)
			bad = true
		}
	}
	if bad {
		return fail(fmt.Errorf("the check found problems (above)"))
	}
	fmt.Fprintf(stdout, "copied %d rows; check ok on both sides; copy %s to every node that serves the target\n", total, storeOptions(*data, "").KeyFile)
	return 0
}
