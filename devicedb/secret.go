package devicedb

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// secretBox encrypts secrets at rest (SIP line passwords, device
// credentials) with AES-256-GCM under a key kept in a 0600 file.
type secretBox struct {
	aead cipher.AEAD
	key  []byte
}

func loadSecretBox(path string) (*secretBox, error) {
	key, err := readOrCreateKey(path)
	if err != nil {
		return nil, err
	}
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(blk)
	if err != nil {
		return nil, err
	}
	return &secretBox{aead: aead, key: key}, nil
}

func readOrCreateKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("creating secret key %s: %w", path, err)
		}
		_, werr := f.WriteString(hex.EncodeToString(key) + "\n")
		if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
			return nil, fmt.Errorf("writing secret key %s: %w", path, err)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading secret key %s: %w", path, err)
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secret key %s is readable by others (mode %v): run chmod 600 %s", path, st.Mode().Perm(), path)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("secret key %s: want 64 hex digits; restore it from backup (without it stored passwords cannot be read)", path)
	}
	return key, nil
}

func (b *secretBox) seal(plain string) []byte {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plain)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("devicedb: no randomness: " + err.Error())
	}
	return b.aead.Seal(nonce, nonce, []byte(plain), nil)
}

func (b *secretBox) open(sealed []byte) (string, error) {
	n := b.aead.NonceSize()
	if len(sealed) < n {
		return "", errors.New("decrypting secret: too short")
	}
	p, err := b.aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return "", fmt.Errorf("decrypting secret (wrong secret.key?): %w", err)
	}
	return string(p), nil
}

const alnum = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// randomString returns n characters from an alphabet without look-alikes,
// safe to type on a phone keypad menu.
func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("devicedb: no randomness: " + err.Error())
	}
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

// DerivedKey is a 32-byte key for label, derived from the secret key
// (HMAC-SHA256): the same on every node that shares the secret key and
// across restarts, and unrelated to the key itself.
func (s *Store) DerivedKey(label string) []byte {
	m := hmac.New(sha256.New, s.box.key)
	m.Write([]byte("phoneprov derived key: " + label))
	return m.Sum(nil)
}
