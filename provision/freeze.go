package provision

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/templates"
)

// Freeze renders the frozen config of an unsupported device at import:
// every file kind its family has, with its lines as they are now, as the
// JSON map kind → FrozenFile the config server serves from then on. It is
// the devicedb.FreezeFunc the Classic import takes.
func (p *Phones) Freeze(d *devicedb.Device, m templates.Model) ([]byte, error) {
	return freeze(p.render, p.deviceConfig(d, m, ""), m)
}

// Freezer returns a devicedb.FreezeFunc for a process without a config
// server (phoneprov import against a stopped server's data directory):
// the same rendering as Phones.Freeze with settings s.
func Freezer(r *templates.Renderer, s Settings) (devicedb.FreezeFunc, error) {
	if r == nil {
		return nil, errors.New("provision: freezer needs a renderer")
	}
	if err := s.defaults(); err != nil {
		return nil, err
	}
	p := &Phones{render: r, set: s}
	return p.Freeze, nil
}

func freeze(r *templates.Renderer, cfg *templates.DeviceConfig, m templates.Model) ([]byte, error) {
	files := map[string]FrozenFile{}
	for _, kind := range r.Kinds(m.Family) {
		var buf bytes.Buffer
		ct, err := r.Render(&buf, kind, cfg)
		if errors.Is(err, templates.ErrUnknownKind) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("freezing %s %s: %w", m.Model, kind, err)
		}
		files[kind] = FrozenFile{ContentType: ct, Body: buf.String()}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("freezing %s: its family %s renders no file", m.Model, m.Family)
	}
	return json.Marshal(files)
}
