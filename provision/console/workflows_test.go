package console

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/templates"
)

func userByName(t *testing.T, s *devicedb.Store, name string) devicedb.User {
	t.Helper()
	us, _, err := s.ListUsers(context.Background(), devicedb.UserFilter{Username: name}, devicedb.Page{})
	if err != nil || len(us) != 1 {
		t.Fatalf("user %s: %v %v", name, us, err)
	}
	return us[0]
}

func TestRefusalShowsTheWayOut(t *testing.T) {
	e := newEnv(t, Config{})
	importJoe(t, e.store)
	e.signIn()
	u := userByName(t, e.store, "joe8x8.1002")
	path := "/ui/users/" + itoa(u.ID)
	st, body := e.post(path, path, url.Values{"first_name": {"Joseph"}})
	if st != http.StatusOK || !strings.Contains(body, "Way out: replace the device first with the Replace wizard (/ui/replace?mac=0004f2a1b2c4)") {
		t.Fatalf("edit of a user with an unsupported device: %d %.3000s", st, body)
	}
	if !strings.Contains(body, `href="/ui/replace?mac=0004f2a1b2c4"`) {
		t.Fatal("the user page does not link to the replace wizard")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestReplaceWizard(t *testing.T) {
	e := newEnv(t, Config{})
	importJoe(t, e.store)
	e.signIn()
	if _, body := e.get("/ui/replace"); !strings.Contains(body, "0004f2a1b2c4") || !strings.Contains(body, "VVX 150") {
		t.Fatalf("wizard step 1 lacks the unsupported device: %.2000s", body)
	}
	from := "/ui/replace?mac=0004f2a1b2c4"
	st, body := e.post(from, "/ui/replace", url.Values{"mac": {"0004f2a1b2c4"}, "new_mac": {"0004f2c0ffee"}, "new_model": {"VVX 150"}})
	if st != http.StatusOK || !strings.Contains(body, "nothing has changed yet") || !strings.Contains(body, "create_device") {
		t.Fatalf("plan: %d %.3000s", st, body)
	}
	if _, err := e.store.GetDevice(context.Background(), "0004f2c0ffee"); err == nil {
		t.Fatal("the dry run created the device")
	}
	st, body = e.post(from, "/ui/replace", url.Values{"mac": {"0004f2a1b2c4"}, "new_mac": {"0004f2c0ffee"}, "new_model": {"VVX 150"}, "confirm": {"yes"}})
	if st != http.StatusOK || !strings.Contains(body, "device 0004f2a1b2c4 replaced by 0004f2c0ffee") {
		t.Fatalf("confirm: %d %.3000s", st, body)
	}
	st, body = e.post(from, "/ui/replace", url.Values{"mac": {"0004f2a1b2c4"}, "new_mac": {"0004f2c0ffe1"}, "new_model": {"VVX 150"}})
	if st != http.StatusNotFound || !strings.Contains(body, `class="flash error"`) {
		t.Fatalf("replacing a removed device: %d %.2000s", st, body)
	}
}

func TestImportUploadDryRunThenRun(t *testing.T) {
	e := newEnv(t, Config{Freeze: func(*devicedb.Device, templates.Model) ([]byte, error) { return []byte("frozen"), nil }})
	e.signIn()
	export, err := os.ReadFile("../../devicedb/testdata/import/seeds-joe.json")
	if err != nil {
		t.Fatal(err)
	}
	_, page := e.get("/ui/import")
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", csrfRe.FindStringSubmatch(page)[1])
	fw, _ := mw.CreateFormFile("export", "joe.json")
	fw.Write(export)
	mw.Close()
	resp, err := e.c.Post(e.srv.URL+"/ui/import", mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(b)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Dry run of joe.json") || !strings.Contains(body, "Acme Inc") {
		t.Fatalf("dry run: %d %.3000s", resp.StatusCode, body)
	}
	if us, _, _ := e.store.ListUsers(context.Background(), devicedb.UserFilter{}, devicedb.Page{}); len(us) != 0 {
		t.Fatalf("dry run made %d users", len(us))
	}
	action := regexp.MustCompile(`action="(/ui/import/[^"]+/run)"`).FindStringSubmatch(body)
	if action == nil {
		t.Fatal("no run button")
	}
	jobPage := strings.TrimSuffix(action[1], "/run")
	e.post(jobPage, action[1], url.Values{})
	// The import signs every admin out (the FAQ): once it is over, the
	// admin signs in again and finds the result.
	deadline := time.Now().Add(10 * time.Second)
	signedOut := false
	for {
		st, body := e.get(jobPage)
		if strings.Contains(body, "import run 1 finished") {
			break
		}
		if st == http.StatusOK && strings.Contains(body, `id="login"`) {
			signedOut = true
			e.signIn()
		}
		if time.Now().After(deadline) {
			t.Fatalf("import never finished: %.2000s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !signedOut {
		t.Fatal("the import did not sign the admin out")
	}
	userByName(t, e.store, "joe8x8")
	// The progress endpoint the page's bar polls says it is finished.
	progress := "/ui/progress/" + strings.TrimPrefix(jobPage, "/ui/import/")
	if st, body := e.get(progress); st != http.StatusOK || !regexp.MustCompile(`^\{"done":(\d+),"total":(\d+),"finished":true\}`).MatchString(body) ||
		strings.Contains(body, `"total":0`) {
		t.Fatalf("%s: %d %s", progress, st, body)
	}
	if _, body := e.get(jobPage); strings.Contains(body, "data-poll") {
		t.Fatal("a finished import still polls")
	}
	if _, body := e.get("/ui/import"); !strings.Contains(body, `href="/ui/imports/1"`) {
		t.Fatal("past imports do not list run 1")
	}
}
