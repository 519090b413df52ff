package firmware

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Entry is one stored firmware image for one model and version.
type Entry struct {
	// Model is the catalog model name, as given to Add.
	Model string `json:"model"`
	// Version is the firmware version, as given to Add.
	Version string `json:"version"`
	// Filename is the name the phone asks for, e.g. "sip.ld" or
	// "T46U(T43U,T46U,T41U,T48U,T42U,T44U,T44W)-108.86.0.90.rom".
	Filename string `json:"filename"`
	// SHA256 is the lower-case hex sha256 of the image; the blob's name.
	SHA256 string `json:"sha256"`
	// Size is the image length in bytes.
	Size int64 `json:"size"`
	// AddedAt is when the image was added (UTC, whole seconds); served as
	// Last-Modified.
	AddedAt time.Time `json:"added_at"`
	// Replaced is set only on the Entry that Add returns: the sha256 of the
	// image this one replaced for the same model and version. Never stored.
	Replaced string `json:"replaced,omitempty"`
}

// key identifies an entry.
type key struct{ model, version string }

// state is an immutable snapshot of the index; mutations build a new one.
type state struct {
	entries map[key]Entry
	targets map[string]string // model -> version
}

func (st *state) clone() *state {
	n := &state{entries: make(map[key]Entry, len(st.entries)+1), targets: make(map[string]string, len(st.targets)+1)}
	for k, e := range st.entries {
		n.entries[k] = e
	}
	for m, v := range st.targets {
		n.targets[m] = v
	}
	return n
}

// references reports whether any entry uses the blob sum.
func (st *state) references(sum string) bool {
	for _, e := range st.entries {
		if e.SHA256 == sum {
			return true
		}
	}
	return false
}

// Store is the firmware store. Its methods are safe for concurrent use.
type Store struct {
	cfg   Config
	dir   string
	blobs string
	log   *slog.Logger
	sem   chan struct{}

	wmu sync.Mutex // serialises mutations and index writes
	mu  sync.RWMutex
	st  *state // guarded by mu; replaced, never modified
	gen atomic.Uint64
}

// Names inside Config.Dir.
const (
	indexName     = "index.json"
	indexTmpGlob  = ".index-*.tmp"
	blobsName     = "blobs"
	uploadTmpGlob = ".upload-*"
)

// Open validates cfg, creates the folder if needed, loads index.json and
// repairs the folder as the package doc describes.
func Open(cfg Config) (*Store, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Store{cfg: cfg, dir: cfg.Dir, blobs: filepath.Join(cfg.Dir, blobsName), log: cfg.Logger,
		sem: make(chan struct{}, cfg.MaxConcurrent)}
	if err := os.MkdirAll(s.blobs, 0o700); err != nil {
		return nil, fmt.Errorf("creating firmware dir: %w", err)
	}
	s.removeTemps()
	st, dirty, err := s.loadIndex()
	if err != nil {
		return nil, err
	}
	if s.verify(st) || dirty {
		if err := s.writeIndex(st); err != nil {
			return nil, err
		}
	}
	s.removeOrphans(st)
	s.st = st
	return s, nil
}

// removeTemps deletes temp files left by a crash during Add or an index write.
func (s *Store) removeTemps() {
	for _, pat := range []string{filepath.Join(s.dir, indexTmpGlob), filepath.Join(s.blobs, uploadTmpGlob)} {
		names, _ := filepath.Glob(pat) // the patterns are constant and valid
		for _, n := range names {
			if err := os.Remove(n); err != nil {
				s.log.Warn("firmware: removing stray temp file", "path", n, "err", err)
				continue
			}
			s.log.Info("firmware: removed stray temp file", "path", n)
		}
	}
}

// verify drops entries whose blob is missing or of the wrong size, and
// targets naming no entry. It reports whether st changed.
func (s *Store) verify(st *state) bool {
	changed := false
	for k, e := range st.entries {
		fi, err := os.Stat(s.blobPath(e.SHA256))
		switch {
		case err != nil:
			s.log.Warn("firmware: dropping entry, blob missing", "model", e.Model, "version", e.Version, "sha256", e.SHA256, "err", err)
		case !fi.Mode().IsRegular() || fi.Size() != e.Size:
			s.log.Warn("firmware: dropping entry, blob has the wrong size", "model", e.Model, "version", e.Version,
				"sha256", e.SHA256, "want", e.Size, "have", fi.Size())
		default:
			continue
		}
		delete(st.entries, k)
		changed = true
	}
	for m, v := range st.targets {
		if _, ok := st.entries[key{m, v}]; !ok {
			s.log.Warn("firmware: dropping target, its entry is gone", "model", m, "version", v)
			delete(st.targets, m)
			changed = true
		}
	}
	return changed
}

// removeOrphans deletes blobs no entry references (left by a crash between
// storing a blob and writing the index, or a failed delete).
func (s *Store) removeOrphans(st *state) {
	ents, err := os.ReadDir(s.blobs)
	if err != nil {
		s.log.Warn("firmware: listing blobs", "err", err)
		return
	}
	for _, d := range ents {
		if !isSHA256Hex(d.Name()) || st.references(d.Name()) {
			continue
		}
		s.removeBlob(d.Name())
		s.log.Info("firmware: removed unreferenced blob", "sha256", d.Name())
	}
}

// removeBlob deletes a blob; a failure only leaves an orphan for the next Open.
func (s *Store) removeBlob(sum string) {
	if err := os.Remove(s.blobPath(sum)); err != nil && !os.IsNotExist(err) {
		s.log.Warn("firmware: removing blob", "sha256", sum, "err", err)
	}
}

func (s *Store) blobPath(sum string) string { return filepath.Join(s.blobs, sum) }

// snapshot returns the current state for reading.
func (s *Store) snapshot() *state {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st
}

// commit writes st to disk and makes it current. The caller holds wmu.
func (s *Store) commit(st *state) error {
	if err := s.writeIndex(st); err != nil {
		return err
	}
	s.mu.Lock()
	s.st = st
	s.mu.Unlock()
	s.gen.Add(1)
	return nil
}

// Generation changes after every change of the store: configs that name
// a firmware version cache on it.
func (s *Store) Generation() uint64 { return s.gen.Load() }

// isSHA256Hex reports whether x is 64 lower-case hex digits.
func isSHA256Hex(x string) bool {
	if len(x) != 64 {
		return false
	}
	return strings.Trim(x, "0123456789abcdef") == ""
}

// syncDir fsyncs a folder so a rename in it survives a crash. File systems
// that do not sync folders (EINVAL) are tolerated.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	return nil
}
