package main

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/icholy/digest"

	"github.com/phoneprov/phoneprov/provision/ident"
)

// credentials caches what credential found, by admin token (one per data
// directory) and MAC: a phone keeps its credential, and keeps fetching
// while the admin API is away (a graceful restart).
var credentials sync.Map

// credential reads a device's provisioning credential from the admin API
// (GET /api/v1/devices/{mac}/provisioning); "" when there is none.
func (p *proc) credential(mac string) (user, password string) {
	if c, ok := credentials.Load(p.token + mac); ok {
		uc := c.([2]string)
		return uc[0], uc[1]
	}
	req, _ := http.NewRequest("GET", "http://"+p.ports["http"]+"/api/v1/devices/"+mac+"/provisioning", nil)
	req.Header.Set("Authorization", "Bearer "+p.token)
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return "", ""
	}
	defer res.Body.Close()
	var m struct{ Username, Password string }
	if res.StatusCode != 200 || json.NewDecoder(res.Body).Decode(&m) != nil {
		return "", ""
	}
	credentials.Store(p.token+mac, [2]string{m.Username, m.Password})
	return m.Username, m.Password
}

// phoneDo sends req as a real phone does: with its User-Agent (set by the
// caller) and, when challenged, the HTTP digest credential of the device
// the request names (from the path, else the User-Agent); a request naming
// no known device answers the challenge with a made-up credential. Every
// test that fetches configs from the binary goes through here.
func (p *proc) phoneDo(c *http.Client, req *http.Request) (*http.Response, error) {
	user, pw := "dnobody", "none"
	if mac := ident.Identify(req.UserAgent(), req.URL.Path).MAC; mac != "" {
		if u, w := p.credential(mac); u != "" {
			user, pw = u, w
		}
	}
	if c == nil {
		c = http.DefaultClient
	}
	dc := *c
	dc.Transport = &digest.Transport{Username: user, Password: pw, Transport: c.Transport}
	return dc.Do(req)
}

// phoneGet fetches url as a phone with this User-Agent (see phoneDo) and
// returns the status and body.
func (p *proc) phoneGet(t *testing.T, url, ua string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("User-Agent", ua)
	res, err := p.phoneDo(&http.Client{Timeout: 10 * time.Second}, req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
