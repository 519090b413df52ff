// Package stun is phoneprov's STUN binding responder: it tells phones the
// address and port their UDP packets come from (RFC 5389 Binding with
// XOR-MAPPED-ADDRESS, and RFC 3489 "classic" Binding with MAPPED-ADDRESS).
//
// The wire work is done by [Handle], a pure function that answers one
// datagram without allocating when given a large enough buffer. It frames
// messages by hand because github.com/pion/stun/v3 rejects classic requests
// (no magic cookie) and has no server type; the attribute numbers, message
// type encoding and FINGERPRINT CRC come from pion/stun.
//
// What the responder does with each kind of datagram:
//
//   - RFC 5389 Binding request: Binding success with XOR-MAPPED-ADDRESS
//     (IPv4 or IPv6), SOFTWARE and FINGERPRINT. A FINGERPRINT in the request
//     must be the last attribute and must match, or the datagram is dropped.
//     USERNAME, MESSAGE-INTEGRITY and the other authentication attributes are
//     ignored: the responder has no credentials and answers everybody.
//   - RFC 5389 Binding request with a comprehension-required attribute the
//     responder does not understand (for example RESPONSE-PORT, or a
//     CHANGE-REQUEST asking for another address or port, which a single-address
//     server cannot honour, RFC 5780 section 7.2): Binding error 420 with
//     UNKNOWN-ATTRIBUTES, SOFTWARE and FINGERPRINT.
//   - RFC 3489 classic Binding request (type 0x0001, no magic cookie, lengths
//     consistent): response 0x0101 carrying only MAPPED-ADDRESS and the
//     request's 16-byte transaction ID. RESPONSE-ADDRESS is ignored (the
//     answer always goes to the source); SOURCE-ADDRESS and CHANGED-ADDRESS
//     are omitted because a single-address server has no other address to
//     offer. A CHANGE-REQUEST asking for another IP or port gets no answer
//     (OutcomeChangeRefused): answering from the same address would make the
//     client's RFC 3489 NAT test conclude "open Internet".
//   - Indications, responses, other methods: dropped silently.
//   - Anything else (short, wrong length, broken attributes): dropped.
//
// [Server] reads a caller-made [net.PacketConn], runs [Handle], and applies a
// per-source token bucket (golang.org/x/time/rate) to the answers it sends,
// with a bounded, self-evicting table of sources.
package stun
