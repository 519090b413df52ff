package firmware

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		cfg  Config
		want error
	}{
		{"no dir", Config{}, ErrNoDir},
		{"negative concurrency", Config{Dir: dir, MaxConcurrent: -1}, ErrMaxConcurrent},
		{"negative size", Config{Dir: dir, MaxSize: -1}, ErrMaxSize},
		{"negative rate", Config{Dir: dir, MinRate: -1}, ErrMinRate},
		{"negative grace", Config{Dir: dir, Grace: -time.Second}, ErrGrace},
		{"defaults", Config{Dir: dir}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Open(c.cfg)
			if !errors.Is(err, c.want) {
				t.Fatalf("Open: err %v, want %v", err, c.want)
			}
			if err == nil && (s.cfg.MaxConcurrent != DefaultMaxConcurrent || s.cfg.MaxSize != DefaultMaxSize ||
				s.cfg.MinRate != DefaultMinRate || s.cfg.Grace != DefaultGrace || cap(s.sem) != DefaultMaxConcurrent) {
				t.Errorf("defaults not applied: %+v", s.cfg)
			}
		})
	}
}

func TestAddLookup(t *testing.T) {
	s, _ := openStore(t, "", Config{})
	data := image(5000, 1)
	before := time.Now().Add(-time.Second)
	e := mustAdd(t, s, data, "VVX 410", "5.9.4.3247", "3111-46162-001.sip.ld")
	want := Entry{Model: "VVX 410", Version: "5.9.4.3247", Filename: "3111-46162-001.sip.ld",
		SHA256: sumHex(data), Size: 5000, AddedAt: e.AddedAt}
	if e != want {
		t.Fatalf("Add = %+v, want %+v", e, want)
	}
	if e.AddedAt.Before(before) || e.AddedAt.After(time.Now()) || e.AddedAt.Location() != time.UTC {
		t.Errorf("AddedAt %v not a recent UTC time", e.AddedAt)
	}
	if got, ok := s.Lookup("VVX 410", "5.9.4.3247"); !ok || got != e {
		t.Errorf("Lookup = %+v %v", got, ok)
	}
	if _, ok := s.Lookup("VVX 410", "5.9.4"); ok {
		t.Error("Lookup found a version never added")
	}
	if !bytes.Equal(readBlob(t, s, e.SHA256), data) {
		t.Error("blob content differs from the image")
	}
	for path, mode := range map[string]os.FileMode{s.dir: 0o700, s.blobs: 0o700, s.blobPath(e.SHA256): 0o600,
		filepath.Join(s.dir, indexName): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s mode %v, want %v", path, fi.Mode().Perm(), mode)
		}
	}
}

func TestAddDedupAndReplace(t *testing.T) {
	s, _ := openStore(t, "", Config{})
	a, b := image(3000, 1), image(3000, 2)
	ea := mustAdd(t, s, a, "T46S", "66.86.0.15", "T46S(T48S,T42S,T41S)-66.86.0.15.rom")
	mustAdd(t, s, a, "T48S", "66.86.0.15", "T46S(T48S,T42S,T41S)-66.86.0.15.rom")
	if got := dirNames(t, s.blobs); !reflect.DeepEqual(got, []string{ea.SHA256}) {
		t.Fatalf("same bytes twice: blobs %v, want one", got)
	}
	// The same image again for the same key changes nothing.
	if again := mustAdd(t, s, a, "T46S", "66.86.0.15", "T46S(T48S,T42S,T41S)-66.86.0.15.rom"); again != ea {
		t.Errorf("re-add = %+v, want %+v", again, ea)
	}
	// The same image under a new file name keeps its AddedAt.
	renamed := mustAdd(t, s, a, "T46S", "66.86.0.15", "T46S-66.86.0.15.rom")
	if renamed.Filename != "T46S-66.86.0.15.rom" || !renamed.AddedAt.Equal(ea.AddedAt) || renamed.Replaced != "" {
		t.Errorf("rename = %+v", renamed)
	}
	if got, _ := s.ByFilename("T46S", "T46S-66.86.0.15.rom"); got != renamed {
		t.Errorf("ByFilename after rename = %+v", got)
	}
	// Other bytes replace T46S's entry; the old blob stays for T48S.
	eb := mustAdd(t, s, b, "T46S", "66.86.0.15", "T46S(T48S,T42S,T41S)-66.86.0.15.rom")
	if eb.Replaced != ea.SHA256 || eb.SHA256 != sumHex(b) {
		t.Fatalf("replace: %+v, want Replaced %s", eb, ea.SHA256)
	}
	if got, _ := s.Lookup("T46S", "66.86.0.15"); got.SHA256 != eb.SHA256 || got.Replaced != "" {
		t.Errorf("Lookup after replace = %+v", got)
	}
	if got := len(dirNames(t, s.blobs)); got != 2 {
		t.Errorf("blobs %d, want 2 (old one still used by T48S)", got)
	}
	// Replacing T48S too leaves the old blob unused: it goes.
	mustAdd(t, s, b, "T48S", "66.86.0.15", "T46S(T48S,T42S,T41S)-66.86.0.15.rom")
	if got := dirNames(t, s.blobs); !reflect.DeepEqual(got, []string{eb.SHA256}) {
		t.Errorf("blobs %v, want only %s", got, eb.SHA256)
	}
}

func TestRemoveAndTargets(t *testing.T) {
	s, _ := openStore(t, "", Config{})
	a, b := image(100, 1), image(100, 2)
	mustAdd(t, s, a, "VVX 410", "5.9.4.3247", "sip.ld")
	mustAdd(t, s, a, "VVX 411", "5.9.4.3247", "sip.ld")
	eb := mustAdd(t, s, b, "VVX 410", "6.4.6.2205", "sip.ld")

	if err := s.SetTarget("VVX 410", "7.0"); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetTarget unknown version: %v", err)
	}
	if err := s.SetTarget("VVX 500", "5.9.4.3247"); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetTarget version of another model: %v", err)
	}
	if _, ok := s.Target("VVX 410"); ok {
		t.Error("target set before SetTarget")
	}
	if err := s.SetTarget("VVX 410", "6.4.6.2205"); err != nil {
		t.Fatal(err)
	}
	if got, ok := s.Target("VVX 410"); !ok || got != eb {
		t.Errorf("Target = %+v %v", got, ok)
	}
	if err := s.Remove("VVX 410", "6.4.6.2205"); !errors.Is(err, ErrIsTarget) {
		t.Errorf("Remove target: %v", err)
	}
	if err := s.SetTarget("VVX 410", ""); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Target("VVX 410"); ok {
		t.Error("target still set after clearing")
	}
	if err := s.Remove("VVX 410", "6.4.6.2205"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.blobPath(eb.SHA256)); !os.IsNotExist(err) {
		t.Errorf("unreferenced blob kept: %v", err)
	}
	if err := s.Remove("VVX 410", "6.4.6.2205"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Remove twice: %v", err)
	}
	// a is shared: removing one user keeps the blob, the last one removes it.
	if err := s.Remove("VVX 410", "5.9.4.3247"); err != nil {
		t.Fatal(err)
	}
	if len(dirNames(t, s.blobs)) != 1 {
		t.Error("shared blob removed while still referenced")
	}
	if err := s.Remove("VVX 411", "5.9.4.3247"); err != nil {
		t.Fatal(err)
	}
	if got := dirNames(t, s.blobs); len(got) != 0 || len(s.List()) != 0 {
		t.Errorf("after removing all: blobs %v, list %v", got, s.List())
	}
}

func TestByFilenameAndList(t *testing.T) {
	s, _ := openStore(t, "", Config{})
	old := mustAdd(t, s, image(10, 1), "VVX 410", "5.9.4.3247", "3111-46162-001.sip.ld")
	newer := mustAdd(t, s, image(10, 2), "VVX 410", "5.9.10.1", "3111-46162-001.sip.ld")
	other := mustAdd(t, s, image(10, 3), "VVX 410", "6.0.0.1", "sip.ld")
	t46 := mustAdd(t, s, image(10, 4), "T46S", "66.86.0.160", "T46S-66.86.0.160.rom")
	t46old := mustAdd(t, s, image(10, 5), "T46S", "66.86.0.15", "T46S-66.86.0.15.rom")

	check := func(model, file string, want Entry, wantOK bool) {
		t.Helper()
		got, ok := s.ByFilename(model, file)
		if ok != wantOK || got != want {
			t.Errorf("ByFilename(%q, %q) = %s %v, want %s %v", model, file, got.Version, ok, want.Version, wantOK)
		}
	}
	check("VVX 410", "3111-46162-001.sip.ld", newer, true) // highest carrying the name
	check("VVX 410", "sip.ld", other, true)
	check("VVX 411", "sip.ld", Entry{}, false)
	check("VVX 410", "SIP.LD", Entry{}, false)
	check("T46S", "T46S-66.86.0.15.rom", t46old, true)
	if err := s.SetTarget("VVX 410", old.Version); err != nil {
		t.Fatal(err)
	}
	check("VVX 410", "3111-46162-001.sip.ld", old, true) // the target wins
	check("VVX 410", "sip.ld", other, true)              // target has another name

	want := []Entry{t46old, t46, old, newer, other}
	if got := s.List(); !reflect.DeepEqual(got, want) {
		t.Errorf("List order:\n got %v\nwant %v", versions(got), versions(want))
	}
}

func versions(es []Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Model+"@"+e.Version)
	}
	return out
}

func TestAddRefusals(t *testing.T) {
	s, _ := openStore(t, "", Config{MaxSize: 100})
	if _, err := s.Add(bytes.NewReader(image(101, 1)), "T46S", "1", "a.rom"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("101 bytes with MaxSize 100: %v", err)
	}
	if _, err := s.Add(bytes.NewReader(nil), "T46S", "1", "a.rom"); !errors.Is(err, ErrEmptyImage) {
		t.Errorf("empty image: %v", err)
	}
	if _, err := s.Add(&errReader{n: 50}, "T46S", "1", "a.rom"); err == nil || !strings.Contains(err.Error(), "unexpected EOF") {
		t.Errorf("failing reader: %v", err)
	}
	if got := dirNames(t, s.blobs); len(got) != 0 {
		t.Errorf("refused adds left files: %v", got)
	}
	if len(s.List()) != 0 {
		t.Errorf("refused adds left entries: %v", s.List())
	}
	mustAdd(t, s, image(100, 1), "T46S", "1", "a.rom") // exactly MaxSize is fine
}

func TestAddNames(t *testing.T) {
	s, _ := openStore(t, "", Config{})
	bad := []struct{ model, version, file string }{
		{"", "1.0", "a.rom"},
		{" T46S", "1.0", "a.rom"},
		{"T46S\n", "1.0", "a.rom"},
		{"T\x00S", "1.0", "a.rom"},
		{strings.Repeat("m", 65), "1.0", "a.rom"},
		{"T46S", "", "a.rom"},
		{"T46S", "1.0 beta", "a.rom"},
		{"T46S", "1.0/2", "a.rom"},
		{"T46S", "1.0\t", "a.rom"},
		{"T46S", strings.Repeat("1", 65), "a.rom"},
		{"T46S", "1.0", ""},
		{"T46S", "1.0", "../etc/passwd"},
		{"T46S", "1.0", "a/b.rom"},
		{"T46S", "1.0", `a\b.rom`},
		{"T46S", "1.0", ".."},
		{"T46S", "1.0", "."},
		{"T46S", "1.0", ".hidden"},
		{"T46S", "1.0", "a..rom"},
		{"T46S", "1.0", "a b.rom"},
		{"T46S", "1.0", "a.rom?x=1"},
		{"T46S", "1.0", "a#b"},
		{"T46S", "1.0", "a%2fb"},
		{"T46S", "1.0", "a\x00b"},
		{"T46S", "1.0", "a\x7fb"},
		{"T46S", "1.0", "ä.rom"},
		{"T46S", "1.0", strings.Repeat("f", 256)},
	}
	for _, c := range bad {
		_, err := s.Add(panicReader{t}, c.model, c.version, c.file)
		var want error
		switch {
		case checkModel(c.model) != nil:
			want = ErrModel
		case checkVersion(c.version) != nil:
			want = ErrVersion
		default:
			want = ErrFilename
		}
		if !errors.Is(err, want) {
			t.Errorf("Add(%q, %q, %q): err %v, want %v", c.model, c.version, c.file, err, want)
		}
		if err != nil && err.Error() != strings.ToLower(err.Error()[:1])+err.Error()[1:] {
			t.Errorf("error text starts upper case: %v", err)
		}
	}
	good := []struct{ model, version, file string }{
		{"VVX 410", "5.9.4.3247", "3111-46162-001.sip.ld"},
		{"T31P", "124.86.0.75", "T31(T30,T30P,T31G,T31P,T33P,T33G)-124.86.0.75.rom"},
		{"ATA191", "11-1-0MPP0401-002", "ATA19x.11-1-0MPP0401-002.img"},
		{"SPA112", "1.3.5_004p", "SPA112-SPA122_1.3.5_004p.bin"},
		{"W70B", "146.87.0.21", "$PN-175.87.0.18.rom"},
		{"snom D385", "10.1.215.13+b~1", "snomD385-10.1.215.13-SIP-r.bin"},
	}
	for i, c := range good {
		if _, err := s.Add(bytes.NewReader(image(10, byte(i))), c.model, c.version, c.file); err != nil {
			t.Errorf("Add(%q, %q, %q): %v", c.model, c.version, c.file, err)
		}
	}
	if len(s.List()) != len(good) {
		t.Errorf("List has %d entries, want %d", len(s.List()), len(good))
	}
}
