package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSeed seeds 200 phones through the Classic import with the command
// line, writing every output, and 12 more through the admin API, against
// the real binary: both ways make the same account, the import is
// re-runnable, storm --reuse boots the imported phones, and the SIPp
// credentials register.
func TestSeed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real server")
	}
	ports, token, _ := startServer(t)
	server := "http://" + ports["http"]
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := func(name string) string { return filepath.Join(dir, name) }
	args := []string{"--server", server, "--token-file", tokenFile, "--devices", "200", "--via", "import", "--chunk", "64",
		"--out-targets", out("targets.tsv"), "--out-www", out("www"), "--out-sipp-csv", out("users.csv"), "--out-creds", out("creds.tsv")}
	for run := 1; run <= 2; run++ { // the second import of the same phones changes nothing and succeeds
		var stdout, stderr bytes.Buffer
		if code := seedCmd(args, &stdout, &stderr); code != 0 {
			t.Fatalf("seed run %d: exit %d\n%s%s", run, code, stdout.String(), stderr.String())
		}
		if !strings.Contains(stdout.String(), "seeded 200 devices") || !strings.Contains(stdout.String(), "via 4 Classic import(s) of up to 64 users") {
			t.Fatalf("seed run %d output:\n%s", run, stdout.String())
		}
	}
	ds := devices(200, 0, vendors)
	checkSeedOutputs(t, dir, ds)

	// the admin API way makes the same records
	var progress bytes.Buffer
	if err := Seed(t.Context(), SeedConfig{Server: server, Token: token, Devices: 12, Base: 200, Via: viaAPI}, &progress); err != nil {
		t.Fatalf("seed via api: %v\n%s", err, progress.String())
	}
	a := newAdmin(server, token, 4)
	if imp, api := userShape(t, a, ds[0]), userShape(t, a, devices(12, 200, vendors)[0]); imp != api {
		t.Errorf("import and API seeding differ:\nimport %s\napi    %s", imp, api)
	}

	// storm boots the imported phones
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	rep, err := Run(ctx, Config{Server: server, Token: token, SIP: ports["sip"], Devices: 200, Reuse: true,
		Window: time.Second, Sources: 20, Timeout: 30 * time.Second}, &progress)
	if err != nil || rep.Booted != 200 || rep.Failed != 0 {
		t.Fatalf("storm --reuse after seed: %v %+v\n%s", err, rep, progress.String())
	}

	// the SIPp injection file's fields register, one phone per vendor
	lines := strings.Split(strings.TrimSpace(readFile(t, out("users.csv"))), "\n")
	pool, err := newSIPPool(1, "udp", ports["sip"], "phoneprov.test")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.close()
	for _, d := range ds[:len(vendors)] {
		f := strings.Split(lines[1+d.i], ";")
		if _, err := pool.register(ctx, d, creds{User: f[0], AuthUser: f[1], Password: f[2]}, regOpts{}); err != nil {
			t.Errorf("%s: REGISTER with the CSV's %q: %v", d.v.name, lines[1+d.i], err)
		}
	}
}

// checkSeedOutputs checks the four outputs of seeding ds.
func checkSeedOutputs(t *testing.T, dir string, ds []device) {
	t.Helper()
	targets := strings.Split(strings.TrimSpace(readFile(t, filepath.Join(dir, "targets.tsv"))), "\n")
	sipp := strings.Split(strings.TrimSpace(readFile(t, filepath.Join(dir, "users.csv"))), "\n")
	kam := strings.Split(strings.TrimSpace(readFile(t, filepath.Join(dir, "creds.tsv"))), "\n")
	if len(targets) != len(ds) || len(sipp) != len(ds)+1 || sipp[0] != "SEQUENTIAL" || len(kam) != len(ds) {
		t.Fatalf("%d targets, %d SIPp lines (first %q), %d credentials; want %d, %d, %d", len(targets), len(sipp), sipp[0],
			len(kam), len(ds), len(ds)+1, len(ds))
	}
	for _, d := range ds {
		if want := d.main + "\t" + d.ua + "\t"; !strings.HasPrefix(targets[d.i], want) || len(strings.Split(targets[d.i], "\t")) != 4 {
			t.Fatalf("target %d = %q, want %q and a credential and an ETag", d.i, targets[d.i], want)
		}
		if tf := strings.Split(targets[d.i], "\t"); !strings.HasPrefix(tf[3], `"`) {
			t.Fatalf("target %d = %q: no ETag", d.i, targets[d.i])
		} else if raw, err := base64.StdEncoding.DecodeString(tf[2]); tf[2] != "-" && (err != nil || !strings.Contains(string(raw), ":")) {
			t.Fatalf("target %d = %q: basic credential %q is not base64 of user:password", d.i, targets[d.i], tf[2])
		}
		f := strings.Split(sipp[d.i+1], ";")
		k := strings.Split(kam[d.i], "\t")
		if len(f) != 4 || f[0] != d.extension() || f[3] != fmt.Sprintf("[authentication username=%s password=%s]", f[1], f[2]) ||
			len(k) != 3 || k[0] != f[1] || k[1] != f[2] || k[2] != f[0] {
			t.Fatalf("%s: SIPp line %q, credentials %q", d.mac, sipp[d.i+1], kam[d.i])
		}
		body := readFile(t, filepath.Join(dir, "www", filepath.Base(d.main)))
		if c, ok := parseCreds(d.v.family, []byte(body)); !ok || c.AuthUser != f[1] || c.Password != f[2] {
			t.Fatalf("%s: the config in www does not carry the credentials: %+v", d.mac, c)
		}
	}
}

// userShape is the seeded user of d with what differs per phone (ids,
// numbers, times) taken out.
func userShape(t *testing.T, a *admin, d device) string {
	t.Helper()
	var us []map[string]any
	if err := a.call(t.Context(), http.MethodGet, "/users?username="+d.username(), nil, http.StatusOK, &us); err != nil || len(us) != 1 {
		t.Fatalf("user %s: %v %v", d.username(), err, us)
	}
	scrub(us[0])
	b, _ := json.Marshal(us[0])
	s := string(b)
	for _, r := range []string{d.username(), d.extension(), d.licenseID(), d.mac, fmt.Sprintf("Phone %d", d.n),
		d.v.model[strings.IndexByte(d.v.model, ' ')+1:]} {
		s = strings.ReplaceAll(s, r, "X")
	}
	return s
}

// scrub replaces ids and times, at any depth, with "X".
func scrub(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			switch k {
			case "id", "user_id", "created_at", "updated_at":
				v[k] = "X"
			default:
				scrub(x)
			}
		}
	case []any:
		for _, x := range v {
			scrub(x)
		}
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
