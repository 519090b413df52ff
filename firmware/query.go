package firmware

import "fmt"

// SetTarget makes version the firmware model should run; the version must
// have been added for that model (ErrNotFound). An empty version clears the
// model's target.
func (s *Store) SetTarget(model, version string) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	old := s.snapshot()
	if version == "" {
		if _, ok := old.targets[model]; !ok {
			return nil
		}
		st := old.clone()
		delete(st.targets, model)
		return s.commit(st)
	}
	if _, ok := old.entries[key{model, version}]; !ok {
		return fmt.Errorf("setting target of %q to %q: %w", model, version, ErrNotFound)
	}
	if old.targets[model] == version {
		return nil
	}
	st := old.clone()
	st.targets[model] = version
	return s.commit(st)
}

// Target returns the entry of model's target version, if one is set.
func (s *Store) Target(model string) (Entry, bool) {
	st := s.snapshot()
	v, ok := st.targets[model]
	if !ok {
		return Entry{}, false
	}
	e, ok := st.entries[key{model, v}]
	return e, ok
}

// List returns every entry, sorted by model and then by version in
// CompareVersions order.
func (s *Store) List() []Entry { return sortedEntries(s.snapshot()) }

// Lookup returns the entry for model and version.
func (s *Store) Lookup(model, version string) (Entry, bool) {
	e, ok := s.snapshot().entries[key{model, version}]
	return e, ok
}

// ByFilename resolves a phone's request for filename (exact, case-sensitive
// match) to an entry of model: the target version when it carries that
// name, else the highest version that does.
func (s *Store) ByFilename(model, filename string) (Entry, bool) {
	st := s.snapshot()
	if v, ok := st.targets[model]; ok {
		if e := st.entries[key{model, v}]; e.Filename == filename {
			return e, true
		}
	}
	var best Entry
	found := false
	for k, e := range st.entries {
		if k.model != model || e.Filename != filename {
			continue
		}
		if c := CompareVersions(e.Version, best.Version); !found || c > 0 || c == 0 && e.Version > best.Version {
			best, found = e, true
		}
	}
	return best, found
}

// Remove deletes the entry for model and version, and its blob when no
// other entry uses the same bytes. It refuses the model's target version
// (ErrIsTarget) and unknown entries (ErrNotFound).
func (s *Store) Remove(model, version string) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	old := s.snapshot()
	e, ok := old.entries[key{model, version}]
	if !ok {
		return fmt.Errorf("removing %q version %q: %w", model, version, ErrNotFound)
	}
	if old.targets[model] == version {
		return fmt.Errorf("removing %q version %q: %w", model, version, ErrIsTarget)
	}
	st := old.clone()
	delete(st.entries, key{model, version})
	if err := s.commit(st); err != nil {
		return err
	}
	if !st.references(e.SHA256) {
		s.removeBlob(e.SHA256)
	}
	return nil
}
