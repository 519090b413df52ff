package api

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/devicedb/pgtest"
)

// pgCluster is set when the tests run on PostgreSQL
// (PHONEPROV_TEST_DATABASE=postgres).
var pgCluster *pgtest.Cluster

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &pgCluster)) }

// storeOptions open a fresh store for one test: SQLite in a temporary
// directory, or a new database on the PostgreSQL cluster.
func storeOptions(t *testing.T) devicedb.Options {
	dir := t.TempDir()
	o := devicedb.Options{Path: filepath.Join(dir, "db")}
	if pgCluster != nil {
		o = devicedb.Options{Database: pgCluster.DatabaseForTest(t), KeyFile: filepath.Join(dir, "secret.key")}
	}
	return o
}
