package api

import (
	"testing"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/devicedb/dbtest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(dbtest.TestingM{M: m}, goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"))
}

// storeOptions open a fresh store for one test (on PostgreSQL with
// PHONEPROV_TEST_DATABASE=postgres).
func storeOptions(t *testing.T) devicedb.Options { return dbtest.Options(t) }
