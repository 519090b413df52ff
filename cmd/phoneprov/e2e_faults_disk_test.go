package main

// See e2e_faults_test.go for what the fault tests hold the server to.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFaultDiskFull fills the file system of the data directory (a small
// tmpfs) while the server runs: admin writes get 507 with a clear message,
// no panic and no hang; phones still get their configs; once space is
// free writes work again, nothing acknowledged is lost and the database
// passes phoneprov check.
func TestFaultDiskFull(t *testing.T) {
	needRoot(t)
	bin := binary(t)
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=8m,mode=0700"); err != nil {
		t.Fatalf("mounting a tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(mnt, 0); err != nil {
			syscall.Unmount(mnt, syscall.MNT_DETACH)
		}
	})
	data := filepath.Join(mnt, "data")
	args := []string{"--public-host", "127.0.0.1", "--sips-addr", "", "--stun-addr", "", "--dns-addr", ""}
	p := start(t, bin, data, args...)
	ph := addPhone(t, p, "805ec0dd0001", "disk.phone", "3001")
	c := &http.Client{Timeout: 15 * time.Second}
	_, ref, _ := fetchConfig(p, c, "http://"+p.ports["http"], ph.mac)
	acked, refused := map[int64]string{}, []string{}
	create := func(name string) (int, []byte) {
		code, b := p.try(c, "POST", "/api/v1/users", map[string]any{"username": name, "first_name": "D", "last_name": strings.Repeat("x", 60)})
		if code == 201 {
			var u struct{ ID int64 }
			json.Unmarshal(b, &u)
			acked[u.ID] = name
		} else {
			refused = append(refused, name)
		}
		return code, b
	}
	for i := 0; i < 20; i++ {
		if code, b := create(fmt.Sprintf("before.%02d", i)); code != 201 {
			t.Fatalf("create before filling: %d %s", code, b)
		}
	}

	filler := filepath.Join(mnt, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for i := 0; ; i++ {
		if _, err = f.Write(chunk); err != nil || i > 1000 {
			break
		}
	}
	f.Close()
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("filling the tmpfs ended with %v, want ENOSPC", err)
	}

	// Writes until several in a row are refused: some may still fit in
	// space SQLite holds already; each must answer (2xx or 507) in time.
	full, tries := 0, 0
	for ; full < 5 && tries < 200; tries++ {
		began := time.Now()
		code, b := create(fmt.Sprintf("full.%03d", tries))
		if took := time.Since(began); took > 10*time.Second {
			t.Fatalf("a write on a full disk took %v", took)
		}
		switch code {
		case 201:
			full = 0
		case http.StatusInsufficientStorage:
			var e struct{ Error string }
			if json.Unmarshal(b, &e) != nil || !strings.HasPrefix(e.Error, "data directory is full: ") {
				t.Fatalf("507 body: %s", b)
			}
			full++
		default:
			t.Fatalf("write on a full disk: %d %s; want 201 or 507", code, b)
		}
	}
	if full < 5 {
		t.Fatalf("%d writes on a full disk, no run of 5 refusals", tries)
	}
	for _, w := range []struct{ method, path string }{{"POST", "/api/v1/licenses"}, {"POST", "/api/v1/devices"}, {"PUT", "/api/v1/devices/" + ph.mac + "/lines/2"}} {
		body := map[string]any{"type": "X2", "country": "US", "service_address": "x"}
		if w.path == "/api/v1/devices" {
			body = map[string]any{"mac": "805ec0dd0002", "model": "Yealink T46U"}
		} else if w.method == "PUT" {
			body = map[string]any{"user_id": 1}
		}
		if code, b := p.try(c, w.method, w.path, body); code != http.StatusInsufficientStorage || !strings.Contains(string(b), "data directory is full") {
			t.Errorf("%s %s on a full disk: %d %s, want 507", w.method, w.path, code, b)
		}
	}
	if code, body, err := fetchConfig(p, c, "http://"+p.ports["http"], ph.mac); code != 200 || body != ref {
		t.Errorf("config fetch on a full disk: %d %v (same body: %v)", code, err, body == ref)
	}
	t.Logf("full disk: %d writes, %d acknowledged in all, the last 5 refused with 507", tries, len(acked))
	if !strings.Contains(p.log.String(), "data directory is full") {
		t.Errorf("the server log does not say the data directory is full:\n%s", p.log)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if code, b := create("after.full"); code != 201 {
		t.Fatalf("create after freeing space: %d %s", code, b)
	}
	verifyUsers := func(p *proc) {
		users := map[string]int64{}
		for _, u := range p.listAll(t, "/api/v1/users") {
			users[u["username"].(string)] = int64(u["id"].(float64))
		}
		for id, name := range acked {
			if users[name] != id {
				t.Errorf("acknowledged user %s (id %d) missing", name, id)
			}
		}
		for _, name := range refused {
			if _, ok := users[name]; ok {
				t.Errorf("user %s was refused on the full disk but exists", name)
			}
		}
	}
	verifyUsers(p)
	p.stop(t)
	if strings.Contains(p.log.String(), "panic") {
		t.Fatalf("the server panicked:\n%s", p.log)
	}
	runCheck(t, bin, data)
	p = start(t, bin, data, args...)
	verifyUsers(p)
	if code, _, err := fetchConfig(p, c, "http://"+p.ports["http"], ph.mac); code != 200 {
		t.Errorf("config fetch after the restart: %d %v", code, err)
	}
	p.stop(t)
}
