package sip

import (
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
)

// defaultShards is the number of shards of the binding table. Measured with
// BenchmarkTableParallel on 2 shared cores: about 1.5 us per refresh with 64
// shards against 2.1 us with one map behind one lock, whose contention only
// grows with more cores; the shards cost 64 small maps.
const defaultShards = 64

// transport names, indexed by the uint8 a binding stores.
var transportNames = [...]string{"", "UDP", "TCP", "TLS", "WS", "WSS"}

func transportCode(s string) uint8 {
	for i, n := range transportNames {
		if i > 0 && strings.EqualFold(n, s) {
			return uint8(i)
		}
	}
	return 0
}

// binding is one contact of an AOR in memory: about 160 bytes plus its
// strings. authUser and mac share the credential cache's strings, the
// User-Agent is interned.
type binding struct {
	contact    string // URI of the Contact, parameters of the header excluded
	authUser   string
	mac        string
	callID     string
	instance   string // +sip.instance without quotes, or ""
	source     string // ip:port the REGISTER came from: where to reach the phone
	userAgent  string
	userID     int64
	expires    int64 // Unix seconds
	registered int64 // Unix seconds of the first REGISTER of this contact
	// saved is the expiry written to the Directory, or queued to be: a
	// refresh that only moves expires is not written while saved covers
	// half its grant (see regChange.apply, persister.catchUp).
	saved     int64
	cseq      uint32
	regID     int32
	line      int32
	transport uint8
}

// record returns b as the devicedb type.
func (b *binding) record(aor string) devicedb.Binding {
	return devicedb.Binding{
		AOR: aor, Contact: b.contact, AuthUser: b.authUser, MAC: b.mac, Line: int(b.line), UserID: b.userID,
		Expires: time.Unix(b.expires, 0).UTC(), CallID: b.callID, CSeq: b.cseq, Instance: b.instance,
		RegID: int(b.regID), Source: b.source, Transport: transportNames[b.transport], UserAgent: b.userAgent,
		RegisteredAt: time.Unix(b.registered, 0).UTC(),
	}
}

// fromRecord is the inverse of record.
func fromRecord(r *devicedb.Binding) binding {
	return binding{
		contact: r.Contact, authUser: r.AuthUser, mac: r.MAC, callID: r.CallID, instance: r.Instance,
		source: r.Source, userAgent: r.UserAgent, userID: r.UserID, expires: r.Expires.Unix(), saved: r.Expires.Unix(),
		registered: r.RegisteredAt.Unix(), cseq: r.CSeq, regID: int32(r.RegID), line: int32(r.Line),
		transport: transportCode(r.Transport),
	}
}

// table holds the bindings in memory, keyed by AOR and sharded by a hash
// of it. Each AOR's bindings are a small slice replaced as a whole under the
// shard lock.
type table struct {
	seed   maphash.Seed
	shards []shard
}

type shard struct {
	mu sync.RWMutex
	m  map[string][]binding
	_  [40]byte // keep neighbouring locks off one cache line
}

func newTable(shards int) *table {
	t := &table{seed: maphash.MakeSeed(), shards: make([]shard, shards)}
	for i := range t.shards {
		t.shards[i].m = make(map[string][]binding)
	}
	return t
}

func (t *table) shard(aor string) *shard {
	return &t.shards[maphash.String(t.seed, aor)%uint64(len(t.shards))]
}

// update replaces the bindings of aor by what fn returns, atomically. fn
// gets the current bindings (it must not keep the slice) and returns the
// new ones or an error, in which case nothing changes. An AOR left without
// bindings is removed.
func (t *table) update(aor string, fn func(cur []binding) ([]binding, error)) error {
	s := t.shard(aor)
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, had := s.m[aor]
	next, err := fn(cur)
	if err != nil {
		return err
	}
	switch {
	case len(next) > 0:
		if had {
			s.m[aor] = next
		} else {
			s.m[strings.Clone(aor)] = next
		}
	case had:
		delete(s.m, aor)
	}
	return nil
}

// live returns copies of the bindings of aor that expire after now.
func (t *table) live(aor string, now int64) []binding {
	s := t.shard(aor)
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []binding
	for _, b := range s.m[aor] {
		if b.expires > now {
			out = append(out, b)
		}
	}
	return out
}

// get returns the binding of aor with contact.
func (t *table) get(k devicedb.BindingKey) (binding, bool) {
	s := t.shard(k.AOR)
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, b := range s.m[k.AOR] {
		if b.contact == k.Contact {
			return b, true
		}
	}
	return binding{}, false
}

// each calls fn for every binding expiring after now, one shard at a time
// under its read lock; fn must not call back into t.
func (t *table) each(now int64, fn func(aor string, b *binding)) {
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.RLock()
		for aor, list := range s.m {
			for j := range list {
				if list[j].expires > now {
					fn(aor, &list[j])
				}
			}
		}
		s.mu.RUnlock()
	}
}

// lagging returns the keys of the live bindings whose saved expiry is
// earlier than their expiry and at or before horizon, and marks them
// saved: the caller writes them.
func (t *table) lagging(now, horizon int64) []devicedb.BindingKey {
	var keys []devicedb.BindingKey
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		for aor, list := range s.m {
			for j := range list {
				if b := &list[j]; b.expires > now && b.saved < b.expires && b.saved <= horizon {
					// Only saved changes, in place: readers copy bindings under the lock.
					b.saved = b.expires
					keys = append(keys, devicedb.BindingKey{AOR: aor, Contact: b.contact})
				}
			}
		}
		s.mu.Unlock()
	}
	return keys
}

// sweep removes the bindings expired at now and returns how many.
func (t *table) sweep(now int64) int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		for aor, list := range s.m {
			if !slices.ContainsFunc(list, func(b binding) bool { return b.expires <= now }) {
				continue
			}
			// Copy: readers may hold the old slice.
			keep := slices.DeleteFunc(slices.Clone(list), func(b binding) bool { return b.expires <= now })
			switch {
			case len(keep) == 0:
				delete(s.m, aor)
			default:
				s.m[aor] = slices.Clip(keep)
			}
			n += len(list) - len(keep)
		}
		s.mu.Unlock()
	}
	return n
}

// len returns the number of bindings held, expired or not.
func (t *table) len() int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.RLock()
		for _, list := range s.m {
			n += len(list)
		}
		s.mu.RUnlock()
	}
	return n
}

// load adds records, e.g. those persisted before a restart. The strings a
// record brings (AOR, contact, auth user, MAC, Call-ID, instance, source)
// are copied into one allocation they share, and the User-Agent is
// interned: auth users and MACs are (nearly) one per line, and interning
// them would fill the interner before the User-Agents.
func (t *table) load(recs []devicedb.Binding, intern func(string) string) {
	for i := range recs {
		r := &recs[i]
		packStrings(&r.AOR, &r.Contact, &r.AuthUser, &r.MAC, &r.CallID, &r.Instance, &r.Source)
		b := fromRecord(r)
		b.userAgent = intern(b.userAgent)
		s := t.shard(r.AOR)
		s.mu.Lock()
		out := slices.DeleteFunc(slices.Clone(s.m[r.AOR]), func(x binding) bool { return x.contact == b.contact })
		s.m[r.AOR] = append(out, b)
		s.mu.Unlock()
	}
}

// packStrings copies the strings ss point to into one new allocation and
// points them at their copies.
func packStrings(ss ...*string) {
	n := 0
	for _, s := range ss {
		n += len(*s)
	}
	var sb strings.Builder
	sb.Grow(n)
	for _, s := range ss {
		sb.WriteString(*s)
	}
	all := sb.String()
	for _, s := range ss {
		*s, all = all[:len(*s)], all[len(*s):]
	}
}

// interner shares the storage of strings many bindings repeat (User-Agent,
// auth user, MAC). It holds at most max strings; past that it returns its
// argument unchanged.
type interner struct {
	mu  sync.Mutex
	max int
	m   map[string]string
}

func newInterner(max int) *interner { return &interner{max: max, m: make(map[string]string)} }

func (in *interner) intern(s string) string {
	in.mu.Lock()
	defer in.mu.Unlock()
	if v, ok := in.m[s]; ok {
		return v
	}
	if len(in.m) >= in.max {
		return s
	}
	s = strings.Clone(s)
	in.m[s] = s
	return s
}
