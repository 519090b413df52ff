package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/phoneprov/phoneprov/devicedb"
)

// TestImportWhilePhonesWork runs a Classic import against the running
// binary while a phone keeps fetching its config and registering: the phone
// side sees zero failures, admin writes during the import get 503 saying
// an upgrade is in progress, and the import lands whole.
func TestImportWhilePhonesWork(t *testing.T) {
	bin := binary(t)
	p := start(t, bin, filepath.Join(t.TempDir(), "data"), "--demo", "--public-host", "127.0.0.1")
	const ua = "Yealink SIP-T46U 108.86.0.90 80:5e:c0:a1:b2:c3"
	cfg := func() (int, string) {
		req, _ := http.NewRequest("GET", "http://"+p.ports["http"]+"/805ec0a1b2c3.cfg", nil)
		req.Header.Set("User-Agent", ua)
		res, err := p.phoneDo(nil, req)
		if err != nil {
			return 0, err.Error()
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	_, body := cfg()
	kv := map[string]string{}
	for _, l := range strings.Split(body, "\n") {
		if k, v, ok := strings.Cut(l, " = "); ok {
			kv[k] = v
		}
	}
	phoneUA, err := sipgo.NewUA(sipgo.WithUserAgent("Yealink SIP-T46U 108.86.0.90"))
	if err != nil {
		t.Fatal(err)
	}
	defer phoneUA.Close()
	client, err := sipgo.NewClient(phoneUA, sipgo.WithClientHostname("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	register := func(ctx context.Context) error {
		req := sip.NewRequest(sip.REGISTER, sip.Uri{Host: "phoneprov.test"})
		req.AppendHeader(sip.NewHeader("To", "<sip:1001@phoneprov.test>"))
		req.AppendHeader(sip.NewHeader("From", "<sip:1001@phoneprov.test>;tag=e2e"))
		req.AppendHeader(sip.NewHeader("Contact", "<sip:1001@127.0.0.1:5099;transport=tcp>"))
		req.AppendHeader(sip.NewHeader("Expires", "600"))
		req.SetTransport("TCP")
		req.SetDestination(p.ports["sip"])
		res, err := client.Do(ctx, req)
		if err == nil && res.StatusCode == 401 {
			res, err = client.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: kv["account.1.auth_name"], Password: kv["account.1.password"]})
		}
		if err != nil {
			return err
		}
		if res.StatusCode != 200 {
			return &statusErr{res.StatusCode}
		}
		return nil
	}
	if err := register(t.Context()); err != nil {
		t.Fatalf("register before the import: %v", err)
	}

	var fetchOK, fetchFail, regOK, regFail, writes503, writesOther atomic.Int64
	var msg503 atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	loop := func(fn func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				fn()
			}
		}()
	}
	loop(func() {
		if code, _ := cfg(); code == 200 {
			fetchOK.Add(1)
		} else {
			fetchFail.Add(1)
		}
	})
	loop(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := register(ctx); err != nil {
			regFail.Add(1)
			t.Logf("register during import: %v", err)
		} else {
			regOK.Add(1)
		}
	})
	loop(func() {
		req, _ := http.NewRequest("POST", "http://"+p.ports["http"]+"/api/v1/licenses", strings.NewReader(`{"type":"X2","country":"US"}`))
		req.Header.Set("Authorization", "Bearer "+p.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == 503 {
			writes503.Add(1)
			msg503.Store(string(b))
		} else {
			writesOther.Add(1)
		}
		time.Sleep(5 * time.Millisecond)
	})

	// PHONEPROV_E2E_IMPORT_USERS scales the export (the benchmark
	// is 10000 users, 12000 extensions, 8000 devices); CI runs 4000.
	n := 4000
	if v, err := strconv.Atoi(os.Getenv("PHONEPROV_E2E_IMPORT_USERS")); err == nil && v > 0 {
		n = v
	}
	exp, _ := json.Marshal(devicedb.SyntheticExport(n, n*6/5, n*4/5))
	start := time.Now()
	time.Sleep(300 * time.Millisecond)
	req, _ := http.NewRequest("POST", "http://"+p.ports["http"]+"/api/v1/imports/classic", bytes.NewReader(exp))
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := (&http.Client{Timeout: 120 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := io.ReadAll(res.Body)
	res.Body.Close()
	took := time.Since(start)
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	if res.StatusCode != 201 {
		t.Fatalf("import: %d %.500s", res.StatusCode, rep)
	}
	t.Logf("import of %d users took %v through the API", n, took.Round(time.Millisecond))
	t.Logf("during the import: %d config fetches, %d registrations, %d admin writes refused with 503, %d admin writes otherwise",
		fetchOK.Load(), regOK.Load(), writes503.Load(), writesOther.Load())
	if fetchFail.Load() != 0 || regFail.Load() != 0 {
		t.Fatalf("phone side failures: %d fetches, %d registrations", fetchFail.Load(), regFail.Load())
	}
	if fetchOK.Load() == 0 || regOK.Load() == 0 {
		t.Fatal("the phone loops did not run")
	}
	if writes503.Load() == 0 {
		t.Fatal("no admin write was held with 503 during the import")
	}
	if m, _ := msg503.Load().(string); !strings.Contains(m, "upgrade") {
		t.Fatalf("503 message does not say an upgrade is in progress: %s", m)
	}
	var users []any
	json.Unmarshal(p.raw(t, "GET", fmt.Sprintf("/api/v1/users?username=user%06d", n-1)), &users)
	if len(users) != 1 {
		t.Fatalf("imported user missing: %v", users)
	}
	p.stop(t)
}

type statusErr struct{ code int }

func (e *statusErr) Error() string { return "status " + http.StatusText(e.code) }
