package firmware

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Add stores the image read from r as firmware version of model, served
// under filename. It streams to a temp file while hashing, refuses images
// over Config.MaxSize (ErrTooLarge) or empty (ErrEmptyImage), then fsyncs
// and renames the file to its content address; bytes already stored are kept
// once. Adding a (model, version) again with other bytes replaces the entry:
// the returned Entry's Replaced holds the old sha256, and the old blob is
// deleted when nothing references it any more. Names are checked first
// (ErrModel, ErrVersion, ErrFilename) so nothing is read from r when they
// are wrong.
func (s *Store) Add(r io.Reader, model, version, filename string) (Entry, error) {
	if err := checkNames(model, version, filename); err != nil {
		return Entry{}, err
	}
	tmp, sum, size, err := s.receive(r)
	if err != nil {
		return Entry{}, err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	old := s.snapshot()
	k := key{model, version}
	prev, had := old.entries[k]
	if had && prev.SHA256 == sum && prev.Filename == filename {
		os.Remove(tmp)
		return prev, nil // the same image again: nothing to do
	}
	created, err := s.placeBlob(tmp, sum, size)
	if err != nil {
		if created && !old.references(sum) {
			s.removeBlob(sum)
		}
		return Entry{}, err
	}
	e := Entry{Model: model, Version: version, Filename: filename, SHA256: sum, Size: size,
		AddedAt: time.Now().UTC().Truncate(time.Second)}
	if had && prev.SHA256 == sum {
		e.AddedAt = prev.AddedAt // only the file name changed
	}
	st := old.clone()
	st.entries[k] = e
	if err := s.commit(st); err != nil {
		if created && !old.references(sum) {
			s.removeBlob(sum)
		}
		return Entry{}, err
	}
	if had && prev.SHA256 != sum {
		e.Replaced = prev.SHA256
		if !st.references(prev.SHA256) {
			s.removeBlob(prev.SHA256)
		}
	}
	return e, nil
}

// receive copies r to a temp file in the blobs folder, hashing as it goes,
// and returns the temp file's path, the hex sha256 and the size. On error
// the temp file is gone.
func (s *Store) receive(r io.Reader) (path, sum string, size int64, err error) {
	f, err := os.CreateTemp(s.blobs, uploadTmpGlob)
	if err != nil {
		return "", "", 0, fmt.Errorf("storing firmware: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(r, s.cfg.MaxSize+1))
	switch {
	case err != nil:
		return "", "", 0, fmt.Errorf("storing firmware: %w", err)
	case n > s.cfg.MaxSize:
		return "", "", 0, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, s.cfg.MaxSize)
	case n == 0:
		return "", "", 0, ErrEmptyImage
	}
	if err = f.Sync(); err != nil {
		return "", "", 0, fmt.Errorf("storing firmware: %w", err)
	}
	if err = f.Close(); err != nil {
		return "", "", 0, fmt.Errorf("storing firmware: %w", err)
	}
	return f.Name(), hex.EncodeToString(h.Sum(nil)), n, nil
}

// placeBlob moves the temp file to the blob path, or deletes it when a blob
// with that content is already there; it reports whether it created the
// blob. The temp file is gone afterwards, error or not. The caller holds
// wmu, so no Remove runs meanwhile.
func (s *Store) placeBlob(tmp, sum string, size int64) (created bool, err error) {
	dst := s.blobPath(sum)
	fi, err := os.Stat(dst)
	if err == nil && fi.Mode().IsRegular() && fi.Size() == size {
		os.Remove(tmp)
		return false, nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		os.Remove(tmp)
		return false, fmt.Errorf("storing firmware: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return false, fmt.Errorf("storing firmware: %w", err)
	}
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return true, fmt.Errorf("storing firmware: %w", err)
	}
	return true, nil
}
