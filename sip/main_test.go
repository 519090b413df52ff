package sip

import (
	"log/slog"
	"os"
	"testing"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/phoneprov/phoneprov/devicedb/dbtest"
	"go.uber.org/goleak"
)

// TestMain silences sipgo's process-wide logger below errors: the test
// phones' sipgo clients warn about their own reference counts; and fails
// the run if a goroutine outlives the tests.
func TestMain(m *testing.M) {
	sipmsg.SetDefaultLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	// dbtest.Main runs the tests (on a throwaway PostgreSQL cluster with
	// PHONEPROV_TEST_DATABASE=postgres); goleak checks after it.
	goleak.VerifyTestMain(dbtest.TestingM{M: m})
}
