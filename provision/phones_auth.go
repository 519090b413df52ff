package provision

import (
	"net/http"
	"net/netip"

	"github.com/phoneprov/phoneprov/sip/sipauth"
)

// deviceAuth checks the HTTP digest credentials of a device that has them
// (RFC 7616, the same algorithm as SIP's). It answers the challenge itself
// and returns false when the request must stop there.
func (p *Phones) deviceAuth(w http.ResponseWriter, r *http.Request, e *rendered, src netip.Addr) bool {
	if e.httpUser == "" {
		return true
	}
	switch p.auth.Status(src) {
	case sipauth.Drop, sipauth.Reject:
		writeNotFound(w)
		return false
	}
	h := r.Header.Get("Authorization")
	stale := false
	if h != "" {
		c, err := sipauth.ParseAuthorization(h)
		if err == nil && c.URI == r.URL.RequestURI() {
			res, _ := p.auth.Verify(r.Method, c, func(user, alg string) (string, bool) {
				if user != e.httpUser {
					return "", false
				}
				return sipauth.HA1(alg, e.httpUser, p.auth.Realm(), e.httpPassword), true
			})
			switch res {
			case sipauth.OK:
				p.auth.Success(src)
				return true
			case sipauth.Stale:
				stale = true
			default:
				p.auth.Failure(src)
			}
		} else {
			p.auth.Failure(src)
		}
	}
	for _, c := range p.auth.Challenges(stale) {
		w.Header().Add("WWW-Authenticate", c)
	}
	http.Error(w, "401 unauthorized", http.StatusUnauthorized)
	return false
}
