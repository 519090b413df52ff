package provision

import (
	"testing"

	"github.com/phoneprov/phoneprov/devicedb/dbtest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(dbtest.TestingM{M: m}, goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"))
}
