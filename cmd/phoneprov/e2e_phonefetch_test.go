package main

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/icholy/digest"

	"github.com/phoneprov/phoneprov/provision/ident"
)

// credential reads a device's provisioning credential from the admin API
// (GET /api/v1/devices/{mac}/provisioning); "" when there is none.
func (p *proc) credential(mac string) (user, password string) {
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
