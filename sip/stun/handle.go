package stun

import (
	"net/netip"

	"github.com/pion/stun/v3"
)

// Handle answers one datagram pkt received from src and returns the answer to
// send back to src, or nil to drop, with what happened (see the package doc
// for the rules). The answer is built in buf, which is grown when too short:
// with cap(buf) >= BufferSize Handle does not allocate. software is the
// SOFTWARE value of RFC 5389 answers (omitted when empty or over 763 bytes).
// pkt is only read; Handle keeps no reference to pkt or buf, never panics,
// and answers nothing (OutcomeIgnored) when src is not valid.
func Handle(pkt []byte, src netip.AddrPort, software string, buf []byte) ([]byte, Outcome) {
	if len(pkt) < headerSize || pkt[0]&0xC0 != 0 {
		return nil, OutcomeMalformed
	}
	length := int(be.Uint16(pkt[2:4]))
	if headerSize+length != len(pkt) || length%4 != 0 {
		return nil, OutcomeMalformed
	}
	typ := be.Uint16(pkt[0:2])
	id := pkt[4:headerSize]
	if be.Uint32(id) != magicCookie {
		return handleClassic(pkt, typ, src, buf)
	}
	var unk unknownList
	if o := scanAttrs(pkt, &unk); o != OutcomeBinding {
		return nil, o
	}
	var mt stun.MessageType
	mt.ReadValue(typ)
	if mt.Class != stun.ClassRequest || mt.Method != stun.MethodBinding || !src.IsValid() {
		return nil, OutcomeIgnored
	}
	if unk.n > 0 {
		b := appendHeader(buf[:0], typeBindingError, id)
		b = appendUnknown(b, unk.types[:unk.n])
		b = appendSoftware(b, software)
		return appendFingerprint(b), OutcomeUnknownAttribute
	}
	b := appendHeader(buf[:0], typeBindingSuccess, id)
	b = appendAddress(b, src, true, id)
	b = appendSoftware(b, software)
	return appendFingerprint(b), OutcomeBinding
}

// handleClassic answers an RFC 3489 message (no magic cookie): a Binding
// request gets MAPPED-ADDRESS; other well-formed messages are ignored. A
// CHANGE-REQUEST asking for another IP or port gets no answer: the
// responder has one address, and answering from it would make the client
// conclude it is on the open Internet (RFC 3489 section 10.1: a request
// that cannot be answered as asked is a lost test).
func handleClassic(pkt []byte, typ uint16, src netip.AddrPort, buf []byte) ([]byte, Outcome) {
	change := false
	for off := headerSize; off < len(pkt); {
		if len(pkt)-off < attrHeaderSize {
			return nil, OutcomeMalformed
		}
		n := int(be.Uint16(pkt[off+2 : off+4]))
		next := off + attrHeaderSize + pad4(n)
		if next > len(pkt) {
			return nil, OutcomeMalformed
		}
		if stun.AttrType(be.Uint16(pkt[off:off+2])) == stun.AttrChangeRequest && n == 4 &&
			be.Uint32(pkt[off+attrHeaderSize:])&changeIPPort != 0 {
			change = true
		}
		off = next
	}
	if typ != stun.BindingRequest.Value() || !src.IsValid() {
		return nil, OutcomeIgnored
	}
	if change {
		return nil, OutcomeChangeRefused
	}
	b := appendHeader(buf[:0], typeBindingSuccess, pkt[4:headerSize])
	b = appendAddress(b, src, false, nil)
	setLength(b, 0)
	return b, OutcomeClassic
}

// unknownList collects unknown comprehension-required attribute types.
type unknownList struct {
	types [maxUnknown]uint16
	n     int
}

func (u *unknownList) add(t uint16) {
	for _, seen := range u.types[:u.n] {
		if seen == t {
			return
		}
	}
	if u.n < maxUnknown {
		u.types[u.n] = t
		u.n++
	}
}

// scanAttrs walks the attributes of an RFC 5389 message whose header is
// already checked. It returns OutcomeBinding when they are well formed and
// FINGERPRINT, if any, is last and matches; OutcomeMalformed or
// OutcomeBadFingerprint otherwise. Unknown comprehension-required
// attributes before MESSAGE-INTEGRITY go to unk (RFC 5389 section 15.4:
// those after it are ignored).
func scanAttrs(pkt []byte, unk *unknownList) Outcome {
	afterIntegrity := false
	for off := headerSize; off < len(pkt); {
		if len(pkt)-off < attrHeaderSize {
			return OutcomeMalformed
		}
		t := stun.AttrType(be.Uint16(pkt[off : off+2]))
		n := int(be.Uint16(pkt[off+2 : off+4]))
		val := off + attrHeaderSize
		next := val + pad4(n)
		if next > len(pkt) {
			return OutcomeMalformed
		}
		if t == stun.AttrFingerprint {
			if n != 4 || next != len(pkt) {
				return OutcomeMalformed
			}
			if be.Uint32(pkt[val:next]) != stun.FingerprintValue(pkt[:off]) {
				return OutcomeBadFingerprint
			}
			return OutcomeBinding
		}
		if !afterIntegrity && t.Required() && !understood(t, pkt[val:val+n]) {
			unk.add(uint16(t))
		}
		if t == stun.AttrMessageIntegrity || t == stun.AttrMessageIntegritySHA256 {
			afterIntegrity = true
		}
		off = next
	}
	return OutcomeBinding
}

// understood reports whether a comprehension-required attribute of a Binding
// request is one the responder may ignore: those RFC 5389/8489 define
// (authentication is not used), ICE's PRIORITY and USE-CANDIDATE, RFC
// 5780's PADDING, and a CHANGE-REQUEST that asks for no change. Everything
// else, notably RESPONSE-PORT and RFC 3489's RESPONSE-ADDRESS (which would
// reflect answers elsewhere), gets a 420.
func understood(t stun.AttrType, val []byte) bool {
	switch t {
	case stun.AttrMappedAddress, stun.AttrUsername, stun.AttrMessageIntegrity,
		stun.AttrErrorCode, stun.AttrUnknownAttributes, stun.AttrRealm,
		stun.AttrNonce, stun.AttrXORMappedAddress, stun.AttrMessageIntegritySHA256,
		stun.AttrPasswordAlgorithm, stun.AttrUserhash, stun.AttrPriority,
		stun.AttrUseCandidate, stun.AttrPadding:
		return true
	case stun.AttrChangeRequest:
		return len(val) == 4 && be.Uint32(val)&changeIPPort == 0
	}
	return false
}
