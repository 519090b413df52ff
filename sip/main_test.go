package sip

import (
	"log/slog"
	"os"
	"testing"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/phoneprov/phoneprov/devicedb/dbtest"
)

// TestMain silences sipgo's process-wide logger below errors: the test
// phones' sipgo clients warn about their own reference counts.
func TestMain(m *testing.M) {
	sipmsg.SetDefaultLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	os.Exit(dbtest.Main(m))
}
