package console

import (
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
)

func TestTimelineOrdersTheResyncStory(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	fetches := []devicedb.FetchRecord{{At: t0.Add(3 * time.Second), File: "805ec0a1b2c3.cfg", Status: 200, IP: "10.0.0.9"},
		{At: t0, File: "805ec0a1b2c3.cfg", Status: 200, IP: "10.0.0.9"}}
	regs := []devicedb.Binding{{RegisteredAt: t0.Add(time.Second), Line: 1, Source: "10.0.0.9:5060", Transport: "UDP", Expires: t0.Add(time.Hour)}}
	resync := &devicedb.ResyncInfo{Event: "check-sync", SentAt: t0.Add(2 * time.Second), Results: []devicedb.NotifyResult{{}},
		ConfirmedAt: t0.Add(3 * time.Second)}
	audit := []devicedb.AuditEntry{{At: t0.Add(-time.Second), Action: "create", Entity: "device", EntityID: "805ec0a1b2c3", Actor: "admin:alice"}}
	got := timeline(fetches, regs, resync, audit)
	var kinds []string
	for _, e := range got {
		kinds = append(kinds, e.Kind)
	}
	want := []string{"fetch", "re-fetch", "notify", "register", "fetch", "change"}
	if len(kinds) != len(want) {
		t.Fatalf("kinds %v, want %v", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("kinds %v, want %v", kinds, want)
		}
	}
	if got := timeline(nil, nil, nil, nil); len(got) != 0 {
		t.Fatalf("no history gave %v", got)
	}
}

// TestTimelineConfirmsOnlyByTheDevicesOwnFetch: the registrar's
// confirmed_at alone (any fetch of the MAC's file) does not make a
// "re-sync confirmed": a successful fetch in the device's own log after the
// NOTIFY does. The admin's request is shown.
func TestTimelineConfirmsOnlyByTheDevicesOwnFetch(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	resync := &devicedb.ResyncInfo{Event: "check-sync", SentAt: t0, Results: []devicedb.NotifyResult{{}}, ConfirmedAt: t0.Add(time.Second)}
	audit := []devicedb.AuditEntry{{At: t0, Action: "resync_request", Entity: "device", EntityID: "805ec0a1b2c3", Actor: "admin:alice"}}
	for _, tc := range []struct {
		name    string
		fetches []devicedb.FetchRecord
		want    bool
	}{
		{"no fetch after the NOTIFY", []devicedb.FetchRecord{{At: t0.Add(-time.Minute), File: "a.cfg", Status: 200}}, false},
		{"a refused fetch", []devicedb.FetchRecord{{At: t0.Add(time.Second), File: "a.cfg", Status: 404}}, false},
		{"its own fetch", []devicedb.FetchRecord{{At: t0.Add(time.Second), File: "a.cfg", Status: 200}}, true},
	} {
		got := timeline(tc.fetches, nil, resync, audit)
		confirmed, requested := false, false
		for _, e := range got {
			confirmed = confirmed || e.Kind == "re-fetch"
			requested = requested || (e.Kind == "re-sync" && e.What == "re-sync requested by admin:alice")
		}
		if confirmed != tc.want || !requested {
			t.Errorf("%s: confirmed %v (want %v), request shown %v: %+v", tc.name, confirmed, tc.want, requested, got)
		}
	}
}
