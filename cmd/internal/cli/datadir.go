package cli

import (
	"flag"
	"path/filepath"

	"github.com/phoneprov/phoneprov/devicedb"
)

// defaultData is the data directory when neither --data nor
// PHONEPROV_DATA names one.
const defaultData = "./phoneprov-data"

// dataFlag declares the --data flag the commands working on a data
// directory share.
func dataFlag(fs *flag.FlagSet) *string {
	return fs.String("data", envOr("PHONEPROV_DATA", defaultData), "data directory (env PHONEPROV_DATA)")
}

// databaseFlag declares the --database flag of every command that opens
// the store.
func databaseFlag(fs *flag.FlagSet) *string {
	return fs.String("database", envOr("PHONEPROV_DATABASE", ""), "database URL: empty or sqlite:PATH = SQLite (default: phoneprov.db in --data); postgres://USER@HOST/DB = PostgreSQL, shared by several serve processes (env PHONEPROV_DATABASE)")
}

// storeOptions are the Options of the store in the data directory, or at
// the --database URL with the data directory's secret key.
func storeOptions(data, database string) devicedb.Options {
	return devicedb.Options{Database: database, Path: dbPath(data), KeyFile: filepath.Join(data, "secret.key")}
}

// dbPath is the database file in a data directory.
func dbPath(data string) string { return filepath.Join(data, "phoneprov.db") }
