package templates

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// loadOverrides reads the override folder (layout in RendererConfig):
// family scopes first, so model and device overrides build on them.
func (r *Renderer) loadOverrides(dir string, cat *Catalog) error {
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrOverrideDir, err)
	}
	if !info.IsDir() {
		return fmt.Errorf("%w: %s: not a folder", ErrOverrideDir, dir)
	}
	fsys := os.DirFS(dir)
	top, err := subdirs(fsys, ".", dir)
	if err != nil {
		return err
	}
	for _, name := range top {
		if name != "family" && name != "model" && name != "device" {
			return fmt.Errorf("%w: %s: want family/, model/ or device/", ErrOverrideDir, filepath.Join(dir, name))
		}
	}
	steps := []struct {
		name string
		load func(fs.FS, string, string, *Catalog) error
	}{{"family", r.loadFamilyOverride}, {"model", r.loadModelOverride}, {"device", r.loadDeviceOverride}}
	for _, step := range steps {
		if !slices.Contains(top, step.name) {
			continue
		}
		names, err := subdirs(fsys, step.name, filepath.Join(dir, step.name))
		if err != nil {
			return err
		}
		for _, name := range names {
			if err := step.load(fsys, path.Join(step.name, name), filepath.Join(dir, step.name, name), cat); err != nil {
				return err
			}
		}
	}
	return nil
}

// subdirs lists the folders of dir, refusing plain files (dot files aside).
func subdirs(fsys fs.FS, dir, shown string) ([]string, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOverrideDir, err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if !e.IsDir() {
			return nil, fmt.Errorf("%w: %s: want a folder", ErrOverrideDir, filepath.Join(shown, e.Name()))
		}
		out = append(out, e.Name())
	}
	return out, nil
}

// overrideFiles reads one override folder and checks its kinds exist in
// the scope it overrides.
func overrideFiles(fsys fs.FS, dir, shown string, kinds func(string) bool) ([]tmplFile, error) {
	files, err := readTmplDir(fsys, dir, shown)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOverrideDir, err)
	}
	for _, f := range files {
		if f.kind != "" && !kinds(f.kind) {
			return nil, fmt.Errorf("%w: %s: %w %q", ErrOverrideDir, f.name, ErrUnknownKind, f.kind)
		}
	}
	return files, nil
}

// loadFamilyOverride handles family/<family>/.
func (r *Renderer) loadFamilyOverride(fsys fs.FS, dir, shown string, _ *Catalog) error {
	name := path.Base(dir)
	base, ok := r.base[name]
	if !ok {
		return fmt.Errorf("%w: %s: %w %q", ErrOverrideDir, shown, ErrUnknownFamily, name)
	}
	files, err := overrideFiles(fsys, dir, shown, func(k string) bool { return base.kinds[k] != nil })
	if err != nil {
		return err
	}
	s, err := buildScope(base, files, sampleModel(name))
	if err != nil {
		return err
	}
	r.base[name], r.sets[name] = s, s.set()
	return nil
}

// loadModelOverride handles model/<Key(model)>/.
func (r *Renderer) loadModelOverride(fsys fs.FS, dir, shown string, cat *Catalog) error {
	m, ok := cat.Lookup(path.Base(dir))
	if !ok {
		return fmt.Errorf("%w: %s: no catalog model %q", ErrOverrideDir, shown, path.Base(dir))
	}
	key := Key(m.Model)
	if _, dup := r.byModel[key]; dup {
		return fmt.Errorf("%w: %s: model %q already has an override folder", ErrOverrideDir, shown, m.Model)
	}
	base, ok := r.base[m.Family]
	if !ok {
		return fmt.Errorf("%w: %s: model %q: %w %q", ErrOverrideDir, shown, m.Model, ErrUnknownFamily, m.Family)
	}
	files, err := overrideFiles(fsys, dir, shown, func(k string) bool { return base.kinds[k] != nil })
	if err != nil {
		return err
	}
	s, err := buildScope(base, files, m)
	if err != nil {
		return err
	}
	r.byModel[key] = s.set()
	return nil
}

// loadDeviceOverride handles device/<mac>/. The device's family is not
// known before it asks, so the folder is built for every family that has
// its kinds and whose format it fits (it parses, passes the escaping lint
// and runs on the sample configs there); it is an error when it fits none.
func (r *Renderer) loadDeviceOverride(fsys fs.FS, dir, shown string, _ *Catalog) error {
	mac := strings.ToLower(path.Base(dir))
	if len(mac) != 12 || !isHexString(mac) {
		return fmt.Errorf("%w: %s: want a MAC of 12 hex digits", ErrOverrideDir, shown)
	}
	if _, dup := r.byDevice[mac]; dup {
		return fmt.Errorf("%w: %s: device %s already has an override folder", ErrOverrideDir, shown, mac)
	}
	anyKind := func(k string) bool {
		for _, s := range r.base {
			if s.kinds[k] != nil {
				return true
			}
		}
		return false
	}
	files, err := overrideFiles(fsys, dir, shown, anyKind)
	if err != nil {
		return err
	}
	byFam := make(map[string]*templateSet)
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(r.base)) {
		base := r.base[name]
		var mine []tmplFile
		for _, f := range files {
			if f.kind == "" || base.kinds[f.kind] != nil {
				mine = append(mine, f)
			}
		}
		if !slices.ContainsFunc(mine, func(f tmplFile) bool { return f.kind != "" }) {
			continue
		}
		s, err := buildScope(base, mine, sampleModel(name))
		if err != nil {
			errs = append(errs, fmt.Errorf("as %s: %w", name, err))
			continue
		}
		byFam[name] = s.set()
	}
	if len(byFam) == 0 {
		return fmt.Errorf("%w: %s: fits no family: %w", ErrTemplate, shown, errors.Join(errs...))
	}
	r.byDevice[mac] = byFam
	return nil
}

// buildScope clones base, parses the override files into it and checks
// the result.
func buildScope(base *scope, files []tmplFile, m Model) (*scope, error) {
	s, err := base.clone()
	if err != nil {
		return nil, err
	}
	if err := s.parse(files); err != nil {
		return nil, err
	}
	if err := validateScope(s, m); err != nil {
		return nil, err
	}
	return s, nil
}
