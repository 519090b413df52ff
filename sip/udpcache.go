package sip

import (
	"hash/maphash"
	"net/http"
	"strconv"
	"sync"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// answered remembers the final answers sent to UDP REGISTERs for a few
// seconds, so that a retransmission (the phone did not get the answer in
// T1, or the server was slow) gets the same answer again instead of being
// handled anew — its nonce count is spent, so it would get 401 stale=true,
// and SIP stacks that expect the 200 count the registration as failed.
// This is the part of a server transaction a stateless registrar needs.
//
// Entries live between one and two rotation periods (two generations of
// maps per shard); each generation holds at most maxPerGen entries, past
// which answers are simply not remembered.
type answered struct {
	seed   maphash.Seed
	period time.Duration
	max    int
	shards [16]answeredShard
}

type answeredShard struct {
	mu        sync.Mutex
	cur, prev map[string][]byte
	rotated   time.Time
}

func newAnswered(period time.Duration, maxEntries int) *answered {
	a := &answered{seed: maphash.MakeSeed(), period: period, max: maxEntries / 32}
	for i := range a.shards {
		a.shards[i].cur = make(map[string][]byte)
	}
	return a
}

// txKey identifies a request the way RFC 3261 section 17.2.3 matches a
// server transaction: top Via branch and sent-by, CSeq, and the source it
// came from. It returns "" when the request cannot be matched (no RFC
// 3261 branch).
func txKey(req *sipmsg.Request) string {
	via, cseq := req.Via(), req.CSeq()
	if via == nil || cseq == nil {
		return ""
	}
	branch, _ := via.Params.Get("branch")
	if len(branch) < 8 || branch[:7] != sipmsg.RFC3261BranchMagicCookie {
		return ""
	}
	return branch + "|" + via.Host + ":" + strconv.Itoa(via.Port) + "|" + strconv.FormatUint(uint64(cseq.SeqNo), 10) + "|" + req.Source()
}

func (a *answered) shard(key string) *answeredShard {
	return &a.shards[maphash.String(a.seed, key)%uint64(len(a.shards))]
}

// get returns the answer sent to the request with key, if remembered.
func (a *answered) get(key string, now time.Time) ([]byte, bool) {
	s := a.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rotate(now, a.period)
	if b, ok := s.cur[key]; ok {
		return b, true
	}
	b, ok := s.prev[key]
	return b, ok
}

// put remembers answer for key.
func (a *answered) put(key string, answer []byte, now time.Time) {
	s := a.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rotate(now, a.period)
	if len(s.cur) < a.max {
		s.cur[key] = answer
	}
}

func (s *answeredShard) rotate(now time.Time, period time.Duration) {
	if now.Sub(s.rotated) < period {
		return
	}
	s.prev, s.cur = s.cur, make(map[string][]byte, len(s.cur))
	if now.Sub(s.rotated) >= 2*period {
		s.prev = nil // nothing recent
	}
	s.rotated = now
}

// dateCache keeps the Date header value of the current second, so that a
// burst of 200s formats it once.
type dateCache struct {
	mu   sync.Mutex
	sec  int64
	text string
}

func (d *dateCache) format(now time.Time) string {
	sec := now.Unix()
	d.mu.Lock()
	defer d.mu.Unlock()
	if sec != d.sec || d.text == "" {
		d.sec, d.text = sec, now.UTC().Format(http.TimeFormat)
	}
	return d.text
}
