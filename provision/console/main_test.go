package console

import (
	"os"
	"testing"

	"github.com/phoneprov/phoneprov/devicedb/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
