package firmware

import (
	"io"
	"net/http"
	"testing"
)

// BenchmarkServe1MiB downloads a 1 MiB image over loopback HTTP, one
// request at a time on a kept-alive connection; MB/s is the figure.
func BenchmarkServe1MiB(b *testing.B) {
	s, _ := openStore(b, "", Config{})
	mustAdd(b, s, image(1<<20, 1), "T46S", "66.86.0.15", "fw.rom")
	srv := fwServer(b, s, "T46S")
	url := srv.URL + "/fw/fw.rom"
	b.SetBytes(1 << 20)
	for b.Loop() {
		resp, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || n != 1<<20 || resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d, %d bytes, %v", resp.StatusCode, n, err)
		}
	}
}

func BenchmarkCompareVersions(b *testing.B) {
	for b.Loop() {
		CompareVersions("11.3.7MPP0001", "11.3.7MPP0201")
		CompareVersions("5.9.4.3247", "5.9.10.1")
	}
}
