package provision

import (
	"fmt"
	"testing"
)

// TestConfigCacheBounds: the rendered-file cache stays within its entry
// and byte bounds, drops stale generations first, and keeps its byte
// count true.
func TestConfigCacheBounds(t *testing.T) {
	for _, tc := range []struct {
		name            string
		max, maxBytes   int
		n, size         int
		wantMaxEntries  int
		wantMaxBytesCap int
	}{
		{"entries bound", 100, 1 << 20, 1000, 100, 100, 1 << 20},
		{"bytes bound", 100000, 64 << 10, 1000, 1000, 65, 64 << 10},
		{"file too big for the cache is not kept", 100, 8 << 10, 10, 2 << 10, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConfigCache(tc.max, tc.maxBytes)
			for i := 0; i < tc.n; i++ {
				c.put(cacheKey{mac: fmt.Sprintf("%012x", i)}, &rendered{gen: 1, body: make([]byte, tc.size)})
				sum := 0
				for _, e := range c.m {
					sum += e.size()
				}
				if sum != c.bytes {
					t.Fatalf("after %d puts the cache counts %d bytes, holds %d", i+1, c.bytes, sum)
				}
				if len(c.m) > tc.wantMaxEntries || c.bytes > tc.maxBytes {
					t.Fatalf("after %d puts: %d entries, %d bytes; bounds %d entries, %d bytes", i+1, len(c.m), c.bytes, tc.wantMaxEntries, tc.maxBytes)
				}
			}
			if tc.wantMaxEntries > 0 && len(c.m) == 0 {
				t.Fatal("cache empty")
			}
		})
	}
	// A newer generation evicts the stale entries first.
	c := newConfigCache(10, 1<<20)
	for i := 0; i < 10; i++ {
		c.put(cacheKey{mac: fmt.Sprint(i)}, &rendered{gen: 1, body: []byte("x")})
	}
	c.put(cacheKey{mac: "new"}, &rendered{gen: 2, body: []byte("y")})
	if len(c.m) != 1 || c.get(cacheKey{mac: "new"}, 2) == nil {
		t.Fatalf("after a generation change the cache holds %d entries", len(c.m))
	}
}
