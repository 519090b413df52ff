package firmware

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// indexFormat is the version of the index.json layout.
const indexFormat = 1

// indexFile is the on-disk form of the index.
type indexFile struct {
	Format  int               `json:"format"`
	Entries []Entry           `json:"entries"`
	Targets map[string]string `json:"targets,omitempty"`
}

// loadIndex reads index.json; a missing file is an empty store. Entries that
// fail validation or repeat a (model, version) are dropped with a warning,
// and dirty reports that the file needs rewriting.
func (s *Store) loadIndex() (st *state, dirty bool, err error) {
	st = &state{entries: map[key]Entry{}, targets: map[string]string{}}
	b, err := os.ReadFile(filepath.Join(s.dir, indexName))
	if errors.Is(err, fs.ErrNotExist) {
		return st, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading firmware index: %w", err)
	}
	var f indexFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, false, fmt.Errorf("%w: %v", ErrIndex, err)
	}
	if f.Format != indexFormat {
		return nil, false, fmt.Errorf("%w: format %d, want %d", ErrIndex, f.Format, indexFormat)
	}
	for _, e := range f.Entries {
		e.Replaced = ""
		k := key{e.Model, e.Version}
		if err := checkEntry(e); err != nil {
			s.log.Warn("firmware: dropping invalid index entry", "model", e.Model, "version", e.Version, "err", err)
			dirty = true
			continue
		}
		if _, dup := st.entries[k]; dup {
			s.log.Warn("firmware: dropping duplicate index entry", "model", e.Model, "version", e.Version)
			dirty = true
			continue
		}
		st.entries[k] = e
	}
	for m, v := range f.Targets {
		st.targets[m] = v // verify drops targets without an entry
	}
	return st, dirty, nil
}

// checkEntry validates an entry read from the index.
func checkEntry(e Entry) error {
	if err := checkNames(e.Model, e.Version, e.Filename); err != nil {
		return err
	}
	if !isSHA256Hex(e.SHA256) {
		return fmt.Errorf("bad sha256 %q", e.SHA256)
	}
	if e.Size <= 0 {
		return fmt.Errorf("bad size %d", e.Size)
	}
	return nil
}

// writeIndex replaces index.json with st: temp file, fsync, rename, fsync
// of the folder.
func (s *Store) writeIndex(st *state) (err error) {
	f := indexFile{Format: indexFormat, Entries: sortedEntries(st), Targets: st.targets}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding firmware index: %w", err)
	}
	tmp, err := os.CreateTemp(s.dir, indexTmpGlob)
	if err != nil {
		return fmt.Errorf("writing firmware index: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("writing firmware index: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("writing firmware index: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("writing firmware index: %w", err)
	}
	if err = os.Rename(tmp.Name(), filepath.Join(s.dir, indexName)); err != nil {
		return fmt.Errorf("writing firmware index: %w", err)
	}
	if err := syncDir(s.dir); err != nil {
		return fmt.Errorf("writing firmware index: %w", err)
	}
	return nil
}

// sortedEntries lists st's entries by model, then version (CompareVersions,
// ties by the version text).
func sortedEntries(st *state) []Entry {
	out := make([]Entry, 0, len(st.entries))
	for _, e := range st.entries {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Model != b.Model {
			return a.Model < b.Model
		}
		if c := CompareVersions(a.Version, b.Version); c != 0 {
			return c < 0
		}
		return a.Version < b.Version
	})
	return out
}
