package cli

import (
	"testing"

	"github.com/phoneprov/phoneprov/cmd/internal/testbin"
)

// TestMain removes the phoneprov binary the tests built.
func TestMain(m *testing.M) { testbin.Main(m) }
