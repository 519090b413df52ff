package digest

// lruChunk is how many entries an lru allocates at a time. Entries never
// move, so a pointer returned by get or add stays valid until its entry is
// removed or evicted.
const lruChunk = 256

// lru is a map bounded to max entries that forgets the least recently used
// one to make room. The entries live in chunks and are linked by index, so
// each costs its key, its value, two int32 links and a map slot, with no
// pointer of its own for the garbage collector to follow. It is not safe for
// concurrent use.
type lru[K comparable, V any] struct {
	max    int
	items  map[K]int32
	chunks [][]lruNode[K, V]
	used   int32 // entries handed out from the chunks, the sentinel included
	free   int32 // first entry of the free list (linked by next), or -1
}

// lruNode is one entry; entry 0 is the sentinel, whose next is the newest
// entry and prev the oldest.
type lruNode[K comparable, V any] struct {
	key        K
	val        V
	prev, next int32
}

func newLRU[K comparable, V any](max int) *lru[K, V] {
	l := &lru[K, V]{max: max, items: make(map[K]int32), free: -1}
	l.alloc() // the sentinel, linked to itself
	return l
}

func (l *lru[K, V]) node(i int32) *lruNode[K, V] { return &l.chunks[i/lruChunk][i%lruChunk] }

// alloc returns the index of an unused entry.
func (l *lru[K, V]) alloc() int32 {
	if i := l.free; i >= 0 {
		l.free = l.node(i).next
		return i
	}
	i := l.used
	if i%lruChunk == 0 {
		l.chunks = append(l.chunks, make([]lruNode[K, V], lruChunk))
	}
	l.used++
	return i
}

// len returns the number of entries.
func (l *lru[K, V]) len() int { return len(l.items) }

// get returns the value of k, marked as the most recently used, or nil.
func (l *lru[K, V]) get(k K) *V {
	i, ok := l.items[k]
	if !ok {
		return nil
	}
	l.unlink(i)
	l.pushFront(i)
	return &l.node(i).val
}

// add inserts k, which must be absent, as the most recently used entry and
// returns its value. When full it first forgets the oldest entry, passing it
// to evicted (which may be nil).
func (l *lru[K, V]) add(k K, v V, evicted func(K, *V)) *V {
	var i int32
	if oldest := l.node(0).prev; len(l.items) >= l.max && oldest != 0 {
		n := l.node(oldest)
		if evicted != nil {
			evicted(n.key, &n.val)
		}
		l.unlink(oldest)
		delete(l.items, n.key)
		i = oldest
	} else {
		i = l.alloc()
	}
	n := l.node(i)
	n.key, n.val = k, v
	l.items[k] = i
	l.pushFront(i)
	return &n.val
}

// oldest returns the least recently used entry, or ok false when empty.
func (l *lru[K, V]) oldest() (k K, v *V, ok bool) {
	i := l.node(0).prev
	if i == 0 {
		return k, nil, false
	}
	n := l.node(i)
	return n.key, &n.val, true
}

// remove forgets k if present.
func (l *lru[K, V]) remove(k K) {
	i, ok := l.items[k]
	if !ok {
		return
	}
	l.unlink(i)
	delete(l.items, k)
	n := l.node(i)
	*n = lruNode[K, V]{next: l.free} // drop what the value refers to
	l.free = i
}

func (l *lru[K, V]) unlink(i int32) {
	n := l.node(i)
	l.node(n.prev).next, l.node(n.next).prev = n.next, n.prev
	n.prev, n.next = 0, 0
}

func (l *lru[K, V]) pushFront(i int32) {
	root, n := l.node(0), l.node(i)
	n.prev, n.next = 0, root.next
	l.node(root.next).prev = i
	root.next = i
}
