package main

import (
	"bytes"
	"crypto/rand"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFirmwareAddAndServe adds an image with the CLI through the running
// server, then fetches it as the phone would: the config carries the
// firmware URL, and the image comes with Range and ETag.
func TestFirmwareAddAndServe(t *testing.T) {
	bin := binary(t)
	data := filepath.Join(t.TempDir(), "data")
	p := start(t, bin, data, "--demo")
	img := make([]byte, 300_000)
	rand.Read(img)
	file := filepath.Join(t.TempDir(), "fw.rom")
	os.WriteFile(file, img, 0o644)
	out, err := exec.Command(bin, "firmware", "add", file, "--model", "T46U", "--version", "108.86.0.95", "--target",
		"--server", "http://"+p.ports["http"], "--data", data).CombinedOutput()
	if err != nil {
		t.Fatalf("firmware add: %v\n%s", err, out)
	}
	const ua = "Yealink SIP-T46U 108.86.0.90 80:5e:c0:a1:b2:c3"
	get := func(path string, hdr ...string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", "http://"+p.ports["http"]+path, nil)
		req.Header.Set("User-Agent", ua)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := p.phoneDo(&http.Client{Timeout: 10 * time.Second}, req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	_, cfg := get("/805ec0a1b2c3.cfg")
	var fwURL string
	for _, l := range strings.Split(string(cfg), "\n") {
		if k, v, ok := strings.Cut(l, " = "); ok && k == "static.firmware.url" {
			fwURL = v
		}
	}
	if fwURL == "" {
		t.Fatalf("config below the target carries no firmware URL:\n%s", cfg)
	}
	u, err := url.Parse(fwURL)
	if err != nil {
		t.Fatal(err)
	}
	res, body := get(u.EscapedPath())
	if res.StatusCode != 200 || !bytes.Equal(body, img) || res.Header.Get("ETag") == "" {
		t.Fatalf("firmware: %d, %d bytes", res.StatusCode, len(body))
	}
	res, body = get(u.EscapedPath(), "Range", "bytes=1000-1999")
	if res.StatusCode != 206 || !bytes.Equal(body, img[1000:2000]) {
		t.Fatalf("range: %d, %d bytes", res.StatusCode, len(body))
	}
	if res, _ = get(u.EscapedPath(), "If-None-Match", res.Header.Get("ETag")); res.StatusCode != 304 {
		t.Fatalf("If-None-Match: %d", res.StatusCode)
	}
	// At the target version the directive is gone.
	req, _ := http.NewRequest("GET", "http://"+p.ports["http"]+"/805ec0a1b2c3.cfg", nil)
	req.Header.Set("User-Agent", "Yealink SIP-T46U 108.86.0.95 80:5e:c0:a1:b2:c3")
	r2, err := p.phoneDo(nil, req)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := io.ReadAll(r2.Body)
	r2.Body.Close()
	if strings.Contains(string(b2), "static.firmware.url") {
		t.Fatalf("config at the target still has the firmware directive")
	}
	p.stop(t)
}
