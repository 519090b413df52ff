package stun

import (
	"encoding/binary"
	"net/netip"

	"github.com/pion/stun/v3"
)

// Wire constants of RFC 5389 (and RFC 3489 where noted).
const (
	headerSize     = 20
	attrHeaderSize = 4
	magicCookie    = 0x2112A442
	// maxSoftwareBytes is RFC 5389's bound on the SOFTWARE value.
	maxSoftwareBytes = 763
	// maxUnknown caps the attribute types listed in UNKNOWN-ATTRIBUTES.
	maxUnknown = 16
	// familyIPv4 and familyIPv6 are the address families of (XOR-)MAPPED-ADDRESS.
	familyIPv4 = 0x01
	familyIPv6 = 0x02
	// changeIPPort are the "change IP" and "change port" flags of CHANGE-REQUEST.
	changeIPPort = 0x06
)

// BufferSize is a response buffer size for [Handle] that always suffices,
// so that Handle never allocates.
const BufferSize = 1024

var (
	be = binary.BigEndian

	typeBindingSuccess = stun.BindingSuccess.Value()
	typeBindingError   = stun.BindingError.Value()
	reasonUnknownAttr  = "Unknown Attribute"
)

// pad4 rounds n up to a multiple of 4.
func pad4(n int) int { return (n + 3) &^ 3 }

// appendHeader appends a message header of type typ whose bytes 4..20 (magic
// cookie and transaction ID, or the classic 16-byte transaction ID) are id.
// The length is set later by setLength.
func appendHeader(b []byte, typ uint16, id []byte) []byte {
	b = be.AppendUint16(b, typ)
	b = append(b, 0, 0)
	return append(b, id[:16]...)
}

// setLength writes the message length of b, plus extra bytes to come.
func setLength(b []byte, extra int) {
	be.PutUint16(b[2:4], uint16(len(b)-headerSize+extra))
}

// appendAttrHeader appends an attribute header.
func appendAttrHeader(b []byte, t stun.AttrType, n int) []byte {
	b = be.AppendUint16(b, uint16(t))
	return be.AppendUint16(b, uint16(n))
}

// appendPadding pads b (ending in an attribute value of n bytes) with zeros.
func appendPadding(b []byte, n int) []byte {
	for i := n; i < pad4(n); i++ {
		b = append(b, 0)
	}
	return b
}

// appendAddress appends a MAPPED-ADDRESS (xor false) or XOR-MAPPED-ADDRESS
// (xor true) for ap; id is the request's bytes 4..20, the XOR mask.
func appendAddress(b []byte, ap netip.AddrPort, xor bool, id []byte) []byte {
	addr := ap.Addr().Unmap()
	port := ap.Port()
	t := stun.AttrMappedAddress
	if xor {
		t = stun.AttrXORMappedAddress
		port ^= magicCookie >> 16
	}
	if addr.Is4() {
		b = appendAttrHeader(b, t, 8)
		b = append(b, 0, familyIPv4)
		b = be.AppendUint16(b, port)
		ip := addr.As4()
		for i := range ip {
			if xor {
				ip[i] ^= id[i]
			}
		}
		return append(b, ip[:]...)
	}
	b = appendAttrHeader(b, t, 20)
	b = append(b, 0, familyIPv6)
	b = be.AppendUint16(b, port)
	ip := addr.As16()
	for i := range ip {
		if xor {
			ip[i] ^= id[i]
		}
	}
	return append(b, ip[:]...)
}

// appendSoftware appends SOFTWARE, or nothing when s is empty or too long.
func appendSoftware(b []byte, s string) []byte {
	if s == "" || len(s) > maxSoftwareBytes {
		return b
	}
	b = appendAttrHeader(b, stun.AttrSoftware, len(s))
	b = append(b, s...)
	return appendPadding(b, len(s))
}

// appendUnknown appends ERROR-CODE 420 and UNKNOWN-ATTRIBUTES listing types.
func appendUnknown(b []byte, types []uint16) []byte {
	code := int(stun.CodeUnknownAttribute)
	n := 4 + len(reasonUnknownAttr)
	b = appendAttrHeader(b, stun.AttrErrorCode, n)
	b = append(b, 0, 0, byte(code/100), byte(code%100))
	b = append(b, reasonUnknownAttr...)
	b = appendPadding(b, n)
	b = appendAttrHeader(b, stun.AttrUnknownAttributes, 2*len(types))
	for _, t := range types {
		b = be.AppendUint16(b, t)
	}
	return appendPadding(b, 2*len(types))
}

// appendFingerprint sets the final length of b and appends FINGERPRINT.
func appendFingerprint(b []byte) []byte {
	setLength(b, attrHeaderSize+4)
	crc := stun.FingerprintValue(b)
	b = appendAttrHeader(b, stun.AttrFingerprint, 4)
	return be.AppendUint32(b, crc)
}
