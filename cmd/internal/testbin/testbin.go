// Package testbin holds what the binary's end-to-end tests share: the
// phoneprov binary built once per test process, a goroutine-safe buffer
// for its output, and the reader of its ports.json.
package testbin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/devicedb/pgtest"
)

// Env names a phoneprov binary built beforehand (by .ci/run or a load
// script); when set, Phoneprov returns it instead of building one.
const Env = "PHONEPROV_TEST_BINARY"

var (
	once   sync.Once
	dir    string
	bin    string
	bldErr error
)

// Phoneprov returns the path of a phoneprov binary: $PHONEPROV_TEST_BINARY
// when set, else one built from this module on the first call of the test
// process and shared by every later call.
func Phoneprov(t testing.TB) string {
	t.Helper()
	if b := os.Getenv(Env); b != "" {
		return b
	}
	once.Do(func() {
		if dir, bldErr = os.MkdirTemp("", "phoneprov-test-bin"); bldErr != nil {
			return
		}
		bin = filepath.Join(dir, "phoneprov")
		out, err := exec.Command("go", "build", "-o", bin, "github.com/phoneprov/phoneprov/cmd/phoneprov").CombinedOutput()
		if err != nil {
			bldErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if bldErr != nil {
		t.Fatal(bldErr)
	}
	return bin
}

// Main runs the package's tests and removes the binary Phoneprov built:
// call it from the package's TestMain.
//
// With PHONEPROV_TEST_DATABASE=postgres the tests run on a throwaway
// PostgreSQL cluster: see Database.
func Main(m *testing.M) { Exit(pgtest.Main(m, &cluster)) }

// Exit removes the binary Phoneprov built and exits with code: the
// cleanup to give goleak.VerifyTestMain.
func Exit(code int) {
	if dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

var (
	cluster *pgtest.Cluster
	dbMu    sync.Mutex
	dbs     = map[string]string{}
)

// Database is the --database for a server with data directory data: empty
// (SQLite in data) unless the tests run on PostgreSQL, then a database of
// its own, the same for every start on that directory.
func Database(t testing.TB, data string) string {
	t.Helper()
	if cluster == nil {
		return ""
	}
	dbMu.Lock()
	defer dbMu.Unlock()
	if u, ok := dbs[data]; ok {
		return u
	}
	u := cluster.DatabaseForTest(t)
	dbs[data] = u
	return u
}

// Buffer is a bytes.Buffer safe for the exec package's copying goroutine
// writing while a test reads.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *Buffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// WaitPorts waits up to timeout for DATA/ports.json and returns its
// addresses by listener name.
func WaitPorts(data string, timeout time.Duration) (map[string]string, error) {
	deadline := time.Now().Add(timeout)
	for {
		var ports map[string]string
		b, err := os.ReadFile(filepath.Join(data, "ports.json"))
		if err == nil && json.Unmarshal(b, &ports) == nil {
			return ports, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no ports.json in %s within %s", data, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
