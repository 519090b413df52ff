package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/phoneprov/phoneprov/devicedb"
)

// TestConsoleNewcomerFixes: a device with two lines of one user is listed
// once for that user; the audit log names users; the user page edits
// voicemail-to-email; device statuses get their own tag class.
func TestConsoleNewcomerFixes(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	u, err := e.store.CreateUser(ctx, devicedb.NewUser{Username: "dora", FirstName: "D", LastName: "E", Email: "dora@example.com", Extension: "1001"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.CreateDevice(ctx, devicedb.NewDevice{MAC: "0004f2aabbcc", Model: "VVX 410"}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 2} {
		if _, err := e.store.SetLine(ctx, "0004f2aabbcc", n, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	e.signIn()
	_, body := e.get("/ui/users")
	if n := strings.Count(body, `href="/ui/devices/0004f2aabbcc"`); n != 1 {
		t.Errorf("users list shows the device %d times", n)
	}
	_, body = e.get("/ui/audit?entity=user")
	if !strings.Contains(body, "user dora (") {
		t.Errorf("audit log does not name the user:\n%s", body)
	}
	_, body = e.get("/ui/devices")
	if !strings.Contains(body, `class="tag st-active"`) {
		t.Errorf("no status tag class on the devices list")
	}
	page := "/ui/users/" + itoa(u.ID)
	if st, _ := e.post(page, page, url.Values{"voicemail_to_email": {"disabled"}}); st != http.StatusOK {
		t.Fatalf("saving voicemail: %d", st)
	}
	got, err := e.store.GetUser(ctx, u.ID)
	if err != nil || got.VoicemailToEmail != "disabled" {
		t.Fatalf("voicemail_to_email after saving: %q %v", got.VoicemailToEmail, err)
	}
	if _, body = e.get(page); !strings.Contains(body, `<option value="disabled" selected>`) {
		t.Errorf("user page does not show the voicemail choice")
	}
}
