package main

// See e2e_faults_test.go for what the fault tests hold the server to.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/phoneprov/phoneprov/devicedb"
)

// ledger is what the server acknowledged, across kills.
type ledger struct {
	mu       sync.Mutex
	users    map[int64]string  // id -> username
	licenses map[string]int64  // license id -> user it was assigned to (0: none)
	devices  map[string]int64  // mac -> user on line 1 (0: none)
	refused  []string          // usernames whose create was answered with a refusal
	odd      []string          // answers neither 2xx nor 503
	imports  map[string]string // username prefix -> "acked", "refused" or "unknown"
	locked   chan struct{}     // closed at the first 503: an import holds admin writes
	lockOnce sync.Once
}

func (l *ledger) note(f func()) { l.mu.Lock(); defer l.mu.Unlock(); f() }

// adminWriter creates users, licenses and devices, assigns licenses and
// lines, recording every 2xx, until stop or a transport error.
func adminWriter(p *proc, led *ledger, round, g int, stop <-chan struct{}) {
	c := &http.Client{Timeout: 15 * time.Second}
	ok := func(code int, body []byte, what string) bool {
		switch {
		case code/100 == 2:
			return true
		case code != 0 && code != 503:
			led.note(func() { led.odd = append(led.odd, fmt.Sprintf("%s: %d %s", what, code, body)) })
		case code == 503:
			led.lockOnce.Do(func() { close(led.locked) })
			time.Sleep(10 * time.Millisecond)
		}
		return false
	}
	for i := 0; i < 2000; i++ {
		select {
		case <-stop:
			return
		default:
		}
		name := fmt.Sprintf("k%d-g%d-%04d", round, g, i)
		code, b := p.try(c, "POST", "/api/v1/users", map[string]any{"username": name, "first_name": "K", "extension": fmt.Sprintf("3%d%d%04d", round, g, i)})
		if !ok(code, b, "create user") {
			if code == 0 {
				return
			}
			led.note(func() { led.refused = append(led.refused, name) })
			continue
		}
		var u struct{ ID int64 }
		json.Unmarshal(b, &u)
		led.note(func() { led.users[u.ID] = name })
		code, b = p.try(c, "POST", "/api/v1/licenses", map[string]any{"type": "X2", "country": "US", "service_address": "2 Main St"})
		if !ok(code, b, "create license") {
			continue
		}
		var l struct{ ID string }
		json.Unmarshal(b, &l)
		led.note(func() { led.licenses[l.ID] = 0 })
		if code, b = p.try(c, "POST", fmt.Sprintf("/api/v1/users/%d/licenses", u.ID), map[string]any{"license_id": l.ID}); ok(code, b, "assign license") {
			led.note(func() { led.licenses[l.ID] = u.ID })
		}
		mac := fmt.Sprintf("805ec0%x%x%04x", 0xa+g, round, i)
		if code, b = p.try(c, "POST", "/api/v1/devices", map[string]any{"mac": mac, "model": "Yealink T46U"}); !ok(code, b, "create device") {
			continue
		}
		led.note(func() { led.devices[mac] = 0 })
		if code, b = p.try(c, "PUT", "/api/v1/devices/"+mac+"/lines/1", map[string]any{"user_id": u.ID}); ok(code, b, "assign line") {
			led.note(func() { led.devices[mac] = u.ID })
		}
	}
}

// roundExport is a synthetic Classic export whose names, numbers and MACs
// belong to round r alone; its usernames start with "i<r>-".
func roundExport(r, users int) ([]byte, string) {
	exp := devicedb.SyntheticExport(users, users, users/2)
	prefix := fmt.Sprintf("i%d-", r)
	renum := func(n string) string { return fmt.Sprint(5+r) + n[1:] } // 100123 -> 500123
	for i := range exp.Licenses {
		exp.Licenses[i].ID = fmt.Sprintf("L-R%d%s", r, exp.Licenses[i].ID[1:])
	}
	for i := range exp.Users {
		u := &exp.Users[i]
		u.Username, u.Email = prefix+u.Username, prefix+u.Email
		for k := range u.Extensions {
			e := &u.Extensions[k]
			e.Number, e.LicenseID = renum(e.Number), fmt.Sprintf("L-R%d%s", r, e.LicenseID[1:])
			for n := range e.PhoneNumbers {
				e.PhoneNumbers[n] = fmt.Sprintf("+1%d%s", 416+r, e.PhoneNumbers[n][5:])
			}
		}
	}
	for i := range exp.Devices {
		d := &exp.Devices[i]
		d.MAC = d.MAC[:6] + fmt.Sprint(r+1) + d.MAC[7:]
		for k := range d.Lines {
			d.Lines[k].Extension = renum(d.Lines[k].Extension)
		}
	}
	b, _ := json.Marshal(exp)
	return b, prefix
}

// ackedBinding is a REGISTER answered 200.
type ackedBinding struct {
	ext  string
	port int
	at   time.Time
}

// window is a span of time; the zero window is empty.
type window struct{ from, to time.Time }

// TestFaultKill9 kills the server with SIGKILL in the middle of admin
// writes, a Classic import and registrations, three times at different
// moments, and after each kill runs phoneprov check, restarts on the same
// data and finds everything acknowledged (see the top of this file).
func TestFaultKill9(t *testing.T) {
	bin := binary(t)
	data := filepath.Join(t.TempDir(), "data")
	args := []string{"--public-host", "127.0.0.1", "--https-addr", "", "--sips-addr", "", "--stun-addr", "", "--dns-addr", ""}
	rounds := []struct {
		name     string
		importAt time.Duration // after the burst starts
		killAt   time.Duration // after the burst starts; 0: killIn after the import holds admin writes
		killIn   time.Duration
	}{
		{name: "mid-import", importAt: 2800 * time.Millisecond, killIn: 150 * time.Millisecond},
		{name: "after the import", importAt: 300 * time.Millisecond, killAt: 3000 * time.Millisecond},
		{name: "late", importAt: 1000 * time.Millisecond, killAt: 3600 * time.Millisecond},
	}
	const importUsers, phonesPerRound, contactsPerPhone = 1500, 4, 10
	p := start(t, bin, data, args...)
	phones := make([][]phone, len(rounds))
	for r := range rounds {
		for k := 0; k < phonesPerRound; k++ {
			phones[r] = append(phones[r], addPhone(t, p, fmt.Sprintf("805ec0ff%02x%02x", r, k), fmt.Sprintf("sip-%d-%d", r, k), fmt.Sprint(2000+10*r+k)))
		}
	}
	led := &ledger{users: map[int64]string{}, licenses: map[string]int64{}, devices: map[string]int64{}, imports: map[string]string{}}
	required := 0
	for r, rd := range rounds {
		exp, prefix := roundExport(r, importUsers)
		quiet := slog.New(slog.DiscardHandler) // the client's reports of the kill
		ua, err := sipgo.NewUA(sipgo.WithUserAgent("Yealink SIP-T46U 108.86.0.90"),
			sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet)),
			sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(quiet)))
		if err != nil {
			t.Fatal(err)
		}
		client, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientLogger(quiet))
		if err != nil {
			t.Fatal(err)
		}
		stop := make(chan struct{})
		led.locked, led.lockOnce = make(chan struct{}), sync.Once{}
		var wg sync.WaitGroup
		var bmu sync.Mutex
		var binds []ackedBinding
		var imp window // the import's request, sent to answered (or killed)
		impDone := make(chan struct{})
		begin := time.Now()
		for g := 0; g < 2; g++ {
			wg.Add(1)
			go func() { defer wg.Done(); adminWriter(p, led, r, g, stop) }()
		}
		wg.Add(2)
		go func() { // registrations, one every 40 ms, distinct contacts
			defer wg.Done()
			for j := 0; j < phonesPerRound*contactsPerPhone; j++ {
				select {
				case <-stop:
					return
				case <-time.After(40 * time.Millisecond):
				}
				ph, port := phones[r][j%phonesPerRound], 20000+100*r+j/phonesPerRound
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				if err := register(ctx, client, p.ports["sip"], ph, port); err == nil {
					bmu.Lock()
					binds = append(binds, ackedBinding{ph.ext, port, time.Now()})
					bmu.Unlock()
				}
				cancel()
			}
		}()
		go func() { // the import
			defer wg.Done()
			defer close(impDone)
			select {
			case <-stop:
				return
			case <-time.After(rd.importAt):
			}
			req, _ := http.NewRequest("POST", "http://"+p.ports["http"]+"/api/v1/imports/classic", strings.NewReader(string(exp)))
			req.Header.Set("Authorization", "Bearer "+p.token)
			req.Header.Set("Content-Type", "application/json")
			state := "unknown"
			imp.from = time.Now()
			res, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
			imp.to = time.Now()
			if err == nil {
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				switch state = "refused"; {
				case res.StatusCode == 201:
					state = "acked"
				case res.StatusCode != 503:
					led.note(func() { led.odd = append(led.odd, fmt.Sprintf("import: %d %.300s", res.StatusCode, b)) })
				}
			}
			led.note(func() { led.imports[prefix] = state })
		}()
		if rd.killAt > 0 {
			time.Sleep(rd.killAt)
		} else {
			select {
			case <-led.locked:
				time.Sleep(rd.killIn)
			case <-impDone:
				var msg string
				led.note(func() { msg = fmt.Sprintf("%s: %q", led.imports[prefix], led.odd) })
				t.Fatalf("the import ended (%s) before any admin write was held", msg)
			case <-time.After(rd.importAt + 20*time.Second):
				t.Fatal("no admin write was held by the import within 20 s")
			}
		}
		killedAt := time.Now()
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.cmd.Wait()
		close(stop)
		wg.Wait()
		ua.Close()
		t.Logf("round %q: killed %v into the burst; import %s; %d users, %d licenses, %d devices acknowledged so far; %d bindings acknowledged this round",
			rd.name, killedAt.Sub(begin).Round(time.Millisecond), led.imports[prefix], len(led.users), len(led.licenses), len(led.devices), len(binds))
		if len(led.odd) > 0 {
			t.Fatalf("%d answers neither 2xx nor 503 during the burst, the first: %q", len(led.odd), led.odd[:min(5, len(led.odd))])
		}

		runCheck(t, bin, data)
		p = start(t, bin, data, args...)
		verifyLedger(t, p, led, importUsers)
		required += verifyBindings(t, p, binds, imp, killedAt)
	}
	if required == 0 {
		t.Fatal("no binding was old enough to be required in any round: the rounds are too short to test the flush")
	}
	p.stop(t)
	runCheck(t, bin, data)
}

// verifyLedger finds every acknowledged admin write, no refused create and
// every import all or nothing.
func verifyLedger(t *testing.T, p *proc, led *ledger, importUsers int) {
	t.Helper()
	users := map[string]int64{}
	for _, u := range p.listAll(t, "/api/v1/users") {
		users[u["username"].(string)] = int64(u["id"].(float64))
	}
	for id, name := range led.users {
		if users[name] != id {
			t.Errorf("acknowledged user %s (id %d) missing after the kill (found id %d)", name, id, users[name])
		}
	}
	for _, name := range led.refused {
		if _, ok := users[name]; ok {
			t.Errorf("user %s was refused but exists after the kill", name)
		}
	}
	for prefix, state := range led.imports {
		n := 0
		for name := range users {
			if strings.HasPrefix(name, prefix) {
				n++
			}
		}
		if (state == "acked" && n != importUsers) || (state == "refused" && n != 0) || (n != 0 && n != importUsers) {
			t.Errorf("import %s (%s): %d of its %d users after the kill", prefix, state, n, importUsers)
		}
		t.Logf("import %s (%s): %d of its %d users after the kill", prefix, state, n, importUsers)
	}
	licenses := map[string]any{}
	for _, l := range p.listAll(t, "/api/v1/licenses") {
		licenses[l["id"].(string)] = l["user_id"]
	}
	for id, uid := range led.licenses {
		got, ok := licenses[id]
		if !ok || (uid != 0 && got != float64(uid)) {
			t.Errorf("acknowledged license %s (user %d) after the kill: present %v, user %v", id, uid, ok, got)
		}
	}
	devices := map[string]any{}
	for _, d := range p.listAll(t, "/api/v1/devices?status=all") {
		var line1 any
		for _, l := range d["lines"].([]any) {
			if l := l.(map[string]any); l["line"] == float64(1) {
				line1 = l["user_id"]
			}
		}
		devices[d["mac"].(string)] = line1
	}
	for mac, uid := range led.devices {
		got, ok := devices[mac]
		if !ok || (uid != 0 && got != float64(uid)) {
			t.Errorf("acknowledged device %s (line 1: user %d) after the kill: present %v, line 1 %v", mac, uid, ok, got)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// verifyBindings finds every binding required (see the top of this file)
// after a kill at killed, with the import running during imp, and returns
// how many were.
func verifyBindings(t *testing.T, p *proc, binds []ackedBinding, imp window, killed time.Time) int {
	t.Helper()
	var listed []devicedb.Binding
	if err := json.Unmarshal(p.raw(t, "GET", "/api/v1/registrations"), &listed); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, b := range listed {
		user, _, _ := strings.Cut(strings.TrimPrefix(b.AOR, "sip:"), "@")
		_, hostPort, _ := strings.Cut(b.Contact, "@127.0.0.1:")
		port := hostPort[:strings.IndexFunc(hostPort+";", func(r rune) bool { return r < '0' || r > '9' })]
		have[user+" "+port] = true
	}
	required := 0
	for _, b := range binds {
		flushed := b.at.Add(flushInterval)
		if !imp.from.IsZero() && flushed.After(imp.from.Add(-importLead)) && flushed.Before(imp.to) {
			flushed = imp.to // the flush waited for the import
		}
		if !flushed.Add(bindSlack).Before(killed) {
			continue
		}
		required++
		if !have[fmt.Sprintf("%s %d", b.ext, b.port)] {
			t.Errorf("binding %s contact port %d acknowledged %v before the kill is not listed after the restart", b.ext, b.port, killed.Sub(b.at).Round(time.Millisecond))
		}
	}
	t.Logf("bindings: %d acknowledged, %d required, %d listed after the restart", len(binds), required, len(listed))
	return required
}
