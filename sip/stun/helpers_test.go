package stun

import (
	"encoding/hex"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pion/stun/v3"
)

// testSoftware is the SOFTWARE value the tests pass to Handle.
const testSoftware = "phoneprov-test"

// readHex reads a testdata hex file (whitespace and # lines ignored).
func readHex(tb testing.TB, name string) []byte {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	var sb strings.Builder
	for line := range strings.Lines(string(raw)) {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			sb.WriteString(strings.Join(strings.Fields(line), ""))
		}
	}
	b, err := hex.DecodeString(sb.String())
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return b
}

// tlv is one attribute for msg.
type tlv struct {
	t uint16
	v []byte
}

// testID is a transaction ID with the magic cookie (RFC 5389).
var testID = append([]byte{0x21, 0x12, 0xa4, 0x42}, []byte("abcdefghijkl")...)

// classicID is a 16-byte RFC 3489 transaction ID (no magic cookie).
var classicID = []byte("0123456789abcdef")

// msg builds a raw STUN message of type typ with bytes 4..20 id and the
// attributes, each padded to 4 bytes.
func msg(typ uint16, id []byte, attrs ...tlv) []byte {
	b := be.AppendUint16(nil, typ)
	b = append(b, 0, 0)
	b = append(b, id...)
	for _, a := range attrs {
		b = be.AppendUint16(b, a.t)
		b = be.AppendUint16(b, uint16(len(a.v)))
		b = append(b, a.v...)
		b = appendPadding(b, len(a.v))
	}
	setLength(b, 0)
	return b
}

// withFingerprint appends a FINGERPRINT computed by pion to m.
func withFingerprint(m []byte) []byte {
	b := append([]byte(nil), m...)
	setLength(b, 8)
	b = be.AppendUint16(b, uint16(stun.AttrFingerprint))
	b = be.AppendUint16(b, 4)
	return be.AppendUint32(b, stun.FingerprintValue(b[:len(b)-4]))
}

// u32 returns v as 4 big-endian bytes.
func u32(v uint32) []byte { return be.AppendUint32(nil, v) }

// decodeMapped decodes a plain MAPPED-ADDRESS value.
func decodeMapped(tb testing.TB, v []byte) netip.AddrPort {
	tb.Helper()
	if len(v) < 4 {
		tb.Fatalf("MAPPED-ADDRESS too short: %x", v)
	}
	port := be.Uint16(v[2:4])
	switch {
	case v[1] == familyIPv4 && len(v) == 8:
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(v[4:8])), port)
	case v[1] == familyIPv6 && len(v) == 20:
		return netip.AddrPortFrom(netip.AddrFrom16([16]byte(v[4:20])), port)
	}
	tb.Fatalf("bad MAPPED-ADDRESS %x", v)
	return netip.AddrPort{}
}
