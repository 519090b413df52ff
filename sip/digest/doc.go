// Package digest is the server side of digest authentication, for SIP
// REGISTERs (RFC 3261, RFC 8760) and HTTP config fetches (RFC 7616): it
// issues challenges, parses and verifies Authorization headers and
// throttles sources that keep failing.
//
// # Challenges and nonces
//
// [Authenticator.Challenges] returns one WWW-Authenticate value per configured
// algorithm, SHA-256 first (RFC 8760), all with qop="auth" and one shared
// nonce. Nonces are stateless: a timestamp, random bytes and an HMAC-SHA256
// of both under Config.Secret, so issuing one costs no memory and any node
// holding the same Secret can check it. A nonce older than Config.NonceTTL
// still authenticates the phone but yields [Stale], so the registrar answers
// 401 with stale=true and the phone retries without prompting.
//
// # Replay protection
//
// Each accepted (nonce, nc) pair is remembered in a map bounded by
// Config.MaxNonces (least recently used nonces are forgotten first). A nonce
// count may arrive out of order by up to 63 below the highest one seen (UDP
// reorders), but each value is accepted once. A nonce that was forgotten to
// keep within the bound, or that was issued before this Authenticator started,
// yields [Stale]: the phone fetches a fresh nonce and replay stays impossible.
// A replayed request whose digest is correct also yields [Stale] (with
// [ErrReplay]), as OpenSIPS does: it gains nothing, and a phone that re-sent
// an old nonce count recovers without prompting. The memory is per
// Authenticator, so with several nodes sharing a Secret a captured request
// could be replayed once on each other node within NonceTTL.
//
// # RFC 2069 compatibility
//
// Responses without qop (RFC 2069) are refused by default: they carry no
// client nonce and no nonce count. With Config.AllowNoQOP such a response is
// accepted only if the nonce was never used before; the nonce is then spent,
// and a phone reusing it gets [Stale].
//
// # Timing
//
// The response is compared in constant time. A username the lookup does not
// know is hashed against a dummy HA1 of the right length, so it costs the same
// as a known one; only the lookup itself (the caller's code) may differ.
//
// # Throttling
//
// [Authenticator.PeerFailure], [Authenticator.PeerSuccess] and
// [Authenticator.PeerStatus] (Failure, Success and Status for callers that
// know only an address, as the HTTP side) count failed attempts per [Peer]: (source, transport, auth user), where a
// source is an IPv4 address or an IPv6 /64 and UDP is counted apart from
// TCP/TLS, so spoofed datagrams never block a stream transport. They turn
// the counts into a [Verdict]: [Allow], [Reject] (answer 403 without checking
// credentials) or [Drop] (send nothing) for a cool-off period. A pair failing
// Config.RejectAfter times is rejected, one line at a time; a source failing
// for Config.SweepUsers distinct users is sweeping credentials and is
// rejected for every user except those that authenticated from it within
// Config.KnownFor, so the other phones behind an office's NAT address keep
// registering. All tables are bounded by Config.MaxSources.
package digest
