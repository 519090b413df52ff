package firmware

import (
	"path/filepath"
	"strings"
	"testing"
)

// FuzzCompareVersions checks that CompareVersions is a total preorder:
// reflexive, antisymmetric and transitive, and that VersionLess agrees.
func FuzzCompareVersions(f *testing.F) {
	f.Add("5.9.4.3247", "5.9.10.1", "6.0")
	f.Add("66.86.0.15", "66.86.0.160", "66.86.0.16")
	f.Add("1.0.5.48a", "1.0.5.48", "1.0.5.48.0")
	f.Add("11.3.7MPP0001", "11-3-7", "11.3.7mpp0001")
	f.Add("", "0", "0.a")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		if CompareVersions(a, a) != 0 || VersionLess(a, a) {
			t.Fatalf("%q not equal to itself", a)
		}
		ab, ba := CompareVersions(a, b), CompareVersions(b, a)
		if ab != -ba || ab < -1 || ab > 1 {
			t.Fatalf("Compare(%q, %q) = %d but Compare(%q, %q) = %d", a, b, ab, b, a, ba)
		}
		if VersionLess(a, b) && VersionLess(b, a) {
			t.Fatalf("%q < %q and %q < %q", a, b, b, a)
		}
		if VersionLess(a, b) != (ab < 0) {
			t.Fatalf("VersionLess(%q, %q) disagrees with Compare", a, b)
		}
		bc, ac := CompareVersions(b, c), CompareVersions(a, c)
		if ab <= 0 && bc <= 0 && ac > 0 {
			t.Fatalf("%q <= %q <= %q but %q > %q", a, b, c, a, c)
		}
		if ab == 0 && bc == 0 && ac != 0 {
			t.Fatalf("%q == %q == %q but Compare(%q, %q) = %d", a, b, c, a, c, ac)
		}
	})
}

// FuzzNoneMatch checks noneMatch against http.ServeContent: a header it
// accepts must get a bodiless 304, one it refuses must not.
func FuzzNoneMatch(f *testing.F) {
	const etag = `"0123456789abcdef"`
	f.Add(etag)
	f.Add(`W/` + etag)
	f.Add(`"x", ` + etag)
	f.Add(`*`)
	f.Add(`"x" junk`)
	f.Fuzz(func(t *testing.T, h string) {
		if got, want := noneMatch(h, etag), serveContentNotModified(h, etag); got != want {
			t.Fatalf("noneMatch(%q) = %v, ServeContent 304: %v", h, got, want)
		}
	})
}

// FuzzCheckNames checks that an accepted file name stays inside the store
// and needs no escaping in a URL path, and that no input panics.
func FuzzCheckNames(f *testing.F) {
	f.Add("VVX 410", "5.9.4.3247", "3111-46162-001.sip.ld")
	f.Add("T31P", "124.86.0.75", "T31(T30,T30P,T31G,T31P,T33P,T33G)-124.86.0.75.rom")
	f.Add("x", "1", "../../etc/passwd")
	f.Add("x\n", "1 2", `..\x`)
	f.Fuzz(func(t *testing.T, model, version, file string) {
		if checkNames(model, version, file) != nil {
			return
		}
		dir := filepath.Join("store", "blobs")
		if p := filepath.Join(dir, file); filepath.Dir(p) != dir || filepath.Base(p) != file {
			t.Fatalf("accepted %q resolves to %q", file, p)
		}
		if strings.ContainsAny(file, "/\\?#% \"") || strings.HasPrefix(file, ".") {
			t.Fatalf("accepted file name %q", file)
		}
		if strings.ContainsAny(version, " \t\r\n/") || strings.TrimSpace(model) != model {
			t.Fatalf("accepted model %q version %q", model, version)
		}
	})
}
