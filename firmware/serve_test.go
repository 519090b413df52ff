package firmware

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// fwServer serves s's images of model at /fw/{name} and a stand-in config
// file at /cfg, on 127.0.0.1.
func fwServer(t testing.TB, s *Store, model string) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/fw/{name}", func(w http.ResponseWriter, r *http.Request) {
		e, ok := s.ByFilename(model, r.PathValue("name"))
		if !ok {
			http.NotFound(w, r)
			return
		}
		s.Serve(w, r, e)
	})
	mux.HandleFunc("/cfg", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "config\n") })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// client is an HTTP client with a hard time limit.
var client = &http.Client{Timeout: 10 * time.Second}

// do sends a request with headers and returns the response with its body read.
func do(t *testing.T, method, url string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// serveCase is one request to the firmware route and what must come back.
type serveCase struct {
	name       string
	method     string
	hdr        map[string]string
	wantStatus int
	wantBody   []byte            // nil: not checked
	wantHdr    map[string]string // exact values
}

func TestServe(t *testing.T) {
	s, _ := openStore(t, "", Config{})
	data := image(10000, 9)
	const file = "T46U(T43U,T46U,T41U,T48U,T42U,T44U,T44W)-108.86.0.90.rom"
	e := mustAdd(t, s, data, "T46U", "108.86.0.90", file)
	srv := fwServer(t, s, "T46U")
	url := srv.URL + "/fw/" + file
	etag := `"` + e.SHA256 + `"`
	lastMod := e.AddedAt.Format(http.TimeFormat)
	full := map[string]string{"ETag": etag, "Content-Type": "application/octet-stream", "Last-Modified": lastMod,
		"Accept-Ranges": "bytes", "Content-Length": "10000"}

	cases := []serveCase{
		{name: "full GET", method: "GET", wantStatus: 200, wantBody: data, wantHdr: full},
		{name: "HEAD", method: "HEAD", wantStatus: 200, wantBody: []byte{}, wantHdr: full},
		{name: "range", method: "GET", hdr: map[string]string{"Range": "bytes=100-199"}, wantStatus: 206,
			wantBody: data[100:200], wantHdr: map[string]string{"Content-Range": "bytes 100-199/10000", "Content-Length": "100", "ETag": etag}},
		{name: "open range", method: "GET", hdr: map[string]string{"Range": "bytes=9990-"}, wantStatus: 206,
			wantBody: data[9990:], wantHdr: map[string]string{"Content-Range": "bytes 9990-9999/10000"}},
		{name: "suffix range", method: "GET", hdr: map[string]string{"Range": "bytes=-10"}, wantStatus: 206,
			wantBody: data[9990:], wantHdr: map[string]string{"Content-Range": "bytes 9990-9999/10000"}},
		{name: "unsatisfiable range", method: "GET", hdr: map[string]string{"Range": "bytes=20000-"}, wantStatus: 416,
			wantHdr: map[string]string{"Content-Range": "bytes */10000"}},
		{name: "if-range etag matches", method: "GET", hdr: map[string]string{"Range": "bytes=0-9", "If-Range": etag},
			wantStatus: 206, wantBody: data[:10]},
		{name: "if-range etag stale", method: "GET", hdr: map[string]string{"Range": "bytes=0-9", "If-Range": `"old"`},
			wantStatus: 200, wantBody: data},
		{name: "if-range date matches", method: "GET", hdr: map[string]string{"Range": "bytes=0-9", "If-Range": lastMod},
			wantStatus: 206, wantBody: data[:10]},
		{name: "if-none-match", method: "GET", hdr: map[string]string{"If-None-Match": etag}, wantStatus: 304,
			wantBody: []byte{}, wantHdr: map[string]string{"ETag": etag}},
		{name: "if-none-match weak in list", method: "GET", hdr: map[string]string{"If-None-Match": `"x", W/` + etag},
			wantStatus: 304, wantBody: []byte{}},
		{name: "if-none-match star", method: "GET", hdr: map[string]string{"If-None-Match": "*"}, wantStatus: 304},
		{name: "if-none-match other", method: "GET", hdr: map[string]string{"If-None-Match": `"other"`},
			wantStatus: 200, wantBody: data},
		{name: "if-modified-since", method: "GET", hdr: map[string]string{"If-Modified-Since": lastMod}, wantStatus: 304},
		{name: "POST", method: "POST", wantStatus: 405, wantHdr: map[string]string{"Allow": "GET, HEAD"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkServe(t, url, c) })
	}

	t.Run("multi-range", func(t *testing.T) {
		resp, body := do(t, "GET", url, map[string]string{"Range": "bytes=0-9,20-29"})
		mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if resp.StatusCode != 206 || err != nil || mt != "multipart/byteranges" {
			t.Fatalf("status %d, type %q (%v)", resp.StatusCode, resp.Header.Get("Content-Type"), err)
		}
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for _, want := range []struct {
			cr   string
			body []byte
		}{{"bytes 0-9/10000", data[:10]}, {"bytes 20-29/10000", data[20:30]}} {
			p, err := mr.NextPart()
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(p)
			if p.Header.Get("Content-Range") != want.cr || !bytes.Equal(got, want.body) {
				t.Errorf("part %q = %x, want %q %x", p.Header.Get("Content-Range"), got, want.cr, want.body)
			}
		}
		if _, err := mr.NextPart(); err != io.EOF {
			t.Errorf("extra part: %v", err)
		}
	})

	t.Run("blob removed meanwhile", func(t *testing.T) {
		gone := mustAdd(t, s, image(50, 1), "T46U", "1.0", "gone.rom")
		if err := s.Remove("T46U", "1.0"); err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		s.Serve(rec, httptest.NewRequest("GET", "/fw/gone.rom", nil), gone)
		if rec.Code != 404 {
			t.Errorf("status %d, want 404", rec.Code)
		}
		rec = httptest.NewRecorder()
		s.Serve(rec, httptest.NewRequest("GET", "/fw/x", nil), Entry{SHA256: "../index.json"})
		if rec.Code != 404 {
			t.Errorf("forged entry: status %d, want 404", rec.Code)
		}
	})
	if s.InFlight() != 0 {
		t.Errorf("InFlight %d after all requests", s.InFlight())
	}
}

func checkServe(t *testing.T, url string, c serveCase) {
	t.Helper()
	resp, body := do(t, c.method, url, c.hdr)
	if resp.StatusCode != c.wantStatus {
		t.Fatalf("status %d, want %d", resp.StatusCode, c.wantStatus)
	}
	if c.wantBody != nil && !bytes.Equal(body, c.wantBody) {
		t.Errorf("body: %d bytes (sha %s), want %d bytes (sha %s)", len(body), sumHex(body), len(c.wantBody), sumHex(c.wantBody))
	}
	for k, v := range c.wantHdr {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
}

// TestNoneMatchTable pins noneMatch on the header forms phones and proxies send.
func TestNoneMatchTable(t *testing.T) {
	const etag = `"abc"`
	cases := map[string]bool{
		``: false, `"abc"`: true, `W/"abc"`: true, ` "x" , "abc" `: true, `*`: true, `"x", *`: true,
		`"abcd"`: false, `abc`: false, `"ab c"`: false, `"x" junk "abc"`: false, `,,"abc"`: true,
	}
	for h, want := range cases {
		if got := noneMatch(h, etag); got != want {
			t.Errorf("noneMatch(%q) = %v, want %v", h, got, want)
		}
		if want != serveContentNotModified(h, etag) {
			t.Errorf("noneMatch(%q) disagrees with http.ServeContent", h)
		}
	}
}

// serveContentNotModified reports whether http.ServeContent answers 304 to
// a GET carrying If-None-Match h for a resource with etag.
func serveContentNotModified(h, etag string) bool {
	req := httptest.NewRequest("GET", "/", nil)
	req.Header["If-None-Match"] = []string{h}
	rec := httptest.NewRecorder()
	rec.Header().Set("ETag", etag)
	http.ServeContent(rec, req, "f", time.Time{}, strings.NewReader("data"))
	return rec.Code == http.StatusNotModified
}

func ExampleStore_Serve() {
	dir, err := mkdirTemp()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	s, err := Open(Config{Dir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := s.Add(strings.NewReader("image bytes"), "T46S", "66.86.0.15", "T46S-66.86.0.15.rom"); err != nil {
		fmt.Println(err)
		return
	}
	_ = s.SetTarget("T46S", "66.86.0.15")
	// The phone route: resolve the requested name for the device's model.
	h := func(w http.ResponseWriter, r *http.Request) {
		e, ok := s.ByFilename("T46S", r.PathValue("name"))
		if !ok {
			http.NotFound(w, r)
			return
		}
		s.Serve(w, r, e)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /firmware/{name}", h)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/firmware/T46S-66.86.0.15.rom", nil))
	fmt.Println(rec.Code, rec.Body.String())
	fmt.Println(rec.Header().Get("ETag"))
	// Output:
	// 200 image bytes
	// "de7030234493a8bea844dbe1d8676e68a2c1a4b014c721f0425a22b6df66faec"
}
