package cli

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
)

// The outcomes other nodes tell of: a newer one replaces an older one, an
// older one arriving late does not; a confirmation counts only for a fetch
// at or after the NOTIFY; the map stays bounded.
func TestResyncShareOutcomes(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	s := &resyncShare{now: func() time.Time { return now }, m: map[string]*devicedb.ResyncInfo{}}
	told := func(mac string, sent time.Time, status int) {
		b, _ := json.Marshal(devicedb.ResyncInfo{Event: "check-sync", SentAt: sent, Results: []devicedb.NotifyResult{{Status: status}}})
		s.onDone(mac + " " + string(b))
	}
	told("805ec0000001", now.Add(-time.Minute), 200)
	told("805ec0000001", now.Add(-2*time.Minute), 481) // late, older
	st, ok := s.state("805ec0000001")
	if !ok || st.Results[0].Status != 200 {
		t.Fatalf("state after a late older outcome: %+v %v", st, ok)
	}
	s.onConfirmed("805ec0000001 " + now.Add(-2*time.Minute).Format(time.RFC3339Nano)) // a fetch before the NOTIFY
	if st, _ := s.state("805ec0000001"); !st.ConfirmedAt.IsZero() {
		t.Fatalf("confirmed by a fetch before the re-sync: %+v", st)
	}
	s.onConfirmed("805ec0000001 " + now.Format(time.RFC3339Nano))
	if st, _ := s.state("805ec0000001"); !st.ConfirmedAt.Equal(now) {
		t.Fatalf("not confirmed by the fetch after the re-sync: %+v", st)
	}
	for _, bad := range []string{"", "805ec0000002", "805ec0000002 {", "805ec0000001 yesterday"} {
		s.onDone(bad)
		s.onConfirmed(bad)
	}
	if _, ok := s.state("805ec0000002"); ok {
		t.Fatal("a malformed message made an outcome")
	}
	told("805ec0000003", now.Add(-25*time.Hour), 200)
	if _, ok := s.state("805ec0000003"); ok {
		t.Fatal("an outcome older than a day is still shown")
	}
	for i := 0; i < resyncShareMax+50; i++ {
		told(fmt.Sprintf("0004f2%06x", i), now.Add(time.Duration(i)*time.Millisecond), 200)
	}
	if n := len(s.m); n > resyncShareMax {
		t.Fatalf("%d outcomes kept, bound %d", n, resyncShareMax)
	}
	if _, ok := s.state(fmt.Sprintf("0004f2%06x", resyncShareMax+49)); !ok {
		t.Fatal("the newest outcome was dropped")
	}
	if _, ok := s.state("0004f2000000"); ok {
		t.Fatal("the oldest outcome was kept past the bound")
	}
	var nilShare *resyncShare
	nilShare.fetched("805ec0000001", now)
	if _, ok := nilShare.state("805ec0000001"); ok {
		t.Fatal("a nil share has an outcome")
	}
}
