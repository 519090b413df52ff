package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/icholy/digest"
	"github.com/miekg/dns"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/devicedb/pgtest"
)

// startNode starts one node of a cluster on its own loopback address
// with the database at dbURL; key is the secret.key every node shares.
func startNode(t *testing.T, bin, ip, dbURL string, key []byte, extra ...string) (*proc, string) {
	t.Helper()
	data := filepath.Join(t.TempDir(), "data")
	if key != nil {
		os.MkdirAll(data, 0o700)
		if err := os.WriteFile(filepath.Join(data, "secret.key"), key, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p := start(t, bin, data, append([]string{"--database", dbURL, "--public-host", ip,
		"--http-addr", ip + ":0", "--https-addr", ip + ":0", "--sip-addr", ip + ":0", "--sips-addr", ip + ":0",
		"--stun-addr", ip + ":0", "--dns-addr", ip + ":0"}, extra...)...)
	return p, data
}

// registerUDP registers ph on the registrar at addr from conn (digest, MD5
// with qop=auth) with conn's address as the contact.
func registerUDP(conn *net.UDPConn, addr string, ph phone) error {
	to, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return err
	}
	local := conn.LocalAddr().String()
	send := func(cseq int, auth string) (string, error) {
		msg := fmt.Sprintf("REGISTER sip:phoneprov.test SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-cl%d-%d;rport\r\nMax-Forwards: 70\r\n"+
			"From: <sip:%s@phoneprov.test>;tag=cluster\r\nTo: <sip:%s@phoneprov.test>\r\nCall-ID: cluster-%s\r\nCSeq: %d REGISTER\r\n"+
			"Contact: <sip:%s@%s>\r\nExpires: 3600\r\nUser-Agent: Yealink SIP-T46U 108.86.0.90\r\n%sContent-Length: 0\r\n\r\n",
			local, cseq, time.Now().UnixNano(), ph.ext, ph.ext, ph.mac, cseq, ph.ext, local, auth)
		if _, err := conn.WriteToUDP([]byte(msg), to); err != nil {
			return "", err
		}
		buf := make([]byte, 8192)
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		defer conn.SetReadDeadline(time.Time{})
		for {
			n, _, err := conn.ReadFromUDP(buf)
			if err != nil {
				return "", err
			}
			if r := string(buf[:n]); strings.HasPrefix(r, "SIP/2.0 ") && !strings.HasPrefix(r, "SIP/2.0 100") {
				return r, nil
			}
		}
	}
	res, err := send(1, "")
	if err != nil {
		return err
	}
	if strings.HasPrefix(res, "SIP/2.0 401") {
		var chal *digest.Challenge
		for _, l := range strings.Split(res, "\r\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(k, "WWW-Authenticate") && strings.Contains(v, "MD5") {
				if chal, err = digest.ParseChallenge(strings.TrimSpace(v)); err != nil {
					return err
				}
			}
		}
		if chal == nil {
			return fmt.Errorf("no MD5 challenge in %q", res)
		}
		cred, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: "sip:phoneprov.test", Username: ph.authName, Password: ph.password})
		if err != nil {
			return err
		}
		if res, err = send(2, "Authorization: "+cred.String()+"\r\n"); err != nil {
			return err
		}
	}
	if !strings.HasPrefix(res, "SIP/2.0 200") {
		return fmt.Errorf("REGISTER: %.80q", res)
	}
	return nil
}

// okTo is the 200 a phone answers a SIP request with (its Via, From,
// To with a tag, Call-ID and CSeq).
func okTo(req string) string {
	var b strings.Builder
	b.WriteString("SIP/2.0 200 OK\r\n")
	for _, l := range strings.Split(req, "\r\n") {
		k, _, _ := strings.Cut(l, ":")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "via", "v", "from", "f", "call-id", "i", "cseq":
			b.WriteString(l + "\r\n")
		case "to", "t":
			if !strings.Contains(l, "tag=") {
				l += ";tag=phone"
			}
			b.WriteString(l + "\r\n")
		}
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	return b.String()
}

// portOf is the port of HOST:PORT.
func portOf(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	if err != nil || n == 0 {
		t.Fatalf("address %q has no port", addr)
	}
	return n
}

// srvTargets asks the DNS responder at addr for the _sip._udp SRV records.
func srvTargets(t *testing.T, addr string) []string {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion("_sip._udp.phoneprov.test.", dns.TypeSRV)
	// Over TCP: UDP answers carry no additional records (no amplification).
	r, _, err := (&dns.Client{Net: "tcp"}).Exchange(m, addr)
	if err != nil {
		t.Fatal(err)
	}
	addrs := map[string]string{}
	for _, rr := range r.Extra {
		if a, ok := rr.(*dns.A); ok {
			addrs[a.Hdr.Name] = a.A.String()
		}
	}
	var out []string
	for _, rr := range r.Answer {
		if s, ok := rr.(*dns.SRV); ok {
			out = append(out, fmt.Sprintf("%s:%d %d/%d", addrs[s.Target], s.Port, s.Priority, s.Weight))
		}
	}
	return out
}

// within polls cond every 50 ms for at most d.
func within(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// Three serve processes on one PostgreSQL serve one account.
func TestClusterThreeNodes(t *testing.T) {
	cluster := pgtest.StartForTest(t)
	dbURL := cluster.DatabaseForTest(t)
	bin := binary(t)
	a, dataA := startNode(t, bin, "127.0.0.2", dbURL, nil)
	key, err := os.ReadFile(filepath.Join(dataA, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	b, dataB := startNode(t, bin, "127.0.0.3", dbURL, key)
	c, _ := startNode(t, bin, "127.0.0.4", dbURL, key, "--srv", "20/5")

	// The admin token and the local CA are the cluster's.
	caA, _ := os.ReadFile(filepath.Join(dataA, "ca.crt"))
	caB, _ := os.ReadFile(filepath.Join(dataB, "ca.crt"))
	if a.token != b.token || a.token != c.token || len(caA) == 0 || !bytes.Equal(caA, caB) {
		t.Fatalf("nodes do not share the admin token (%v) or the CA (%v)", a.token == b.token && a.token == c.token, bytes.Equal(caA, caB))
	}

	// An admin write on A; the phone fetches from B, the change made on A
	// shows on B's (cached) config within a second.
	ph := addPhone(t, a, "805ec0c1a5e1", "alice", "1001")
	hc := &http.Client{Timeout: 10 * time.Second}
	code, body, err := fetchConfig(b, hc, "http://"+b.ports["http"], ph.mac)
	if code != 200 || configValues(body)["account.1.password"] != ph.password {
		t.Fatalf("config from node B: %d %v", code, err)
	}
	users := usersNamed(t, a, "alice")
	if len(users) != 1 {
		t.Fatalf("users named alice: %v", users)
	}
	uid := users[0]["id"]
	a.call(t, "PATCH", fmt.Sprintf("/api/v1/users/%v", uid), map[string]any{"first_name": "Zebulon"}, 200)
	if !within(time.Second, func() bool {
		_, body, _ := fetchConfig(b, hc, "http://"+b.ports["http"], ph.mac)
		return strings.Contains(body, "Zebulon")
	}) {
		t.Fatal("node B still serves the config from before node A's change after 1 s")
	}

	// The phone registers on B; C lists the registration.
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := registerUDP(conn, b.ports["sip"], ph); err != nil {
		t.Fatalf("register on node B: %v\n%s", err, b.log)
	}
	if !within(5*time.Second, func() bool {
		return strings.Contains(string(c.raw(t, "GET", "/api/v1/registrations?mac="+ph.mac)), conn.LocalAddr().String())
	}) {
		t.Fatalf("node C does not list the registration made on node B: %s", c.raw(t, "GET", "/api/v1/registrations"))
	}

	// A re-sync asked on C reaches the phone, from B.
	c.call(t, "POST", "/api/v1/devices/"+ph.mac+"/resync", nil, 202)
	buf := make([]byte, 8192)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var notify string
	for notify == "" {
		n, from, err := conn.ReadFromUDP(buf)
		if err != nil {
			t.Fatalf("no NOTIFY after the re-sync asked on node C: %v", err)
		}
		if m := string(buf[:n]); strings.HasPrefix(m, "NOTIFY ") {
			notify = m
			if from.IP.String() != "127.0.0.3" {
				t.Fatalf("NOTIFY came from %s, want node B (127.0.0.3)", from)
			}
		}
	}
	if !strings.Contains(notify, "check-sync") {
		t.Fatalf("NOTIFY without the re-sync event:\n%s", notify)
	}
	// The phone answers 200; node C, which asked, shows the outcome B saw,
	// and the confirming fetch (made on A) too.
	if _, err := conn.WriteToUDP([]byte(okTo(notify)), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 3), Port: portOf(t, b.ports["sip"])}); err != nil {
		t.Fatal(err)
	}
	var st devicedb.ResyncInfo
	if !within(5*time.Second, func() bool {
		st = devicedb.ResyncInfo{}
		return json.Unmarshal(c.raw(t, "GET", "/api/v1/devices/"+ph.mac+"/resync"), &st) == nil &&
			len(st.Results) == 1 && st.Results[0].Status == 200
	}) {
		t.Fatalf("node C's re-sync status of the phone re-synced by node B: %s", c.raw(t, "GET", "/api/v1/devices/"+ph.mac+"/resync"))
	}
	if !st.ConfirmedAt.IsZero() {
		t.Fatalf("re-sync confirmed before the phone fetched: %+v", st)
	}
	if code, _, err := fetchConfig(a, hc, "http://"+a.ports["http"], ph.mac); code != 200 {
		t.Fatalf("the re-synced phone's fetch on node A: %d %v", code, err)
	}
	for _, n := range []*proc{a, b, c} {
		if !within(3*time.Second, func() bool {
			st = devicedb.ResyncInfo{}
			return json.Unmarshal(n.raw(t, "GET", "/api/v1/devices/"+ph.mac+"/resync"), &st) == nil && !st.ConfirmedAt.IsZero()
		}) {
			t.Fatalf("node %s does not show the re-sync confirmed by the fetch on node A: %+v", n.ports["http"], st)
		}
	}

	// DNS on any node lists the live nodes.
	if !within(10*time.Second, func() bool { return len(srvTargets(t, a.ports["dns"])) == 3 }) {
		t.Fatalf("SRV on node A: %v, want the three nodes", srvTargets(t, a.ports["dns"]))
	}
	if got := strings.Join(srvTargets(t, a.ports["dns"]), ", "); !strings.Contains(got, c.ports["sip"]+" 20/5") ||
		!strings.Contains(got, b.ports["sip"]+" 10/10") {
		t.Fatalf("SRV on node A: %s; want node C (--srv 20/5) at priority 20, weight 5", got)
	}

	// A MAC walker spreading over the three nodes is stopped as soon as
	// one on a single node (21 distinct unknown MACs with the default
	// throttle), not after three times that (63).
	walker := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 9)}}).DialContext}}
	nodes := []*proc{a, b, c}
	first := -1
	for i := 0; i < 63 && first < 0; i++ {
		code, _, err := fetchConfig(nodes[i%3], walker, "http://"+nodes[i%3].ports["http"], fmt.Sprintf("805ec0ff%04x", i))
		switch {
		case err != nil:
			t.Fatal(err)
		case code == http.StatusTooManyRequests:
			first = i
		case code != http.StatusNotFound:
			t.Fatalf("unknown MAC %d: %d", i, code)
		}
	}
	if first < 0 || first > 21 {
		t.Fatalf("the walker over three nodes was first refused at MAC %d, want the 21st", first+1)
	}
	t.Logf("the walker over three nodes was first refused at MAC %d (21 on one node)", first+1)
	for _, n := range nodes {
		if !within(time.Second, func() bool {
			code, _, _ := fetchConfig(n, walker, "http://"+n.ports["http"], "805ec0ffeeee")
			return code == http.StatusTooManyRequests
		}) {
			t.Fatalf("node %s still answers the walker", n.ports["http"])
		}
	}

	// A credential sweep spread over the three nodes gets 403 after as
	// many failures as on one (RejectAfter 30), not three times that.
	sweep, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 10)})
	if err != nil {
		t.Fatal(err)
	}
	defer sweep.Close()
	guess := ph
	first = -1
	for i := 0; i < 90 && first < 0; i++ {
		guess.password = fmt.Sprintf("guess%d", i)
		err := registerUDP(sweep, nodes[i%3].ports["sip"], guess)
		switch {
		case err == nil:
			t.Fatal("a guessed password registered")
		case strings.Contains(err.Error(), "SIP/2.0 403"):
			first = i
		case !strings.Contains(err.Error(), "SIP/2.0 401"):
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	t.Logf("the credential sweep over three nodes got its first 403 after %d failures (30 on one node)", first)
	if first < 0 || first > 31 {
		t.Fatalf("the sweep over three nodes got 403 after %d failures, want 30", first)
	}

	// Console sign-in attempts spread over the three nodes hit the limit
	// (10 per 5 minutes) as soon as on one.
	jar, _ := cookiejar.New(nil)
	signer := &http.Client{Timeout: 10 * time.Second, Jar: jar, Transport: &http.Transport{
		DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 11)}}).DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// The sign-in form's CSRF token from node A holds on every node (the
	// key derives from the shared secret key).
	tok := csrfOf(t, signer, "http://"+a.ports["http"], "/login")
	aURL, _ := url.Parse("http://" + a.ports["http"])
	for _, n := range nodes { // the browser's cookie, as behind one name
		u, _ := url.Parse("http://" + n.ports["http"])
		jar.SetCookies(u, jar.Cookies(aURL))
	}
	first = -1
	for i := 0; i < 30 && first < 0; i++ {
		st := postForm(t, signer, "http://"+nodes[i%3].ports["http"], "/login", tok,
			url.Values{"name": {"root"}, "password": {"wrong" + strconv.Itoa(i)}})
		switch st {
		case http.StatusTooManyRequests:
			first = i
		case http.StatusUnauthorized:
		default:
			t.Fatalf("sign-in attempt %d: %d", i, st)
		}
	}
	t.Logf("sign-in attempts over three nodes were refused from attempt %d on (11 on one node)", first+1)
	if first < 0 || first > 11 {
		t.Fatalf("sign-in attempts over three nodes refused from attempt %d, want 11", first+1)
	}

	// An import on A holds admin writes on B (503) while phones fetch on
	// C; B writes again once it is over.
	exp, _ := json.Marshal(devicedb.SyntheticExport(1500, 1800, 1200))
	imported := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest("POST", "http://"+a.ports["http"]+"/api/v1/imports/classic", bytes.NewReader(exp))
		req.Header.Set("Authorization", "Bearer "+a.token)
		req.Header.Set("Content-Type", "application/json")
		res, err := (&http.Client{Timeout: 120 * time.Second}).Do(req)
		if err == nil {
			res.Body.Close()
			if res.StatusCode != 201 {
				err = fmt.Errorf("import: %d", res.StatusCode)
			}
		}
		imported <- err
	}()
	held, fetched := 0, 0
	for done := false; !done; {
		select {
		case err := <-imported:
			if err != nil {
				t.Fatalf("%v\n%s", err, a.log)
			}
			done = true
			continue
		default:
		}
		if code, _, _ := fetchConfig(c, hc, "http://"+c.ports["http"], ph.mac); code != 200 {
			t.Fatalf("config fetch on node C during the import: %d", code)
		}
		fetched++
		req, _ := http.NewRequest("POST", "http://"+b.ports["http"]+"/api/v1/licenses", strings.NewReader(`{"type":"X2","country":"US"}`))
		req.Header.Set("Authorization", "Bearer "+b.token)
		if res, err := hc.Do(req); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusServiceUnavailable {
				held++
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("during the import on node A: %d fetches on node C, %d admin writes on node B held with 503", fetched, held)
	if held == 0 {
		t.Fatal("no admin write on node B was held during the import on node A")
	}
	if !within(2*time.Second, func() bool {
		req, _ := http.NewRequest("POST", "http://"+b.ports["http"]+"/api/v1/licenses", strings.NewReader(`{"type":"X2","country":"US"}`))
		req.Header.Set("Authorization", "Bearer "+b.token)
		res, err := hc.Do(req)
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusCreated
	}) {
		t.Fatal("node B still holds admin writes after the import on node A")
	}

	// kill -9 of B (which holds the phone's registration) during admin
	// writes loses none it acknowledged; the phone registers on A; SRV
	// drops B.
	var acked []string
	writing := make(chan struct{})
	go func() {
		defer close(writing)
		for i := 0; i < 2000; i++ {
			name := fmt.Sprintf("killed.%04d", i)
			body := strings.NewReader(`{"username":"` + name + `","first_name":"K"}`)
			req, _ := http.NewRequest("POST", "http://"+b.ports["http"]+"/api/v1/users", body)
			req.Header.Set("Authorization", "Bearer "+b.token)
			res, err := hc.Do(req)
			if err != nil {
				return // the node is gone
			}
			res.Body.Close()
			if res.StatusCode == http.StatusCreated {
				acked = append(acked, name)
			}
		}
	}()
	time.Sleep(500 * time.Millisecond)
	b.cmd.Process.Signal(syscall.SIGKILL)
	b.cmd.Wait()
	<-writing
	t.Logf("node B acknowledged %d user creations before kill -9", len(acked))
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged before the kill")
	}
	for _, name := range acked {
		if len(usersNamed(t, c, name)) != 1 {
			t.Fatalf("user %s, acknowledged by the killed node, is lost", name)
		}
	}
	if err := registerUDP(conn, a.ports["sip"], ph); err != nil {
		t.Fatalf("register on node A after node B died: %v", err)
	}
	if !within(15*time.Second, func() bool {
		got := srvTargets(t, a.ports["dns"])
		return len(got) == 2 && !strings.Contains(strings.Join(got, " "), "127.0.0.3")
	}) {
		t.Fatalf("SRV on node A after node B died: %v", srvTargets(t, a.ports["dns"]))
	}
	a.stop(t)
	c.stop(t)
	if out, err := execCheck(bin, dbURL); err != nil || out != "ok\n" {
		t.Fatalf("phoneprov check on the cluster's database: %v %s", err, out)
	}
}

func execCheck(bin, dbURL string) (string, error) {
	out, err := exec.Command(bin, "check", "--database", dbURL).CombinedOutput()
	return string(out), err
}

func usersNamed(t *testing.T, p *proc, name string) []map[string]any {
	t.Helper()
	var us []map[string]any
	if err := json.Unmarshal(p.raw(t, "GET", "/api/v1/users?username="+name), &us); err != nil {
		t.Fatal(err)
	}
	return us
}
