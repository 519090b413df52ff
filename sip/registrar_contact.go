package sip

import (
	"errors"
	"strconv"
	"strings"

	sipmsg "github.com/emiago/sipgo/sip"
)

// Limits on what one contact may store.
const (
	maxContactLen  = 512
	maxInstanceLen = 256
)

// contactReq is one Contact of a REGISTER, checked.
type contactReq struct {
	uri      string
	expires  int // granted seconds; 0 removes
	instance string
	regID    int32
}

// contactError is a refusal found while reading the contacts.
type contactError struct {
	code    int
	reason  string
	outcome string
}

func (e *contactError) Error() string { return strconv.Itoa(e.code) + " " + e.reason }

var (
	errWildcard   = &contactError{400, "Bad Request (Contact * needs Expires: 0 and no other contact)", OutcomeBadRequest}
	errContact    = &contactError{400, "Bad Request (Contact)", OutcomeBadRequest}
	errTooMany    = &contactError{403, "Forbidden (too many contacts)", OutcomeForbidden}
	errTooBrief   = &contactError{423, "Interval Too Brief", OutcomeTooBrief}
	errOutOfOrder = &contactError{500, "Server Internal Error (out of order CSeq)", OutcomeOutOfOrder}
)

// parseContacts reads the Contact headers of a REGISTER and the expiry
// each asks for, per RFC 3261 section 10.3 step 6. No contact at all is a
// query (nil, false, nil).
func (r *Registrar) parseContacts(req *sipmsg.Request) (cs []contactReq, wildcard bool, err error) {
	hdrs := req.GetHeaders("contact")
	if len(hdrs) == 0 {
		return nil, false, nil
	}
	def, headerSet := r.cfg.DefaultExpires, false
	if h := req.GetHeader("expires"); h != nil {
		if v, ok := parseExpires(h.Value()); ok {
			def, headerSet = v, true
		}
	}
	for _, h := range hdrs {
		c, ok := h.(*sipmsg.ContactHeader)
		if !ok {
			return nil, false, errContact
		}
		if c.Address.Wildcard {
			wildcard = true
			continue
		}
		scheme := strings.ToLower(c.Address.Scheme)
		if (scheme != "sip" && scheme != "sips") || c.Address.Host == "" {
			return nil, false, errContact
		}
		cr := contactReq{uri: c.Address.String(), expires: def}
		if len(cr.uri) > maxContactLen {
			return nil, false, errContact
		}
		if v, ok := c.Params.Get("expires"); ok {
			if e, ok := parseExpires(v); ok {
				cr.expires = e
			}
		}
		if v, ok := c.Params.Get("+sip.instance"); ok {
			cr.instance = strings.Trim(v, `"`)
			if len(cr.instance) > maxInstanceLen {
				return nil, false, errContact
			}
		}
		if v, ok := c.Params.Get("reg-id"); ok {
			if n, err := strconv.ParseUint(v, 10, 31); err == nil {
				cr.regID = int32(n)
			}
		}
		cs = append(cs, cr)
	}
	if wildcard {
		if len(hdrs) != 1 || !headerSet || def != 0 {
			return nil, false, errWildcard
		}
		return nil, true, nil
	}
	if len(cs) > r.cfg.MaxContactsPerAOR {
		return nil, false, errTooMany
	}
	for i := range cs {
		switch e := &cs[i].expires; {
		case *e == 0:
		case *e < r.cfg.MinExpires:
			return nil, false, errTooBrief
		case *e > r.cfg.MaxExpires:
			*e = r.cfg.MaxExpires
		}
	}
	return cs, false, nil
}

// parseExpires reads a delta-seconds value; ok is false when malformed, and
// the caller then uses its default (RFC 3261 section 20.19). Values past
// 2^32-1 are clamped.
func parseExpires(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 20 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		if n < 1<<32 {
			n = n*10 + int(s[i]-'0')
		}
	}
	return min(n, 1<<32-1), true
}

// regChange is what one REGISTER does to an AOR.
type regChange struct {
	wildcard  bool
	contacts  []contactReq
	cred      *credential
	callID    string
	cseq      uint32
	source    string
	transport uint8
	userAgent string
	now       int64
	max       int
	// changed collects the contacts written or removed, for persistence.
	changed []string
}

// apply computes the new bindings of an AOR from cur per RFC 3261
// section 10.3 step 7, RFC 5626 instance replacement and the per-AOR cap.
// It returns errOutOfOrder, and changes nothing, when a binding to change
// has the request's Call-ID and a CSeq at least the request's.
func (c *regChange) apply(cur []binding) ([]binding, error) {
	stale := func(b *binding) bool { return b.callID == c.callID && c.cseq <= b.cseq }
	out := make([]binding, 0, len(cur)+len(c.contacts))
	for _, b := range cur {
		if b.expires > c.now {
			out = append(out, b)
		} else {
			c.changed = append(c.changed, b.contact)
		}
	}
	if c.wildcard {
		// Contact: * removes the bindings of the line that sent it only,
		// so one device cannot unregister another on the same extension.
		for i := range out {
			if out[i].authUser == c.cred.AuthUser && stale(&out[i]) {
				return nil, errOutOfOrder
			}
		}
		return c.remove(out, func(b *binding) bool { return b.authUser == c.cred.AuthUser }), nil
	}
	for _, cr := range c.contacts {
		for i := range out {
			if (out[i].contact == cr.uri || cr.replaces(&out[i])) && stale(&out[i]) {
				return nil, errOutOfOrder
			}
		}
	}
	written := make(map[string]bool, len(c.contacts))
	for _, cr := range c.contacts {
		out = c.remove(out, func(b *binding) bool { return cr.replaces(b) })
		i := indexContact(out, cr.uri)
		if cr.expires == 0 {
			if i >= 0 {
				out = c.remove(out, func(b *binding) bool { return b.contact == cr.uri })
			}
			continue
		}
		nb := c.newBinding(cr)
		written[cr.uri] = true
		if i >= 0 {
			old := &out[i]
			nb.registered = old.registered
			if old.callID == nb.callID {
				nb.callID = old.callID // keep one copy of the string
			}
			if onlyExpiry(old, &nb) && old.saved-c.now >= int64(cr.expires)/2 {
				// A refresh: the row written keeps the binding alive for
				// half the grant at least; the new expiry is written later.
				nb.saved = old.saved
				out[i] = nb
				continue
			}
			out[i] = nb
		} else {
			out = append(out, nb)
		}
		c.changed = append(c.changed, cr.uri)
	}
	for len(out) > c.max {
		victim := -1
		for i := range out {
			if !written[out[i].contact] && (victim < 0 || out[i].expires < out[victim].expires) {
				victim = i
			}
		}
		if victim < 0 {
			break // cannot happen: parseContacts caps a request's contacts
		}
		c.changed = append(c.changed, out[victim].contact)
		out = append(out[:victim], out[victim+1:]...)
	}
	return out, nil
}

// replaces reports whether cr, carrying an RFC 5626 instance, supersedes b:
// same instance and reg-id, another contact URI.
func (cr *contactReq) replaces(b *binding) bool {
	return cr.instance != "" && b.instance == cr.instance && b.regID == cr.regID && b.contact != cr.uri
}

// remove drops the bindings matching fn, recording them as changed.
func (c *regChange) remove(list []binding, fn func(*binding) bool) []binding {
	out := list[:0]
	for i := range list {
		if fn(&list[i]) {
			c.changed = append(c.changed, list[i].contact)
			continue
		}
		out = append(out, list[i])
	}
	return out
}

func indexContact(list []binding, uri string) int {
	for i := range list {
		if list[i].contact == uri {
			return i
		}
	}
	return -1
}

func (c *regChange) newBinding(cr contactReq) binding {
	return binding{
		contact: cr.uri, authUser: c.cred.AuthUser, mac: c.cred.MAC, callID: c.callID, instance: cr.instance,
		source: c.source, userAgent: c.userAgent, userID: c.cred.UserID, expires: c.now + int64(cr.expires),
		registered: c.now, cseq: c.cseq, regID: cr.regID, line: int32(c.cred.Line), transport: c.transport,
		saved: c.now + int64(cr.expires),
	}
}

// onlyExpiry reports whether b differs from old in its expiry, Call-ID
// and CSeq only: a refresh by the same phone through the same path. The
// Call-ID and CSeq written then lag too (they only order requests; a
// graceful stop writes them, see persister.stop).
func onlyExpiry(old, b *binding) bool {
	return old.source == b.source && old.transport == b.transport &&
		old.userAgent == b.userAgent && old.authUser == b.authUser && old.mac == b.mac &&
		old.userID == b.userID && old.line == b.line && old.instance == b.instance && old.regID == b.regID
}

// asContactError returns err as a *contactError, if it is one.
func asContactError(err error) (*contactError, bool) {
	var ce *contactError
	ok := errors.As(err, &ce)
	return ce, ok
}
