package cli

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/phoneprov/phoneprov/cmd/internal/testbin"
)

// TestMain fails the run if a goroutine outlives the tests, and removes
// the phoneprov binary the tests built.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m, goleak.Cleanup(testbin.Exit)) }
