package console

import "sync"

// recent keeps the last maxJobs items of one kind (uploaded imports, bulk
// actions) by id, for their pages to poll: adding one past the bound
// forgets the oldest, unless the oldest says it may not go yet.
type recent[T interface{ evictable() bool }] struct {
	mu   sync.Mutex
	byID map[string]T
	ids  []string
}

func (r *recent[T]) add(id string, v T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byID == nil {
		r.byID = map[string]T{}
	}
	if len(r.ids) >= maxJobs && r.byID[r.ids[0]].evictable() {
		delete(r.byID, r.ids[0])
		r.ids = r.ids[1:]
	}
	r.byID[id] = v
	r.ids = append(r.ids, id)
}

func (r *recent[T]) get(id string) (T, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.byID[id]
	return v, ok
}
