package firmware

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestReopenKeepsEverything(t *testing.T) {
	s, _ := openStore(t, "", Config{})
	mustAdd(t, s, image(100, 1), "VVX 410", "5.9.4.3247", "sip.ld")
	mustAdd(t, s, image(100, 2), "VVX 410", "6.4.6.2205", "sip.ld")
	mustAdd(t, s, image(100, 1), "T46S", "66.86.0.15", "T46S-66.86.0.15.rom")
	if err := s.SetTarget("VVX 410", "6.4.6.2205"); err != nil {
		t.Fatal(err)
	}
	s2, log := openStore(t, s.dir, Config{})
	if !reflect.DeepEqual(s2.List(), s.List()) {
		t.Errorf("after reopen:\n got %+v\nwant %+v", s2.List(), s.List())
	}
	if got, ok := s2.Target("VVX 410"); !ok || got.Version != "6.4.6.2205" {
		t.Errorf("target after reopen: %+v %v", got, ok)
	}
	if strings.Contains(log.String(), "WARN") {
		t.Errorf("clean reopen logged warnings:\n%s", log)
	}
}

func TestReopenRepairs(t *testing.T) {
	s, _ := openStore(t, "", Config{})
	keep := mustAdd(t, s, image(100, 1), "VVX 410", "5.9.4.3247", "sip.ld")
	lost := mustAdd(t, s, image(100, 2), "VVX 410", "6.4.6.2205", "sip.ld")
	short := mustAdd(t, s, image(100, 3), "T46S", "66.86.0.15", "T46S-66.86.0.15.rom")
	if err := s.SetTarget("VVX 410", lost.Version); err != nil {
		t.Fatal(err)
	}
	// Simulate damage and crash leftovers.
	if err := os.Remove(s.blobPath(lost.SHA256)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.blobPath(short.SHA256), []byte("truncated"), 0o600); err != nil {
		t.Fatal(err)
	}
	orphan := sumHex([]byte("orphan"))
	stray := []string{filepath.Join(s.dir, ".index-123.tmp"), filepath.Join(s.blobs, ".upload-456"),
		s.blobPath(orphan)}
	for _, p := range stray {
		if err := os.WriteFile(p, []byte("orphan"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	other := filepath.Join(s.blobs, "README") // not ours: left alone
	if err := os.WriteFile(other, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}

	s2, log := openStore(t, s.dir, Config{})
	if got := s2.List(); !reflect.DeepEqual(got, []Entry{keep}) {
		t.Errorf("after repair List = %+v, want only %+v", got, keep)
	}
	if _, ok := s2.Target("VVX 410"); ok {
		t.Error("target of a dropped entry survived")
	}
	for _, want := range []string{"blob missing", "wrong size", "dropping target"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	for _, p := range stray {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s not removed: %v", p, err)
		}
	}
	if got := dirNames(t, s.blobs); !reflect.DeepEqual(got, []string{keep.SHA256, "README"}) {
		t.Errorf("blobs after repair %v", got)
	}
	// The repair was written back: a third open is clean.
	s3, log3 := openStore(t, s.dir, Config{})
	if !reflect.DeepEqual(s3.List(), []Entry{keep}) || strings.Contains(log3.String(), "WARN") {
		t.Errorf("third open: %+v\n%s", s3.List(), log3)
	}
}

func TestReopenBadIndex(t *testing.T) {
	for name, content := range map[string]string{
		"garbage":    "{not json",
		"new format": `{"format": 99, "entries": []}`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, indexName), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := Open(Config{Dir: dir}); !errors.Is(err, ErrIndex) {
				t.Errorf("Open: %v, want ErrIndex", err)
			}
		})
	}
	t.Run("invalid entries dropped", func(t *testing.T) {
		s, _ := openStore(t, "", Config{})
		good := mustAdd(t, s, image(10, 1), "T46S", "1.0", "a.rom")
		idx := fmt.Sprintf(`{"format":1,"entries":[
			{"model":"T46S","version":"1.0","filename":"a.rom","sha256":%q,"size":10},
			{"model":"T46S","version":"1.0","filename":"a.rom","sha256":%q,"size":10},
			{"model":"T46S","version":"2.0","filename":"../x","sha256":%q,"size":10},
			{"model":"T46S","version":"3.0","filename":"b.rom","sha256":"../../etc/passwd","size":10}]}`,
			good.SHA256, good.SHA256, good.SHA256)
		if err := os.WriteFile(filepath.Join(s.dir, indexName), []byte(idx), 0o600); err != nil {
			t.Fatal(err)
		}
		s2, log := openStore(t, s.dir, Config{})
		if got := s2.List(); len(got) != 1 || got[0].Version != "1.0" {
			t.Errorf("List = %+v", got)
		}
		if n := strings.Count(log.String(), "dropping"); n != 3 {
			t.Errorf("%d drops logged, want 3:\n%s", n, log)
		}
	})
}

func TestConcurrentAdds(t *testing.T) {
	s, _ := openStore(t, "", Config{})
	const workers, perWorker, contents = 8, 6, 3
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				model := fmt.Sprintf("M%d", w%4)
				version := fmt.Sprintf("1.%d", i)
				data := image(20000, byte((w+i)%contents))
				if _, err := s.Add(bytes.NewReader(data), model, version, "fw.bin"); err != nil {
					errs <- err
				}
				_ = s.SetTarget(model, version)
				s.ByFilename(model, "fw.bin")
				s.List()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	list := s.List()
	if len(list) != 4*perWorker {
		t.Fatalf("%d entries, want %d", len(list), 4*perWorker)
	}
	seedOf := map[string]byte{}
	for seed := range byte(contents) {
		seedOf[sumHex(image(20000, seed))] = seed
	}
	used := map[string]bool{}
	for _, e := range list {
		used[e.SHA256] = true
		seed, ok := seedOf[e.SHA256]
		if !ok || !bytes.Equal(readBlob(t, s, e.SHA256), image(20000, seed)) {
			t.Errorf("%s@%s: blob content wrong", e.Model, e.Version)
		}
	}
	blobs := dirNames(t, s.blobs)
	if len(blobs) != len(used) {
		t.Errorf("%d blobs on disk, %d referenced: %v", len(blobs), len(used), blobs)
	}
	s2, _ := openStore(t, s.dir, Config{})
	if !reflect.DeepEqual(s2.List(), list) {
		t.Error("index on disk differs from memory after concurrent adds")
	}
}
