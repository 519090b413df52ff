package provision

import (
	"testing"

	"github.com/phoneprov/phoneprov/devicedb/dbtest"
	"go.uber.org/goleak"
)

// fasthttpIgnored are fasthttp's own goroutines that outlive a stopped
// server: the process-wide clock of its Date header, and a stopped
// server's worker cleaner, which returns at its next tick (10 s).
var fasthttpIgnored = []goleak.Option{goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
	goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2")}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(dbtest.TestingM{M: m}, append(fasthttpIgnored, goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"))...)
}
