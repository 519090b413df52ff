package cli

import (
	"flag"
	"path/filepath"
)

// defaultData is the data directory when neither --data nor
// PHONEPROV_DATA names one.
const defaultData = "./phoneprov-data"

// dataFlag declares the --data flag the commands working on a data
// directory share.
func dataFlag(fs *flag.FlagSet) *string {
	return fs.String("data", envOr("PHONEPROV_DATA", defaultData), "data directory (env PHONEPROV_DATA)")
}

// dbPath is the database file in a data directory.
func dbPath(data string) string { return filepath.Join(data, "phoneprov.db") }
