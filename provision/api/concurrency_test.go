package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestConcurrentWrites runs 50 clients doing mixed writes through the API
// for a few seconds: every write answered 2xx must be in the database
// afterwards, and no client ever sees "database is locked".
func TestConcurrentWrites(t *testing.T) {
	e := newEnv(t)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	defer client.CloseIdleConnections()
	send := func(method, path string, body any) (int, []byte, error) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer res.Body.Close()
		raw, err := io.ReadAll(res.Body)
		return res.StatusCode, raw, err
	}
	var (
		mu       sync.Mutex
		users    = map[string]int64{} // username -> id, acknowledged
		devices  = map[string]bool{}  // mac, acknowledged
		lines    = map[string]int64{} // mac -> user on line 1, last acknowledged
		licenses = map[string]bool{}
		locked   atomic.Int64
		failures atomic.Int64
		ops      atomic.Int64
	)
	deadline := time.Now().Add(3 * time.Second)
	var wg sync.WaitGroup
	for g := 0; g < 50; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 10000 && time.Now().Before(deadline); i++ {
				name := fmt.Sprintf("u%02d-%04d", g, i)
				mac := fmt.Sprintf("0004f2%02x%04x", g, i)
				st, raw, err := send("POST", "/api/v1/users", map[string]any{"username": name, "extension": fmt.Sprintf("%02d%04d", 10+g, i)})
				ops.Add(1)
				if err != nil || st != 201 {
					failures.Add(1)
					if strings.Contains(string(raw), "locked") {
						locked.Add(1)
					}
					continue
				}
				var u struct{ ID int64 }
				json.Unmarshal(raw, &u)
				mu.Lock()
				users[name] = u.ID
				mu.Unlock()
				st, raw, _ = send("POST", "/api/v1/licenses", map[string]any{"type": "X2", "country": "US"})
				ops.Add(1)
				if st == 201 {
					var l struct{ ID string }
					json.Unmarshal(raw, &l)
					mu.Lock()
					licenses[l.ID] = true
					mu.Unlock()
				}
				if st, _, _ = send("POST", "/api/v1/devices", map[string]any{"mac": mac, "model": "VVX 410"}); st == 201 {
					mu.Lock()
					devices[mac] = true
					mu.Unlock()
				}
				ops.Add(1)
				if st, raw, _ = send("PUT", "/api/v1/devices/"+mac+"/lines/1", map[string]any{"user_id": u.ID}); st == 200 {
					mu.Lock()
					lines[mac] = u.ID
					mu.Unlock()
				} else if strings.Contains(string(raw), "locked") {
					locked.Add(1)
				}
				ops.Add(1)
			}
		}(g)
	}
	wg.Wait()
	t.Logf("%d API writes by 50 clients in 3 s, %d failures", ops.Load(), failures.Load())
	if locked.Load() > 0 {
		t.Fatalf("%d responses said the database was locked", locked.Load())
	}
	if failures.Load() > 0 {
		t.Fatalf("%d user creations failed", failures.Load())
	}
	if len(users) < 50 {
		t.Fatalf("only %d users created", len(users))
	}
	for name, id := range users {
		u, err := e.store.GetUser(t.Context(), id)
		if err != nil || u.Username != name {
			t.Fatalf("acknowledged user %s (%d) missing: %v", name, id, err)
		}
	}
	for mac := range devices {
		d, err := e.store.GetDevice(t.Context(), mac)
		if err != nil {
			t.Fatalf("acknowledged device %s missing: %v", mac, err)
		}
		if uid, ok := lines[mac]; ok && (len(d.Lines) != 1 || d.Lines[0].UserID != uid) {
			t.Fatalf("acknowledged line on %s missing: %+v", mac, d.Lines)
		}
	}
	for id := range licenses {
		if _, err := e.store.GetLicense(t.Context(), id); err != nil {
			t.Fatalf("acknowledged license %s missing: %v", id, err)
		}
	}
}
