package firmware

import (
	"fmt"
	"os"
)

// Open opens e's image for reading (for servers other than HTTP, such as
// TFTP); the caller closes it. An entry whose blob is gone is an error.
func (s *Store) Open(e Entry) (*os.File, error) {
	if !isSHA256Hex(e.SHA256) {
		return nil, fmt.Errorf("firmware %s %s: no image", e.Model, e.Version)
	}
	return os.Open(s.blobPath(e.SHA256))
}
