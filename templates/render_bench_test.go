package templates

import (
	"io"
	"maps"
	"slices"
	"testing"
)

// BenchmarkRender renders the per-device file of each family.
func BenchmarkRender(b *testing.B) {
	r := newTestRenderer(b, "")
	for _, fam := range slices.Sorted(maps.Keys(familyDefs)) {
		kind := KindDevice
		if fam == "polycom" {
			kind = KindPhone
		}
		cfg := goldenConfig(fam)
		b.Run(fam, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Render(io.Discard, kind, cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
