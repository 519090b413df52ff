package cli

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/phoneprov/phoneprov/cmd/internal/testbin"
)

// TestMain fails the run if a goroutine outlives the tests, and removes
// the phoneprov binary the tests built.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(testbin.Exit), fasthttpIgnored[0], fasthttpIgnored[1])
}

// fasthttpIgnored are fasthttp's own goroutines that outlive a stopped
// server: the process-wide clock of its Date header, and a stopped
// server's worker cleaner, which returns at its next tick (10 s).
var fasthttpIgnored = []goleak.Option{goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
	goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2")}
