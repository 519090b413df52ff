package templates

// addedCatalogFamilies are the template families added for the wider
// catalog (render_families.go), accepted besides catalogFamilies.
var addedCatalogFamilies = map[string]bool{
	"aastra": true, "htek": true, "gigaset": true, "avaya": true, "panasonic": true, "ale": true,
	"akuvox": true, "audiocodes": true, "algo": true, "cyberdata": true, "2n": true, "fanvil-legacy": true,
}
