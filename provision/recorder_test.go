package provision

import (
	"context"
	"io"
	"log/slog"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
)

// TestRecorderRepeats: a device's fetch that repeats its last stored one is
// stored again only after recordEvery; one that differs is stored at once.
func TestRecorderRepeats(t *testing.T) {
	ctx := context.Background()
	s, err := devicedb.Open(ctx, devicedb.Options{Path: filepath.Join(t.TempDir(), "db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const mac = "805ec0a1b2c3"
	if _, err := s.CreateDevice(ctx, devicedb.NewDevice{MAC: mac, Model: "T46U"}); err != nil {
		t.Fatal(err)
	}
	r := newRecorder(s, slog.New(slog.NewTextHandler(io.Discard, nil)), func() {})
	defer r.close()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	note := func(at time.Duration, file string) fetchNote {
		return fetchNote{at: t0.Add(at), ip: netip.MustParseAddr("192.0.2.7"), file: file, status: 200, ua: "Yealink SIP-T46U"}
	}
	for i, tc := range []struct {
		f        fetchNote
		wantRows int
	}{
		{note(0, "805ec0a1b2c3.cfg"), 1},
		{note(time.Second, "805ec0a1b2c3.cfg"), 1},                // repeats: not stored
		{note(2*time.Second, "805ec0a1b2c3.boot"), 2},             // another file
		{note(3*time.Second, "805ec0a1b2c3.boot"), 2},             // repeats
		{note(3*time.Second+recordEvery, "805ec0a1b2c3.boot"), 3}, // a minute on
	} {
		r.fetch(mac, tc.f)
		r.flush()
		got, err := s.RecentFetches(ctx, mac, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.wantRows {
			t.Fatalf("after fetch %d (%s at +%s): %d rows stored, want %d", i+1, tc.f.file, tc.f.at.Sub(t0), len(got), tc.wantRows)
		}
	}
}
