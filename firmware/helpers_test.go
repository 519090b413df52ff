package firmware

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
)

// logBuf collects a Store's log for assertions.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// openStore opens a store in dir (a new temp dir when empty) with cfg's
// other fields, logging into the returned buffer.
func openStore(t testing.TB, dir string, cfg Config) (*Store, *logBuf) {
	t.Helper()
	if dir == "" {
		dir = filepath.Join(t.TempDir(), "firmware") // Open creates it
	}
	lb := &logBuf{}
	cfg.Dir = dir
	cfg.Logger = slog.New(slog.NewTextHandler(lb, nil))
	s, err := Open(cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s, lb
}

// image returns n deterministic bytes differing by seed.
func image(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31) ^ seed ^ byte(i>>8)
	}
	return b
}

func sumHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func mustAdd(t testing.TB, s *Store, data []byte, model, version, filename string) Entry {
	t.Helper()
	e, err := s.Add(bytes.NewReader(data), model, version, filename)
	if err != nil {
		t.Fatalf("Add(%s, %s, %s): %v", model, version, filename, err)
	}
	return e
}

// dirNames lists the names in dir, sorted.
func dirNames(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

// readBlob returns the stored bytes of sum.
func readBlob(t testing.TB, s *Store, sum string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.blobs, sum))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// panicReader fails the test if anything reads it.
type panicReader struct{ t testing.TB }

func (p panicReader) Read([]byte) (int, error) {
	p.t.Errorf("reader was read although the names are invalid")
	return 0, io.EOF
}

// errReader fails after yielding some bytes.
type errReader struct{ n int }

func (e *errReader) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, io.ErrUnexpectedEOF
	}
	k := min(len(p), e.n)
	e.n -= k
	return k, nil
}

// mkdirTemp makes a folder for examples, which have no testing.T.
func mkdirTemp() (string, error) { return os.MkdirTemp("", "firmware-example-") }
