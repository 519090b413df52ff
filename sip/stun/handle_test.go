package stun

import (
	"bytes"
	"net"
	"net/netip"
	"slices"
	"testing"

	"github.com/pion/stun/v3"
)

// handleCase is one datagram given to Handle and what must come of it.
type handleCase struct {
	name    string
	pkt     []byte
	src     netip.AddrPort
	want    Outcome
	unknown []stun.AttrType                        // UNKNOWN-ATTRIBUTES of a 420
	check   func(t *testing.T, resp *stun.Message) // extra checks of an RFC 5389 answer
}

var (
	src4      = netip.MustParseAddrPort("192.0.2.1:32853")
	src6      = netip.MustParseAddrPort("[2001:db8:1234:5678:11:2233:4455:6677]:32853")
	src4in6   = netip.MustParseAddrPort("[::ffff:198.51.100.7]:5060")
	bindReq   = stun.BindingRequest.Value()
	bindInd   = stun.NewType(stun.MethodBinding, stun.ClassIndication).Value()
	allocReq  = stun.NewType(stun.MethodAllocate, stun.ClassRequest).Value()
	classicCR = tlv{uint16(stun.AttrChangeRequest), u32(0)}
)

func handleCases(t *testing.T) []handleCase {
	vector := readHex(t, "rfc5769/request.hex")
	badFP := bytes.Clone(vector)
	badFP[len(badFP)-1] ^= 0x01
	badBody := bytes.Clone(vector)
	badBody[24] = 'X' // SOFTWARE text: FINGERPRINT no longer matches
	fpNotLast := msg(bindReq, testID, tlv{uint16(stun.AttrFingerprint), u32(0)}, tlv{0x8022, []byte("x")})
	wantAttr := func(name string, want []byte) func(*testing.T, *stun.Message) {
		return func(t *testing.T, m *stun.Message) {
			got, err := m.Get(stun.AttrXORMappedAddress)
			if err != nil || !bytes.Equal(append(be.AppendUint32(nil, 0x00200000|uint32(len(got))), got...), want) {
				t.Errorf("XOR-MAPPED-ADDRESS %x, want %s %x", got, name, want)
			}
		}
	}
	manyUnknown := make([]tlv, 20)
	var wantMany []stun.AttrType
	for i := range manyUnknown {
		manyUnknown[i] = tlv{uint16(0x7000 + i), nil}
		if i < maxUnknown {
			wantMany = append(wantMany, stun.AttrType(0x7000+i))
		}
	}
	return []handleCase{
		{name: "rfc5769 request ipv4", pkt: vector, src: src4, want: OutcomeBinding,
			check: wantAttr("rfc5769 2.2", readHex(t, "rfc5769/xor-mapped-ipv4.hex"))},
		{name: "rfc5769 request ipv6", pkt: vector, src: src6, want: OutcomeBinding,
			check: wantAttr("rfc5769 2.3", readHex(t, "rfc5769/xor-mapped-ipv6.hex"))},
		{name: "rfc5769 bad fingerprint value", pkt: badFP, src: src4, want: OutcomeBadFingerprint},
		{name: "rfc5769 body changed", pkt: badBody, src: src4, want: OutcomeBadFingerprint},
		{name: "bare request", pkt: msg(bindReq, testID), src: src4, want: OutcomeBinding},
		{name: "request with fingerprint", pkt: withFingerprint(msg(bindReq, testID)), src: src6, want: OutcomeBinding},
		{name: "ipv4-mapped source answered as ipv4", pkt: msg(bindReq, testID), src: src4in6, want: OutcomeBinding},
		{name: "unknown optional attribute ignored", pkt: msg(bindReq, testID, tlv{0xC0FE, []byte{1}}), src: src4, want: OutcomeBinding},
		{name: "change-request without flags", pkt: msg(bindReq, testID, classicCR), src: src4, want: OutcomeBinding},
		{name: "unknown required after integrity ignored", src: src4, want: OutcomeBinding,
			pkt: msg(bindReq, testID, tlv{uint16(stun.AttrMessageIntegrity), make([]byte, 20)}, tlv{0x7FFE, nil})},
		{name: "unknown required attribute", src: src4, want: OutcomeUnknownAttribute, unknown: []stun.AttrType{0x7FFE},
			pkt: withFingerprint(msg(bindReq, testID, tlv{0x7FFE, []byte("abc")}))},
		{name: "response-port not honoured", src: src4, want: OutcomeUnknownAttribute,
			unknown: []stun.AttrType{stun.AttrResponsePort, 0x0002},
			pkt:     msg(bindReq, testID, tlv{uint16(stun.AttrResponsePort), []byte{0, 9, 0, 0}}, tlv{0x0002, make([]byte, 8)})},
		{name: "change-request asking for change", src: src4, want: OutcomeUnknownAttribute,
			unknown: []stun.AttrType{stun.AttrChangeRequest}, pkt: msg(bindReq, testID, tlv{uint16(stun.AttrChangeRequest), u32(6)})},
		{name: "unknown list capped and deduplicated", src: src6, want: OutcomeUnknownAttribute, unknown: wantMany,
			pkt: msg(bindReq, testID, append(manyUnknown, tlv{0x7000, nil})...)},
		{name: "binding indication", pkt: withFingerprint(msg(bindInd, testID)), src: src4, want: OutcomeIgnored},
		{name: "binding success response", pkt: msg(typeBindingSuccess, testID), src: src4, want: OutcomeIgnored},
		{name: "binding error response", pkt: msg(typeBindingError, testID), src: src4, want: OutcomeIgnored},
		{name: "allocate request", pkt: msg(allocReq, testID), src: src4, want: OutcomeIgnored},
		{name: "invalid source", pkt: msg(bindReq, testID), want: OutcomeIgnored},
		{name: "fingerprint not last", pkt: fpNotLast, src: src4, want: OutcomeMalformed},
		{name: "fingerprint wrong size", pkt: msg(bindReq, testID, tlv{uint16(stun.AttrFingerprint), []byte{1, 2}}), src: src4, want: OutcomeMalformed},
		{name: "empty", pkt: nil, src: src4, want: OutcomeMalformed},
		{name: "short header", pkt: msg(bindReq, testID)[:19], src: src4, want: OutcomeMalformed},
		{name: "rtp-like first bits", pkt: append([]byte{0x80}, msg(bindReq, testID)[1:]...), src: src4, want: OutcomeMalformed},
		{name: "trailing bytes", pkt: append(msg(bindReq, testID), 0, 0, 0, 0), src: src4, want: OutcomeMalformed},
		{name: "length beyond datagram", pkt: vector[:len(vector)-8], src: src4, want: OutcomeMalformed},
		{name: "length not multiple of 4", pkt: append(msg(bindReq, testID, tlv{0x8022, []byte("abcd")})[:22:22], 0, 0), src: src4, want: OutcomeMalformed},
		{name: "attribute overruns message", pkt: overrun(msg(bindReq, testID, tlv{0x8022, []byte("abcd")})), src: src4, want: OutcomeMalformed},
		{name: "classic binding request", pkt: msg(bindReq, classicID, classicCR), src: src4, want: OutcomeClassic},
		{name: "classic change of IP and port not answered", pkt: msg(bindReq, classicID, tlv{uint16(stun.AttrChangeRequest), u32(6)}), src: src4, want: OutcomeChangeRefused},
		{name: "classic change of port not answered", pkt: msg(bindReq, classicID, tlv{uint16(stun.AttrChangeRequest), u32(2)}), src: src4, want: OutcomeChangeRefused},
		{name: "classic ipv6 source", pkt: msg(bindReq, classicID), src: src6, want: OutcomeClassic},
		{name: "classic ipv4-mapped source", pkt: msg(bindReq, classicID), src: src4in6, want: OutcomeClassic},
		{name: "classic response", pkt: msg(typeBindingSuccess, classicID, tlv{0x0001, make([]byte, 8)}), src: src4, want: OutcomeIgnored},
		{name: "classic attribute overruns", pkt: overrun(msg(bindReq, classicID, classicCR)), src: src4, want: OutcomeMalformed},
		{name: "classic invalid source", pkt: msg(bindReq, classicID), want: OutcomeIgnored},
	}
}

// overrun makes the last attribute of m claim 4 bytes more than m holds.
func overrun(m []byte) []byte {
	m = bytes.Clone(m)
	last := headerSize
	for off := headerSize; off < len(m); off += 4 + pad4(int(be.Uint16(m[off+2:]))) {
		last = off
	}
	be.PutUint16(m[last+2:], be.Uint16(m[last+2:])+4)
	return m
}

func TestHandle(t *testing.T) {
	for _, c := range handleCases(t) {
		t.Run(c.name, func(t *testing.T) {
			before := bytes.Clone(c.pkt)
			resp, o := Handle(c.pkt, c.src, testSoftware, make([]byte, 0, BufferSize))
			if !bytes.Equal(before, c.pkt) {
				t.Fatal("Handle changed the request")
			}
			checkAnswer(t, c, resp, o)
		})
	}
}

// checkAnswer is the one checker of handleCase results.
func checkAnswer(t *testing.T, c handleCase, resp []byte, o Outcome) {
	t.Helper()
	if o != c.want {
		t.Fatalf("outcome %v, want %v", o, c.want)
	}
	switch c.want {
	case OutcomeBinding, OutcomeUnknownAttribute:
		checkRFC5389(t, c, resp)
	case OutcomeClassic:
		checkClassic(t, c, resp)
	default:
		if resp != nil {
			t.Fatalf("answer %x to a dropped datagram", resp)
		}
	}
}

func checkRFC5389(t *testing.T, c handleCase, resp []byte) {
	t.Helper()
	m := &stun.Message{Raw: bytes.Clone(resp)}
	if err := m.Decode(); err != nil {
		t.Fatalf("pion cannot decode the answer %x: %v", resp, err)
	}
	if err := stun.Fingerprint.Check(m); err != nil {
		t.Errorf("FINGERPRINT: %v", err)
	}
	if !bytes.Equal(m.TransactionID[:], c.pkt[8:20]) {
		t.Errorf("transaction ID %x, want %x", m.TransactionID, c.pkt[8:20])
	}
	var sw stun.Software
	if err := sw.GetFrom(m); err != nil || sw.String() != testSoftware {
		t.Errorf("SOFTWARE %q (%v), want %q", sw, err, testSoftware)
	}
	if c.want == OutcomeUnknownAttribute {
		var ec stun.ErrorCodeAttribute
		var ua stun.UnknownAttributes
		if m.Type != stun.BindingError {
			t.Errorf("type %v, want %v", m.Type, stun.BindingError)
		}
		if err := ec.GetFrom(m); err != nil || ec.Code != stun.CodeUnknownAttribute {
			t.Errorf("ERROR-CODE %v (%v), want 420", ec, err)
		}
		if err := ua.GetFrom(m); err != nil || !slices.Equal(ua, c.unknown) {
			t.Errorf("UNKNOWN-ATTRIBUTES %v (%v), want %v", ua, err, c.unknown)
		}
		return
	}
	if m.Type != stun.BindingSuccess {
		t.Errorf("type %v, want %v", m.Type, stun.BindingSuccess)
	}
	var xa stun.XORMappedAddress
	if err := xa.GetFrom(m); err != nil {
		t.Fatalf("XOR-MAPPED-ADDRESS: %v", err)
	}
	want := c.src.Addr().Unmap()
	if got, _ := netip.AddrFromSlice(xa.IP); got != want || xa.Port != int(c.src.Port()) || (len(xa.IP) == net.IPv4len) != want.Is4() {
		t.Errorf("XOR-MAPPED-ADDRESS %v, want %v", xa, c.src)
	}
	if c.check != nil {
		c.check(t, m)
	}
}

func checkClassic(t *testing.T, c handleCase, resp []byte) {
	t.Helper()
	want := append(be.AppendUint16(nil, typeBindingSuccess), 0, 0)
	want = append(want, c.pkt[4:20]...)
	if len(resp) < len(want)+4 || !bytes.Equal(resp[:2], want[:2]) || !bytes.Equal(resp[4:20], want[4:20]) {
		t.Fatalf("classic answer %x, want header %x", resp, want)
	}
	if int(be.Uint16(resp[2:4])) != len(resp)-headerSize {
		t.Errorf("length field %d for %d bytes of attributes", be.Uint16(resp[2:4]), len(resp)-headerSize)
	}
	if at, n := be.Uint16(resp[20:22]), int(be.Uint16(resp[22:24])); at != uint16(stun.AttrMappedAddress) || 24+n != len(resp) {
		t.Fatalf("classic answer %x: want MAPPED-ADDRESS alone", resp)
	}
	if got := decodeMapped(t, resp[24:]); got.Addr() != c.src.Addr().Unmap() || got.Port() != c.src.Port() {
		t.Errorf("MAPPED-ADDRESS %v, want %v", got, c.src)
	}
}

func TestHandleSoftwareOmitted(t *testing.T) {
	for _, sw := range []string{"", string(make([]byte, maxSoftwareBytes+1))} {
		resp, o := Handle(msg(bindReq, testID), src4, sw, nil)
		m := &stun.Message{Raw: resp}
		if o != OutcomeBinding || m.Decode() != nil || m.Contains(stun.AttrSoftware) {
			t.Errorf("software of %d bytes: outcome %v, answer %x: want binding without SOFTWARE", len(sw), o, resp)
		}
	}
}

func TestHandleZeroAlloc(t *testing.T) {
	vector := readHex(t, "rfc5769/request.hex")
	classic := msg(bindReq, classicID, classicCR)
	buf := make([]byte, 0, BufferSize)
	for _, pkt := range [][]byte{vector, classic} {
		if n := testing.AllocsPerRun(100, func() { Handle(pkt, src6, DefaultSoftware, buf) }); n != 0 {
			t.Errorf("Handle allocates %v times per datagram, want 0", n)
		}
	}
}

func BenchmarkHandle(b *testing.B) {
	buf := make([]byte, 0, BufferSize)
	for _, bc := range []struct {
		name string
		pkt  []byte
	}{
		{"rfc5389-fingerprint", withFingerprint(msg(bindReq, testID))},
		{"rfc5769-vector", readHex(b, "rfc5769/request.hex")},
		{"classic", msg(bindReq, classicID, classicCR)},
		{"malformed", []byte("not stun at all, really not")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.pkt)))
			for b.Loop() {
				Handle(bc.pkt, src4, DefaultSoftware, buf)
			}
		})
	}
}
