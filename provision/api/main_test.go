package api

import (
	"os"
	"testing"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/devicedb/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// storeOptions open a fresh store for one test (on PostgreSQL with
// PHONEPROV_TEST_DATABASE=postgres).
func storeOptions(t *testing.T) devicedb.Options { return dbtest.Options(t) }
