package devicedb

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: OWASP's recommendation (19 MiB, 2 passes, 1 lane).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// MinPasswordLen is the shortest password accepted for admins and users.
const MinPasswordLen = 10

// MaxPasswordHashes is how many argon2id computations run at once in the
// process (sign-ins, new admins, set-password links); each takes 19 MiB
// for its duration. Further ones wait up to PasswordHashWait for a slot,
// then fail with ErrUnavailable ("busy"), so 40 sign-ins at once cost
// 2 x 19 MiB instead of 760 MiB.
const MaxPasswordHashes = 2

// PasswordHashWait is how long a password hash waits for a slot.
const PasswordHashWait = 3 * time.Second

var (
	hashSlots           = make(chan struct{}, MaxPasswordHashes)
	hashesNow, hashPeak atomic.Int64
	errHashBusy         = &Error{Kind: ErrUnavailable, Msg: "the server is busy checking other passwords; try again in a few seconds"}
)

// PasswordHashes returns the number of argon2id computations running now
// and the most that ever ran at once in this process.
func PasswordHashes() (now, peak int64) { return hashesNow.Load(), hashPeak.Load() }

// argonKey computes an argon2id key in one of the MaxPasswordHashes slots,
// waiting for one at most PasswordHashWait or until ctx ends.
func argonKey(ctx context.Context, pw, salt []byte, t, m uint32, p uint8, keyLen uint32) ([]byte, error) {
	wait := time.NewTimer(PasswordHashWait)
	defer wait.Stop()
	select {
	case hashSlots <- struct{}{}:
	case <-wait.C:
		return nil, errHashBusy
	case <-ctx.Done():
		return nil, errHashBusy
	}
	defer func() { <-hashSlots }()
	n := hashesNow.Add(1)
	defer hashesNow.Add(-1)
	for peak := hashPeak.Load(); n > peak && !hashPeak.CompareAndSwap(peak, n); peak = hashPeak.Load() {
	}
	return argon2.IDKey(pw, salt, t, m, p, keyLen), nil
}

// hashPassword returns the argon2id PHC string of pw.
func hashPassword(ctx context.Context, pw string) (string, error) {
	if len(pw) < MinPasswordLen {
		return "", invalid("password: use at least %d characters", MinPasswordLen)
	}
	if len(pw) > 1024 {
		return "", invalid("password: use at most 1024 characters")
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := argonKey(ctx, []byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	if err != nil {
		return "", err
	}
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// checkPassword reports whether pw matches the PHC string enc. A malformed
// enc never matches. The error is errHashBusy when no slot came free.
func checkPassword(ctx context.Context, enc, pw string) (bool, error) {
	parts := strings.Split(enc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || len(pw) > 1024 {
		return false, nil
	}
	var v int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, nil
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > 1<<20 || t == 0 || t > 16 || p == 0 {
		return false, nil
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, nil
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 128 {
		return false, nil
	}
	got, err := argonKey(ctx, []byte(pw), salt, t, m, p, uint32(len(want)))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
