package devicedb

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/phoneprov/phoneprov/devicedb/pgtest"
)

// pgCluster is set when the tests run on PostgreSQL
// (PHONEPROV_TEST_DATABASE=postgres): every openTest store is then a fresh
// database on it.
var pgCluster *pgtest.Cluster

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &pgCluster)) }

// testOptions are the Options of a fresh store in a temporary directory:
// SQLite, or a new PostgreSQL database when the tests run on PostgreSQL.
// (Other packages use dbtest.Options, which devicedb's own tests cannot
// import.)
func testOptions(t testing.TB) Options {
	t.Helper()
	dir := t.TempDir()
	o := Options{Path: filepath.Join(dir, "phoneprov.db")}
	if pgCluster != nil {
		u, err := pgCluster.NewDatabase(ctx)
		if err != nil {
			t.Fatal(err)
		}
		o = Options{Database: u, KeyFile: filepath.Join(dir, "secret.key")}
	}
	return o
}
