package devicedb

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// BenchmarkDeviceConfigParallel is the config server's hot read from 64
// goroutines at once (a boot storm), alone and while the write-behind
// records (fetches, bindings) commit every 10 ms.
func BenchmarkDeviceConfigParallel(b *testing.B) {
	for _, writer := range []bool{false, true} {
		b.Run(fmt.Sprintf("writer=%v", writer), func(b *testing.B) {
			s, _ := openTest(b)
			macs := seedDevices(b, s, 1000)
			stop := make(chan struct{})
			var wg sync.WaitGroup
			if writer {
				wg.Add(1)
				go func() {
					defer wg.Done()
					tick := time.NewTicker(10 * time.Millisecond)
					defer tick.Stop()
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						case <-tick.C:
						}
						_ = s.RecordFetches(ctx, []FetchRecord{{MAC: macs[i%len(macs)], File: "x.cfg", Status: 200, At: time.Now(), IP: "127.0.0.1"}})
					}
				}()
			}
			b.SetParallelism(32)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					i++
					d, err := s.DeviceConfig(ctx, macs[i%len(macs)])
					if err != nil || len(d.Lines) != 1 {
						b.Error(d, err)
						return
					}
				}
			})
			b.StopTimer()
			close(stop)
			wg.Wait()
		})
	}
}
