package provision

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
)

// recordingPusher stands in for the registrar at the Pusher seam: both
// devices are registered, and it records the pushes.
type recordingPusher struct {
	mu     sync.Mutex
	macs   []string
	pushed map[string]string
}

func (r *recordingPusher) RegisteredMACs() []string { return r.macs }
func (r *recordingPusher) Push(_ context.Context, mac, event string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pushed[mac] = event
	return nil
}
func (r *recordingPusher) get() map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]string{}
	for k, v := range r.pushed {
		out[k] = v
	}
	return out
}

func TestWatchChangesPushesOnlyChangedDevices(t *testing.T) {
	e := newPhoneEnv(t, ThrottleConfig{})
	e.get("/"+yealinkMAC+".cfg", yealinkUA)
	e.get("/phoneprov-"+polyMAC+".cfg", polyUA)
	push := &recordingPusher{macs: []string{yealinkMAC, polyMAC}, pushed: map[string]string{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.phones.WatchChanges(ctx, push, 50*time.Millisecond)
	time.Sleep(120 * time.Millisecond)
	// A change to alice alters only the Yealink's config.
	name := "Alicia"
	if _, err := e.store.UpdateUser(context.Background(), e.alice.ID, devicedb.UserPatch{FirstName: &name}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(push.get()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	got := push.get()
	if len(got) != 1 || got[yealinkMAC] != "check-sync;reboot=false" {
		t.Fatalf("pushed %v, want only the Yealink with its catalog event", got)
	}
	// After the phone re-fetches, a change that does not touch it pushes
	// nothing more.
	e.get("/"+yealinkMAC+".cfg", yealinkUA)
	delete(push.pushed, yealinkMAC)
	if _, err := e.store.CreateUser(context.Background(), devicedb.NewUser{Username: "zed"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	if got := push.get(); len(got) != 0 {
		t.Fatalf("unrelated change pushed %v", got)
	}
}
