package devicedb

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// twoNodes opens two stores on one database: on PostgreSQL, two nodes.
func twoNodes(t *testing.T) (a, b *Store) {
	t.Helper()
	if pgCluster == nil {
		t.Skip("runs on PostgreSQL only (PHONEPROV_TEST_DATABASE=postgres)")
	}
	o := testOptions(t)
	var err error
	if a, err = Open(ctx, o); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if b, err = Open(ctx, o); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return a, b
}

// eventually waits (bounded) for cond, which the change feed makes true.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("after 5 s: %s", what)
}

func TestClusterChangeFeed(t *testing.T) {
	a, b := twoNodes(t)
	g := b.Generation()
	mustUser(t, a, "alice", "1001")
	eventually(t, "node B's generation moves after an admin change on node A", func() bool { return b.Generation() != g })
	// The servers' own records do not make caches stale elsewhere.
	got := make(chan string, 1)
	b.Subscribe("resync", func(p string) { got <- p })
	if err := a.Broadcast(ctx, "resync", "0004f2000001 check-sync"); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-got:
		if p != "0004f2000001 check-sync" {
			t.Fatalf("payload %q", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("broadcast from node A never reached node B")
	}
}

func TestClusterImportLock(t *testing.T) {
	a, b := twoNodes(t)
	if err := a.Lock(time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "node B sees the lock of node A", func() bool { _, ok := b.LockedUntil(); return ok })
	_, err := b.CreateUser(ctx, NewUser{Username: "bob", FirstName: "B", Extension: "1002"})
	wantKind(t, err, ErrUnavailable)
	wantKind(t, b.Lock(time.Now().Add(time.Minute)), ErrUnavailable)
	// A node started during the import holds writes too.
	c, err := Open(ctx, Options{Database: a.path, KeyFile: filepath.Join(t.TempDir(), "k")})
	if err == nil {
		defer c.Close()
		if _, ok := c.LockedUntil(); !ok {
			t.Fatal("a node opened during the import does not see its lock")
		}
	} else {
		t.Fatal(err)
	}
	a.Unlock()
	eventually(t, "node B sees the lock released", func() bool { _, ok := b.LockedUntil(); return !ok })
	if _, err := b.CreateUser(ctx, NewUser{Username: "bob", FirstName: "B", Extension: "1002"}); err != nil {
		t.Fatal(err)
	}
	if err := b.Lock(time.Now().Add(time.Minute)); err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	b.Unlock()
}

func TestClusterShareFiles(t *testing.T) {
	a, b := twoNodes(t)
	da, db := t.TempDir(), t.TempDir()
	created := 0
	mk := func(dir string) func() error {
		return func() error {
			if _, err := os.Stat(filepath.Join(dir, "ca.key")); err == nil {
				return nil
			}
			created++
			return os.WriteFile(filepath.Join(dir, "ca.key"), []byte("KEY of "+dir), 0o600)
		}
	}
	names := []string{"ca.key", "admin.token"}
	if err := a.ShareFiles(ctx, da, names, mk(da)); err != nil {
		t.Fatal(err)
	}
	if err := b.ShareFiles(ctx, db, names, mk(db)); err != nil {
		t.Fatal(err)
	}
	ka, _ := os.ReadFile(filepath.Join(da, "ca.key"))
	kb, _ := os.ReadFile(filepath.Join(db, "ca.key"))
	if created != 1 || string(ka) != string(kb) || len(ka) == 0 {
		t.Fatalf("created %d times; node A has %q, node B %q", created, ka, kb)
	}
	var sealed []byte
	if err := a.r.QueryRow(`SELECT body_enc FROM cluster_files WHERE name = 'ca.key'`).Scan(&sealed); err != nil || string(sealed) == string(ka) {
		t.Fatalf("ca.key in the database: %v, stored in clear: %v", err, string(sealed) == string(ka))
	}
	// A node with another secret.key cannot read them.
	c, err := Open(ctx, Options{Database: a.path, KeyFile: filepath.Join(t.TempDir(), "other.key")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.ShareFiles(ctx, t.TempDir(), names, func() error { return nil }); err == nil {
		t.Fatal("a node with another secret.key read the shared files")
	}
}

func TestClusterNodes(t *testing.T) {
	a, b := twoNodes(t)
	if err := a.Announce(ctx, "127.0.0.2", map[string]string{"sip": "5060", "http": "8080"}); err != nil {
		t.Fatal(err)
	}
	if err := b.Announce(ctx, "127.0.0.3", map[string]string{"sip": "5062"}); err != nil {
		t.Fatal(err)
	}
	ns, err := a.LiveNodes(ctx, time.Minute)
	if err != nil || len(ns) != 2 || ns[0].Host != "127.0.0.2" || ns[0].Ports["sip"] != "5060" || ns[1].ID != b.NodeID() {
		t.Fatalf("live nodes %+v %v", ns, err)
	}
	if err := b.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	if ns, err := a.LiveNodes(ctx, time.Minute); err != nil || len(ns) != 1 {
		t.Fatalf("after node B left: %+v %v", ns, err)
	}
	if ns, err := a.LiveNodes(ctx, -time.Hour); err != nil || len(ns) != 0 {
		t.Fatalf("nodes with a heartbeat in the future: %+v %v", ns, err)
	}
}

// While an import holds the cluster's writes, the other nodes' heartbeats
// go on (else they would drop out of DNS for its duration), and their
// writes wait for it instead of failing it.
func TestClusterHeartbeatDuringImport(t *testing.T) {
	a, b := twoNodes(t)
	started, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- a.write(context.WithValue(context.WithValue(ctx, bypassLockKey{}, true), exclusiveKey{}, true), "hold", func(t *tx) error {
			close(started)
			<-release
			return nil
		})
	}()
	<-started
	beat := make(chan error, 1)
	go func() { beat <- b.Announce(ctx, "127.0.0.3", map[string]string{"sip": "127.0.0.3:5060"}) }()
	select {
	case err := <-beat:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("node B's heartbeat waits for the import on node A")
	}
	wrote := make(chan error, 1)
	go func() {
		_, err := b.CreateUser(ctx, NewUser{Username: "waiter", FirstName: "W", Extension: "1003"})
		wrote <- err
	}()
	select {
	case err := <-wrote:
		t.Fatalf("node B wrote while node A held the cluster's writes: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if err := <-wrote; err != nil {
		t.Fatalf("node B's write after the import: %v", err)
	}
}

// After Sync, a node has handled every broadcast committed before it,
// from any node.
func TestClusterSync(t *testing.T) {
	a, b := twoNodes(t)
	var mu sync.Mutex
	got := 0
	b.Subscribe("count", func(string) { mu.Lock(); got++; mu.Unlock() })
	for i := range 50 {
		if err := a.Broadcast(ctx, "count", "x"); err != nil {
			t.Fatal(err)
		}
		if err := b.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		n := got
		mu.Unlock()
		if n != i+1 {
			t.Fatalf("after %d broadcasts and a sync node B handled %d", i+1, n)
		}
	}
}
