package digest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"hash"
	"sync"
	"time"
)

// A nonce is base64url (no padding) of 32 bytes: the issue time in Unix
// nanoseconds (8, big-endian), 8 random bytes, and the first 16 bytes of
// HMAC-SHA256(secret, time || random).
const (
	nonceRawLen = 32
	nonceLen    = 43 // base64.RawURLEncoding.EncodedLen(nonceRawLen)
	nonceMsgLen = 16
)

// nonceKey identifies a nonce in the replay tracker: its time and random part.
type nonceKey [nonceMsgLen]byte

// nonces mints and checks stateless nonces.
type nonces struct {
	pool sync.Pool // of *macState
}

// macState is a keyed HMAC with buffers, pooled so checks do not allocate.
type macState struct {
	h   hash.Hash
	in  [nonceMsgLen]byte
	out [sha256.Size]byte
}

func newNonces(secret []byte) *nonces {
	key := append([]byte(nil), secret...)
	return &nonces{pool: sync.Pool{New: func() any {
		return &macState{h: hmac.New(sha256.New, key)}
	}}}
}

// mac writes the truncated HMAC of msg into dst.
func (n *nonces) mac(msg *nonceKey, dst []byte) {
	m := n.pool.Get().(*macState)
	m.in = *msg
	m.h.Reset()
	m.h.Write(m.in[:])
	copy(dst, m.h.Sum(m.out[:0]))
	n.pool.Put(m)
}

// mint returns a fresh nonce issued at now.
func (n *nonces) mint(now time.Time) string {
	var raw [nonceRawLen]byte
	binary.BigEndian.PutUint64(raw[:8], uint64(now.UnixNano()))
	_, _ = rand.Read(raw[8:nonceMsgLen]) // never fails since Go 1.24
	n.mac((*nonceKey)(raw[:nonceMsgLen]), raw[nonceMsgLen:])
	return base64.RawURLEncoding.EncodeToString(raw[:])
}

// open checks that s is a nonce we minted and returns its key and issue time.
func (n *nonces) open(s string) (key nonceKey, issued time.Time, ok bool) {
	var raw [nonceRawLen]byte
	if !decodeNonce(&raw, s) {
		return key, issued, false
	}
	key = nonceKey(raw[:nonceMsgLen])
	var want [sha256.Size]byte
	n.mac(&key, want[:])
	if !hmac.Equal(want[:nonceRawLen-nonceMsgLen], raw[nonceMsgLen:]) {
		return key, issued, false
	}
	return key, time.Unix(0, int64(binary.BigEndian.Uint64(raw[:8]))), true
}

// b64 maps a base64url character to its value, or 0xff.
var b64 = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// decodeNonce decodes the canonical base64url form of a nonce without
// allocating; it refuses other lengths, other characters and non-zero
// trailing bits.
func decodeNonce(dst *[nonceRawLen]byte, s string) bool {
	if len(s) != nonceLen {
		return false
	}
	var acc uint32
	bits, j := 0, 0
	for i := 0; i < len(s); i++ {
		v := b64[s[i]]
		if v == 0xff {
			return false
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			dst[j] = byte(acc >> bits)
			j++
		}
	}
	return acc&(1<<bits-1) == 0
}
