package digest

// lru is a map bounded to max entries that forgets the least recently used
// one to make room. It is not safe for concurrent use.
type lru[K comparable, V any] struct {
	max   int
	items map[K]*lruNode[K, V]
	root  lruNode[K, V] // sentinel: root.next is the newest, root.prev the oldest
}

type lruNode[K comparable, V any] struct {
	key        K
	val        V
	prev, next *lruNode[K, V]
}

func newLRU[K comparable, V any](max int) *lru[K, V] {
	l := &lru[K, V]{max: max, items: make(map[K]*lruNode[K, V])}
	l.root.prev, l.root.next = &l.root, &l.root
	return l
}

// len returns the number of entries.
func (l *lru[K, V]) len() int { return len(l.items) }

// get returns the value of k, marked as the most recently used, or nil.
func (l *lru[K, V]) get(k K) *V {
	n := l.items[k]
	if n == nil {
		return nil
	}
	l.unlink(n)
	l.pushFront(n)
	return &n.val
}

// add inserts k, which must be absent, as the most recently used entry and
// returns its value. When full it first forgets the oldest entry, passing it
// to evicted (which may be nil).
func (l *lru[K, V]) add(k K, v V, evicted func(K, *V)) *V {
	var n *lruNode[K, V]
	if len(l.items) >= l.max && l.root.prev != &l.root {
		n = l.root.prev
		if evicted != nil {
			evicted(n.key, &n.val)
		}
		l.unlink(n)
		delete(l.items, n.key)
	} else {
		n = new(lruNode[K, V])
	}
	n.key, n.val = k, v
	l.items[k] = n
	l.pushFront(n)
	return &n.val
}

// oldest returns the least recently used entry, or ok false when empty.
func (l *lru[K, V]) oldest() (k K, v *V, ok bool) {
	n := l.root.prev
	if n == &l.root {
		return k, nil, false
	}
	return n.key, &n.val, true
}

// remove forgets k if present.
func (l *lru[K, V]) remove(k K) {
	if n := l.items[k]; n != nil {
		l.unlink(n)
		delete(l.items, k)
	}
}

func (l *lru[K, V]) unlink(n *lruNode[K, V]) {
	n.prev.next, n.next.prev = n.next, n.prev
	n.prev, n.next = nil, nil
}

func (l *lru[K, V]) pushFront(n *lruNode[K, V]) {
	n.prev, n.next = &l.root, l.root.next
	l.root.next.prev = n
	l.root.next = n
}
