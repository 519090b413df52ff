// Package dbtest opens the store of a test: SQLite in a temporary
// directory, or a fresh database on a throwaway PostgreSQL cluster when
// the tests run with PHONEPROV_TEST_DATABASE=postgres.
package dbtest

import (
	"path/filepath"
	"testing"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/devicedb/pgtest"
)

var cluster *pgtest.Cluster

// Main runs a package's tests (call it from TestMain and os.Exit with its
// result), with the PostgreSQL cluster when the tests run on PostgreSQL.
func Main(m *testing.M) int { return pgtest.Main(m, &cluster) }

// TestingM runs the tests through Main, for goleak.VerifyTestMain (which
// checks for leaked goroutines once they ran).
type TestingM struct{ M *testing.M }

// Run runs the tests.
func (t TestingM) Run() int { return Main(t.M) }

// Options are the Options of a fresh store for one test.
func Options(t testing.TB) devicedb.Options {
	t.Helper()
	dir := t.TempDir()
	if cluster == nil {
		return devicedb.Options{Path: filepath.Join(dir, "phoneprov.db")}
	}
	return devicedb.Options{Database: cluster.DatabaseForTest(t), KeyFile: filepath.Join(dir, "secret.key")}
}
