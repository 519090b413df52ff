package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/firmware"
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

// TestBulkAndExports: the bulk form exports the selected devices as CSV,
// refuses a re-sync without a registrar and a firmware target without a
// firmware store; the whole-list exports answer CSV; an unknown job's
// progress is 404.
func TestBulkAndExports(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	for _, mac := range []string{"0004f2aabb01", "0004f2aabb02"} {
		if _, err := e.store.CreateDevice(ctx, devicedb.NewDevice{MAC: mac, Model: "VVX 410"}); err != nil {
			t.Fatal(err)
		}
	}
	e.signIn()
	st, body := e.post("/ui/devices", "/ui/devices/bulk", url.Values{"action": {"csv"}, "mac": {"0004f2aabb02"}})
	if st != http.StatusOK || !strings.HasPrefix(body, "mac,vendor,model") || !strings.Contains(body, "0004f2aabb02") || strings.Contains(body, "0004f2aabb01") {
		t.Fatalf("bulk CSV: %d %s", st, body)
	}
	for action, want := range map[string]string{"resync": "the SIP registrar is off", "firmware": "firmware serving is off", "": "choose an action"} {
		if _, body := e.post("/ui/devices", "/ui/devices/bulk", url.Values{"action": {action}, "mac": {"0004f2aabb01"}}); !strings.Contains(body, want) {
			t.Errorf("bulk %q: no %q in\n%s", action, want, body)
		}
	}
	if _, body := e.post("/ui/devices", "/ui/devices/bulk", url.Values{"action": {"csv"}}); !strings.Contains(body, "select at least one device") {
		t.Errorf("bulk without devices:\n%s", body)
	}
	for _, kind := range []string{"users", "devices", "licenses"} {
		if st, body := e.get("/ui/export/" + kind + ".csv"); st != http.StatusOK || !strings.HasPrefix(body, "id,") && !strings.HasPrefix(body, "mac,") {
			t.Errorf("export %s: %d %.200s", kind, st, body)
		}
	}
	if st, _ := e.get("/ui/export/secrets.csv"); st != http.StatusNotFound {
		t.Errorf("export of an unknown kind: %d", st)
	}
	if st, _ := e.get("/ui/progress/nope"); st != http.StatusNotFound {
		t.Errorf("progress of an unknown job: %d", st)
	}
}

// TestOwnPasswordChange: the current password is checked, the two new ones
// must agree, the own session stays, and nobody removes themselves.
func TestOwnPasswordChange(t *testing.T) {
	e := newEnv(t, Config{})
	e.signIn()
	form := func(cur, pw, pw2 string) url.Values {
		return url.Values{"current": {cur}, "password": {pw}, "password2": {pw2}}
	}
	for _, tc := range []struct {
		v    url.Values
		want string
	}{
		{form("wrong", "a new long password", "a new long password"), "the current password is wrong"},
		{form("correct horse battery", "a new long password", "another"), "the two passwords differ"},
		{form("correct horse battery", "short", "short"), "at least 10 characters"},
		{form("correct horse battery", "a new long password", "a new long password"), "your password is changed"},
	} {
		if _, body := e.post("/ui/admins", "/ui/admins/me/password", tc.v); !strings.Contains(body, tc.want) {
			t.Errorf("own password change: no %q in\n%s", tc.want, body)
		}
	}
	if _, body := e.get("/ui/admins"); !strings.Contains(body, "Sign out") {
		t.Fatal("the own session ended with the own change")
	}
	if _, body := e.post("/ui/admins", "/ui/admins/alice/delete", url.Values{}); !strings.Contains(body, "you cannot remove yourself") {
		t.Errorf("removing oneself:\n%s", body)
	}
	if _, _, err := e.store.SignIn(context.Background(), "alice", "a new long password", time.Hour); err != nil {
		t.Fatalf("sign-in with the new password: %v", err)
	}
}

// TestRotateLineButton: the device page's button gives a line new
// credentials; assigning the same user again does not.
func TestRotateLineButton(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	u, err := e.store.CreateUser(ctx, devicedb.NewUser{Username: "rita", Extension: "1001"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.CreateDevice(ctx, devicedb.NewDevice{MAC: "0004f2aabbcc", Model: "VVX 410"}); err != nil {
		t.Fatal(err)
	}
	d, err := e.store.SetLine(ctx, "0004f2aabbcc", 1, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.signIn()
	page := "/ui/devices/0004f2aabbcc"
	e.post(page, page+"/lines", url.Values{"line": {"1"}, "user": {"rita"}})
	if again, _ := e.store.GetDevice(ctx, d.MAC); again.Lines[0].AuthUser != d.Lines[0].AuthUser {
		t.Fatal("assigning the same user again changed the credentials")
	}
	if _, body := e.post(page, page+"/lines/1/rotate", url.Values{}); !strings.Contains(body, "new SIP credentials") {
		t.Fatalf("rotate:\n%s", body)
	}
	if rot, _ := e.store.GetDevice(ctx, d.MAC); rot.Lines[0].AuthUser == d.Lines[0].AuthUser {
		t.Fatal("the rotate button kept the credentials")
	}
}

// TestBulkFirmwareTarget: the bulk form sets the firmware target of the
// selected devices' models; the devices then show in "below target
// firmware", and a version not added is refused with the way to add it.
func TestBulkFirmwareTarget(t *testing.T) {
	fw, err := firmware.Open(firmware.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Add(strings.NewReader("image bytes"), "VVX 410", "6.4.6.2734", "vvx410.sip.ld"); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, Config{Firmware: fw})
	if _, err := e.store.CreateDevice(context.Background(), devicedb.NewDevice{MAC: "0004f2aabb01", Model: "VVX 410"}); err != nil {
		t.Fatal(err)
	}
	e.signIn()
	if _, body := e.get("/ui/devices?view=below_target"); strings.Contains(body, "0004f2aabb01") {
		t.Fatal("below target before a target is set")
	}
	if _, body := e.post("/ui/devices", "/ui/devices/bulk", url.Values{"action": {"firmware"}, "mac": {"0004f2aabb01"}, "version": {"9.9"}}); !strings.Contains(body, "no firmware 9.9 for VVX 410") {
		t.Errorf("unknown version:\n%s", body)
	}
	if _, body := e.post("/ui/devices", "/ui/devices/bulk", url.Values{"action": {"firmware"}, "mac": {"0004f2aabb01"}, "version": {"6.4.6.2734"}}); !strings.Contains(body, "firmware target 6.4.6.2734 set for VVX 410") {
		t.Errorf("set target:\n%s", body)
	}
	if tg, ok := fw.Target("VVX 410"); !ok || tg.Version != "6.4.6.2734" {
		t.Fatalf("target: %+v %v", tg, ok)
	}
	if _, body := e.get("/ui/devices?view=below_target"); !strings.Contains(body, "0004f2aabb01") {
		t.Error("the device (firmware not known yet) is not below the new target")
	}
	if _, body := e.get("/"); !strings.Contains(body, `data-key="devices_below_target"><span class="n">1</span>`) {
		t.Error("overview does not count the device below target")
	}
}
