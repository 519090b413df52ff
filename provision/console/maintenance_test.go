package console

import (
	"context"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/templates"
)

// TestMaintenanceDuringImport: while an import runs every console page
// (reads, the sign-in page) is the maintenance page with the expected end
// and 503 + Retry-After; the signed-in admin is signed out; at the end the
// console opens again by itself.
func TestMaintenanceDuringImport(t *testing.T) {
	inFreeze, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	e := newEnv(t, Config{})
	e.signIn()
	f, err := os.Open("../../devicedb/testdata/import/seeds-joe.json")
	if err != nil {
		t.Fatal(err)
	}
	exp, err := devicedb.DecodeClassicJSON(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := e.store.ImportClassic(context.Background(), exp, devicedb.ImportOptions{Freeze: func(*devicedb.Device, templates.Model) ([]byte, error) {
			once.Do(func() { close(inFreeze) })
			select {
			case <-release:
			case <-time.After(20 * time.Second):
			}
			return []byte(`{}`), nil
		}})
		done <- err
	}()
	select {
	case <-inFreeze:
	case <-time.After(20 * time.Second):
		t.Fatal("import did not start")
	}
	for _, path := range []string{"/ui/devices", "/ui/users", "/login", "/ui/import"} {
		resp, err := e.c.Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 1<<16)
		n, _ := resp.Body.Read(b)
		resp.Body.Close()
		body := string(b[:n])
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
			!strings.Contains(body, `id="maintenance"`) || !strings.Contains(body, `id="expected-end"`) || strings.Contains(body, "Sign out") {
			t.Fatalf("GET %s during the import: %d %q %.1500s", path, resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
	}
	// A write gets the same page, not a CSRF error.
	resp, err := e.c.PostForm(e.srv.URL+"/ui/licenses", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("POST during the import: %d", resp.StatusCode)
	}
	if st, _ := e.get("/set-password?token=x"); st == http.StatusServiceUnavailable {
		t.Fatal("the users' set-password page is closed by the window")
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Open again, and the admin was signed out.
	st, body := e.get("/ui/devices")
	if st != http.StatusOK || !strings.Contains(body, `id="login"`) {
		t.Fatalf("after the import: %d %.1000s", st, body)
	}
	e.signIn()
}

// TestScheduledWindowBanner: a scheduled import shows on every page
// beforehand.
func TestScheduledWindowBanner(t *testing.T) {
	e := newEnv(t, Config{})
	e.signIn()
	if _, body := e.get("/ui/devices"); strings.Contains(body, `id="upgrade-window"`) {
		t.Fatal("banner without a scheduled import")
	}
	at := time.Now().Add(3 * time.Hour).UTC().Truncate(time.Second)
	si, err := e.store.ScheduleImport(context.Background(), devicedb.ClassicExport{Users: []devicedb.ClassicUser{{Username: "sched"}}}, at)
	if err != nil {
		t.Fatal(err)
	}
	_, body := e.get("/ui/users")
	if !strings.Contains(body, `id="upgrade-window"`) || !strings.Contains(body, at.Format("2006-01-02 15:04:05Z")) {
		t.Fatalf("no banner: %.2000s", body)
	}
	if _, err := e.store.CancelScheduledImport(context.Background(), si.ID); err != nil {
		t.Fatal(err)
	}
	if _, body := e.get("/ui/users"); strings.Contains(body, `id="upgrade-window"`) {
		t.Fatal("banner after the cancellation")
	}
}
