package digest

import (
	"slices"
	"testing"
)

// keysOldestFirst lists l's keys from the least recently used on.
func keysOldestFirst(l *lru[int, int]) []int {
	var out []int
	for i := l.node(0).prev; i != 0; i = l.node(i).prev {
		out = append(out, l.node(i).key)
	}
	return out
}

func TestLRUOrder(t *testing.T) {
	type op struct {
		do   string // add, get, remove
		k    int
		want []int // keys oldest first after the op
	}
	for _, tc := range []struct {
		name    string
		max     int
		ops     []op
		evicted []int
	}{
		{"adds keep order", 3, []op{{"add", 1, []int{1}}, {"add", 2, []int{1, 2}}, {"add", 3, []int{1, 2, 3}}}, nil},
		{"get makes newest", 3, []op{{"add", 1, nil}, {"add", 2, nil}, {"add", 3, nil}, {"get", 1, []int{2, 3, 1}}}, nil},
		{"full evicts oldest", 2, []op{{"add", 1, nil}, {"add", 2, nil}, {"get", 1, nil}, {"add", 3, []int{1, 3}}, {"add", 4, []int{3, 4}}}, []int{2, 1}},
		{"remove frees a slot", 2, []op{{"add", 1, nil}, {"add", 2, nil}, {"remove", 1, []int{2}}, {"add", 3, []int{2, 3}}, {"remove", 3, []int{2}}, {"remove", 2, []int{}}, {"add", 4, []int{4}}}, nil},
		{"remove of an absent key", 2, []op{{"add", 1, nil}, {"remove", 9, []int{1}}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLRU[int, int](tc.max)
			var evicted []int
			for i, o := range tc.ops {
				switch o.do {
				case "add":
					l.add(o.k, o.k*10, func(k int, v *int) {
						if *v != k*10 {
							t.Errorf("evicted %d with value %d", k, *v)
						}
						evicted = append(evicted, k)
					})
				case "get":
					if v := l.get(o.k); v == nil || *v != o.k*10 {
						t.Fatalf("op %d: get %d = %v", i, o.k, v)
					}
				case "remove":
					l.remove(o.k)
				}
				if got := keysOldestFirst(l); o.want != nil && !slices.Equal(got, o.want) {
					t.Fatalf("op %d (%s %d): keys %v, want %v", i, o.do, o.k, got, o.want)
				}
				if l.len() != len(keysOldestFirst(l)) {
					t.Fatalf("op %d: len %d, list %v", i, l.len(), keysOldestFirst(l))
				}
			}
			if !slices.Equal(evicted, tc.evicted) {
				t.Errorf("evicted %v, want %v", evicted, tc.evicted)
			}
			if k, v, ok := l.oldest(); ok && (k != keysOldestFirst(l)[0] || *v != k*10) {
				t.Errorf("oldest %d=%d, list %v", k, *v, keysOldestFirst(l))
			}
		})
	}
}

// TestLRUPointersStable checks that a value's pointer survives the table
// growing by several chunks, and that removed entries are reused before new
// chunks are allocated.
func TestLRUPointersStable(t *testing.T) {
	l := newLRU[int, int](10 * lruChunk)
	p := l.add(-1, 7, nil)
	for k := range 3 * lruChunk {
		l.add(k, k*10, nil)
	}
	*p = 8
	if v := l.get(-1); v != p || *v != 8 {
		t.Fatalf("get after growth: %p=%v, want %p=8", v, v, p)
	}
	chunks := len(l.chunks)
	for k := range lruChunk {
		l.remove(k)
	}
	for k := range lruChunk {
		l.add(1e6+k, k, nil)
	}
	if len(l.chunks) != chunks || l.len() != 3*lruChunk+1 {
		t.Errorf("chunks %d (was %d), len %d", len(l.chunks), chunks, l.len())
	}
	if _, _, ok := newLRU[int, int](1).oldest(); ok {
		t.Error("oldest of an empty table")
	}
}
