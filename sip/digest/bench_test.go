package digest

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkVerify measures Verify on the path a registering phone takes
// (a known user, next nonce count, or a new nonce each time) and on an
// unknown user, which must cost about the same as a wrong password.
func BenchmarkVerify(b *testing.B) {
	for _, alg := range []string{MD5, SHA256} {
		b.Run(alg+"/next-nc", func(b *testing.B) { benchVerify(b, alg, "1001", false, OK) })
		b.Run(alg+"/new-nonce", func(b *testing.B) { benchVerify(b, alg, "1001", true, OK) })
		b.Run(alg+"/wrong-password", func(b *testing.B) { benchVerify(b, alg, "alice", false, Bad) })
		b.Run(alg+"/unknown-user", func(b *testing.B) { benchVerify(b, alg, "nobody", false, Bad) })
	}
}

// storedHA1 is a lookup over precomputed HA1s, so benchmarks time Verify
// rather than the test lookup's hashing.
var storedHA1 = func() map[[2]string]string {
	m := map[[2]string]string{}
	for user := range testUsers {
		for _, alg := range []string{MD5, SHA256} {
			m[[2]string{user, alg}], _ = testLookup(user, alg)
		}
	}
	return m
}()

func lookupStored(user, alg string) (string, bool) {
	ha1, ok := storedHA1[[2]string{user, alg}]
	return ha1, ok
}

func benchVerify(b *testing.B, alg, user string, newNonce bool, want Result) {
	a, clk := newTestAuth(b, nil)
	const batch = 1024
	creds := make([]Credentials, batch)
	nonce, nc := nonceOf(b, a.Challenges(false)[0]), 0
	fill := func() {
		clk.add(time.Millisecond)
		for i := range creds {
			if newNonce {
				nonce, nc = nonceOf(b, a.Challenges(false)[0]), 0
			}
			nc++
			creds[i] = sign(alg, user, "secret", nonce, fmt.Sprintf("%08x", nc))
		}
	}
	fill()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%batch == 0 && i > 0 {
			b.StopTimer()
			fill()
			b.StartTimer()
		}
		if res, err := a.Verify("REGISTER", creds[i%batch], lookupStored); res != want {
			b.Fatalf("Verify = %v (%v), want %v", res, err, want)
		}
	}
}

// BenchmarkParseAuthorization measures parsing a typical phone header.
func BenchmarkParseAuthorization(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseAuthorization(rfcAuth); err != nil {
			b.Fatal(err)
		}
	}
}
