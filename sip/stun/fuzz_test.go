package stun

import (
	"bytes"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/pion/stun/v3"
)

var update = flag.Bool("update", false, "rewrite testdata/fuzz/FuzzHandle from the Handle table")

// fuzzSeedDir holds the committed seed corpus of FuzzHandle.
var fuzzSeedDir = filepath.Join("testdata", "fuzz", "FuzzHandle")

// fuzzSeed encodes one FuzzHandle input in the go test fuzz v1 format.
func fuzzSeed(c handleCase) []byte {
	return fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\nbool(%v)\nuint16(%d)\n",
		c.pkt, c.src.Addr().Is6(), c.src.Port())
}

// TestFuzzSeedCorpus keeps testdata/fuzz/FuzzHandle equal to the Handle
// table: one seed per case (-update rewrites them).
func TestFuzzSeedCorpus(t *testing.T) {
	bad := regexp.MustCompile(`[^a-z0-9]+`)
	for _, c := range handleCases(t) {
		name := filepath.Join(fuzzSeedDir, bad.ReplaceAllString(c.name, "-"))
		want := fuzzSeed(c)
		if *update {
			if err := os.WriteFile(name, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(name)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("seed %s out of date (%v): run go test -run TestFuzzSeedCorpus -update", name, err)
		}
	}
}

// FuzzHandle checks that Handle never panics, answers only what it reports
// answering, that pion decodes every RFC 5389 answer with a valid
// FINGERPRINT and the request's transaction ID, that pion also accepts every
// request Handle accepts, and that the answer does not depend on buf.
func FuzzHandle(f *testing.F) {
	f.Fuzz(func(t *testing.T, pkt []byte, v6 bool, port uint16) {
		src := netip.AddrPortFrom(src4.Addr(), port)
		if v6 {
			src = netip.AddrPortFrom(src6.Addr(), port)
		}
		resp, o := Handle(pkt, src, testSoftware, nil)
		dirty := bytes.Repeat([]byte{0xAA}, BufferSize)
		resp2, o2 := Handle(pkt, src, testSoftware, dirty[:0])
		if o != o2 || !bytes.Equal(resp, resp2) {
			t.Fatalf("answer depends on buf: %v %x / %v %x", o, resp, o2, resp2)
		}
		if len(resp) > BufferSize {
			t.Fatalf("answer of %d bytes exceeds BufferSize", len(resp))
		}
		switch o {
		case OutcomeBinding, OutcomeUnknownAttribute:
			req := &stun.Message{Raw: bytes.Clone(pkt)}
			if err := req.Decode(); err != nil {
				t.Fatalf("answered a request pion rejects: %v", err)
			}
			if req.Contains(stun.AttrFingerprint) {
				if err := stun.Fingerprint.Check(req); err != nil {
					t.Fatalf("answered a request whose FINGERPRINT pion rejects: %v", err)
				}
			}
			checkRFC5389(t, handleCase{pkt: pkt, src: src, want: o, unknown: unknownOf(t, resp)}, resp)
		case OutcomeClassic:
			checkClassic(t, handleCase{pkt: pkt, src: src, want: o}, resp)
		default:
			if resp != nil {
				t.Fatalf("outcome %v with answer %x", o, resp)
			}
		}
	})
}

// unknownOf returns the UNKNOWN-ATTRIBUTES of an answer, if any.
func unknownOf(t *testing.T, resp []byte) []stun.AttrType {
	m := &stun.Message{Raw: bytes.Clone(resp)}
	var ua stun.UnknownAttributes
	if m.Decode() != nil || ua.GetFrom(m) != nil {
		return nil
	}
	return ua
}
