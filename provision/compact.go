package provision

import (
	"bytes"
	"sync"
)

// The rendered-file cache keeps a device's file as a delta against a base:
// the first file of the same model and kind rendered in the store's current
// generation. Files of one model differ only in a few lines (MAC, user,
// passwords, display name), so a 4 KiB config takes a few hundred bytes and
// 100,000 phones' files fit in memory (a whole body each would take 420 MB).
// Putting a file back together is a copy of its spans into a pooled buffer.

// base is the file others of its model and kind are kept against.
type base struct {
	body []byte
	line map[string]int32 // a line (with its newline) -> its first offset in body
}

func newBase(body []byte) *base {
	b := &base{body: body, line: make(map[string]int32)}
	for off := 0; off < len(body); {
		n := lineLen(body[off:])
		k := string(body[off : off+n])
		if _, ok := b.line[k]; !ok {
			b.line[k] = int32(off)
		}
		off += n
	}
	return b
}

// lineLen is the length of the first line of b, its newline included.
func lineLen(b []byte) int {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return i + 1
	}
	return len(b)
}

// delta is a body as spans taken from a base's body or from lit. A span is
// two words: its offset (litSpan set: in lit) and its length.
type delta struct {
	base  *base
	lit   []byte
	spans []uint32
	n     int // the body's length
}

const litSpan = 1 << 31

// encode makes body a delta against b; nil when that would save less than a
// quarter (the body is then kept whole).
func encode(b *base, body []byte) *delta {
	if len(body) >= litSpan || len(b.body) >= litSpan {
		return nil
	}
	d := &delta{base: b, n: len(body)}
	var spans []uint32
	next := -1 // the base offset right after the last base span
	var lit []byte
	for off := 0; off < len(body); {
		n := lineLen(body[off:])
		line := body[off : off+n]
		off += n
		last := len(spans) - 2
		if next >= 0 && bytes.HasPrefix(b.body[next:], line) {
			spans[last+1] += uint32(n) // the base's next line: the span goes on
			next += n
			continue
		}
		if at, ok := b.line[string(line)]; ok {
			spans = append(spans, uint32(at), uint32(n))
			next = int(at) + n
			continue
		}
		next = -1
		if last >= 0 && spans[last]&litSpan != 0 {
			spans[last+1] += uint32(n)
		} else {
			spans = append(spans, uint32(len(lit))|litSpan, uint32(n))
		}
		lit = append(lit, line...)
	}
	if len(lit)+4*len(spans) > len(body)*3/4 {
		return nil
	}
	// exact-size copies: the cache keeps these for as long as the generation
	d.lit = append([]byte(nil), lit...)
	d.spans = append([]uint32(nil), spans...)
	return d
}

// appendTo appends the body to dst.
func (d *delta) appendTo(dst []byte) []byte {
	for i := 0; i < len(d.spans); i += 2 {
		off, n := d.spans[i], d.spans[i+1]
		if off&litSpan != 0 {
			off &^= litSpan
			dst = append(dst, d.lit[off:off+n]...)
		} else {
			dst = append(dst, d.base.body[off:off+n]...)
		}
	}
	return dst
}

// size is what the delta holds besides its base.
func (d *delta) size() int { return len(d.lit) + 4*len(d.spans) }

// bodyPool holds the buffers cached files are put back together in.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// maxPooled is the largest buffer given back to the pool.
const maxPooled = 64 << 10

// bodyOf returns e's body: the cached slice when kept whole, else put back
// together in a pooled buffer, returned as buf for releaseBody.
func (e *rendered) bodyOf() (body []byte, buf *[]byte) {
	if e.delta == nil {
		return e.body, nil
	}
	buf = bodyPool.Get().(*[]byte)
	*buf = e.delta.appendTo((*buf)[:0])
	return *buf, buf
}

// releaseBody gives a buffer from bodyOf back; the body must no longer be
// used.
func releaseBody(buf *[]byte) {
	if buf != nil && cap(*buf) <= maxPooled {
		bodyPool.Put(buf)
	}
}

// bases are the current generation's bases by model and kind.
type bases struct {
	mu  sync.Mutex
	gen uint64
	m   map[[2]string]*base
}

// compact keeps e's body as a delta against its model's base of generation
// gen, making the body the base when there is none yet.
func (bs *bases) compact(gen uint64, model, kind string, e *rendered) {
	k := [2]string{model, kind}
	bs.mu.Lock()
	if gen < bs.gen {
		bs.mu.Unlock()
		return // rendered before a change: kept whole, soon stale
	}
	if gen > bs.gen || bs.m == nil {
		bs.gen, bs.m = gen, make(map[[2]string]*base)
	}
	b := bs.m[k]
	if b == nil {
		bs.m[k] = newBase(e.body)
		bs.mu.Unlock()
		return // kept whole: it is the base
	}
	bs.mu.Unlock()
	if d := encode(b, e.body); d != nil {
		e.delta, e.body = d, nil
	}
}
