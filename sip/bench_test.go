package sip

import (
	"fmt"
	"math/rand/v2"
	"net"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"github.com/phoneprov/phoneprov/devicedb"
)

// BenchmarkRegisterWarm measures the hot path of an authenticated refresh
// over UDP with the line's credential cached, as the registrar's UDP
// workers run it: parsing the datagram, header checks, digest check,
// binding update, and the 200 written to a real loopback socket. Run
// with -benchtime=Nx (each op holds a pre-signed message of about 700
// bytes).
func BenchmarkRegisterWarm(b *testing.B) {
	st := openStore(b)
	ln := newLine(b, st, "1001", lineOpts{})
	var last atomic.Value
	r, err := New(Config{Domain: testDomain, FlushInterval: time.Hour, OnRegister: func(o string) { last.Store(o) }}, st)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = r.Shutdown(bg) })
	sink, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	go func() { // drain the answers
		buf := make([]byte, 65536)
		for {
			if _, _, err := sink.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer pc.Close()
	src := sink.LocalAddr().(*net.UDPAddr)
	chal, err := digest.ParseChallenge(r.auth.Challenges(false)[0])
	if err != nil {
		b.Fatal(err)
	}
	msgs := make([][]byte, b.N+1)
	for i := range msgs {
		cred, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: "sip:" + testDomain, Username: ln.authUser,
			Password: ln.password, Count: i + 1, Cnonce: "benchcnonce"})
		if err != nil {
			b.Fatal(err)
		}
		m := rawRegister("1001", "Authorization: "+cred.String()+"\r\nExpires: 600\r\nUser-Agent: Yealink SIP-T46S 66.86.0.15\r\n")
		msgs[i] = []byte(m)
	}
	parser := sipmsg.NewParser()
	run := func(m []byte) {
		r.udp.handle(parser, udpJob{data: m, src: src, pc: pc})
		if o := last.Load(); o != OutcomeOK {
			b.Fatalf("outcome %v", o)
		}
	}
	run(msgs[0]) // warms the credential cache
	b.ReportAllocs()
	b.ResetTimer()
	for i := 1; i <= b.N; i++ {
		run(msgs[i])
	}
}

// fillTable writes n bindings as REGISTERs of n distinct lines would, with
// realistic string sizes, and returns the credentials they came from.
func fillTable(tb *table, n int, now int64) []*credential {
	creds := make([]*credential, n)
	for i := 0; i < n; i++ {
		ext := strconv.Itoa(100000 + i)
		cr := &credential{LineCredential: devicedb.LineCredential{AuthUser: ext + "x8fk2m1qz", Password: "Zx81kQmP0aLr7vN2sT4w",
			MAC: fmt.Sprintf("0004f2%06x", i), Line: 1, UserID: int64(i + 1), Extension: ext, Allowed: true}}
		cr.ha1MD5, cr.ha1SHA256 = fmt.Sprintf("%032x", i), fmt.Sprintf("%064x", i)
		creds[i] = cr
		ch := &regChange{
			contacts: []contactReq{{uri: fmt.Sprintf("sip:%s@10.%d.%d.%d:5060;transport=udp", ext, i>>16&255, i>>8&255, i&255), expires: 3600}},
			cred:     cr, callID: fmt.Sprintf("%08x-%04x-4c2b-9e1f-%012x@10.0.0.1", i, i&0xffff, i), cseq: 2,
			source: fmt.Sprintf("198.51.%d.%d:%d", i>>8&255, i&255, 1024+i%60000), transport: 1,
			userAgent: "Yealink SIP-T46S 66.86.0.15", now: now, max: 10,
		}
		_ = tb.update("sip:"+ext+"@"+testDomain, ch.apply)
	}
	return creds
}

// heapInUse returns the heap in use after a collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestMemory100kBindings measures what 100,000 live bindings and their
// cached credentials hold on the heap; the whole process must stay under
// 300 MB RSS with them, so the registrar's share is held to 100 MB.
func TestMemory100kBindings(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 100,000 bindings")
	}
	const n = 100_000
	before := heapInUse()
	tb := newTable(defaultShards)
	creds := fillTable(tb, n, time.Now().Unix())
	after := heapInUse()
	runtime.KeepAlive(creds)
	if tb.len() != n {
		t.Fatalf("table holds %d", tb.len())
	}
	used := after - before
	t.Logf("%d bindings with credentials: %.1f MB heap in use, %d bytes each", n, float64(used)/(1<<20), used/n)
	if used > 100<<20 {
		t.Fatalf("%d MB for %d bindings, want under 100 MB", used>>20, n)
	}
	runtime.KeepAlive(tb)
}

// BenchmarkTableParallel compares one lock with sharded locks for
// concurrent refreshes of 10,000 AORs.
func BenchmarkTableParallel(b *testing.B) {
	for _, shards := range []int{1, defaultShards} {
		b.Run(fmt.Sprintf("shards=%d", shards), func(b *testing.B) {
			tb := newTable(shards)
			now := time.Now().Unix()
			creds := fillTable(tb, 10_000, now)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
				callID, seq := strconv.FormatUint(rng.Uint64(), 16), uint32(3)
				for pb.Next() {
					cr := creds[rng.IntN(len(creds))]
					seq++
					ch := &regChange{contacts: []contactReq{{uri: "sip:" + cr.Extension + "@10.0.0.1:5060", expires: 3600}},
						cred: cr, callID: callID, cseq: seq, source: "198.51.100.1:5060", transport: 1, now: now, max: 10}
					_ = tb.update("sip:"+cr.Extension+"@"+testDomain, ch.apply)
				}
			})
		})
	}
}
