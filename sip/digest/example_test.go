package digest_test

import (
	"fmt"
	"net/netip"

	digestclient "github.com/icholy/digest"
	"github.com/phoneprov/phoneprov/sip/digest"
)

// The registrar's flow for one REGISTER, with a phone answering the
// challenge through icholy/digest (what sipgo's client uses).
func Example() {
	auth, err := digest.New(digest.Config{Realm: "phoneprov.test"})
	if err != nil {
		panic(err)
	}
	// The source, its transport and the auth user it tries count apart.
	src := digest.Peer{Addr: netip.MustParseAddr("192.0.2.10"), UDP: true, User: "1001"}
	lookup := func(user, alg string) (string, bool) {
		if user != "1001" {
			return "", false
		}
		// phoneprov decrypts the line's password here.
		return digest.HA1(alg, user, auth.Realm(), "secret"), true
	}

	// 1. No Authorization: answer 401 with one WWW-Authenticate per value.
	fmt.Println(auth.PeerStatus(src))
	chals := auth.Challenges(false)

	// 2. The phone answers the first challenge it supports (SHA-256).
	chal, _ := digestclient.ParseChallenge(chals[0])
	cred, _ := digestclient.Digest(chal, digestclient.Options{
		Method: "REGISTER", URI: "sip:phoneprov.test", Username: "1001", Password: "secret",
	})

	// 3. Verify the Authorization header.
	c, err := digest.ParseAuthorization(cred.String())
	if err != nil {
		auth.PeerFailure(src) // and answer 400 or 401
		return
	}
	res, err := auth.Verify("REGISTER", c, lookup)
	switch res {
	case digest.OK:
		auth.PeerSuccess(src) // 200
	case digest.Stale:
		_ = auth.Challenges(true) // 401 with stale=true
	case digest.Bad:
		auth.PeerFailure(src) // 401 again; log err
	}
	fmt.Println(c.Algorithm, res, err)
	// Output:
	// allow
	// SHA-256 ok <nil>
}
