package firmware

import (
	"bytes"
	"io"
	"testing"
)

// TestOpen reads an added image back through Open; a removed one is gone.
func TestOpen(t *testing.T) {
	s, _ := openStore(t, "", Config{})
	img := image(5000, 3)
	e, err := s.Add(bytes.NewReader(img), "CP-7841", "12.0.1", "cp7841.loads")
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.Open(e)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(f)
	f.Close()
	if err != nil || !bytes.Equal(got, img) {
		t.Fatalf("read %d bytes (%v), want the %d added", len(got), err, len(img))
	}
	if err := s.Remove("CP-7841", "12.0.1"); err != nil {
		t.Fatal(err)
	}
	if f, err := s.Open(e); err == nil {
		f.Close()
		t.Fatal("Open of a removed image succeeded")
	}
	if _, err := s.Open(Entry{SHA256: "../x"}); err == nil {
		t.Fatal("Open of an entry without a sha256 succeeded")
	}
}
