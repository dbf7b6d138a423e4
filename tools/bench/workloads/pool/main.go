// pool: a fixed pool of workers fed by a buffered channel, the shape of most
// Go services' background processing.  Workers park when the queue is
// empty, the producer when it is full; no goroutine is created while
// measuring.  Unit: one job (~100 ns of arithmetic).
package main

import (
	"sync"
	"time"

	"gostray.bench/harness"
)

const (
	workers = 4
	queue   = 16
	batch   = 256
)

var sink uint64

func work(j uint64) uint64 {
	x := j
	for i := 0; i < 64; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x
}

func main() {
	jobs := make(chan uint64, queue)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for w := 0; w < workers; w++ {
		go func() {
			var local uint64
			for j := range jobs {
				local += work(j)
				wg.Done()
			}
			mu.Lock()
			sink += local
			mu.Unlock()
		}()
	}
	harness.Run("job", nil, func(until time.Time) uint64 {
		var n uint64
		for time.Now().Before(until) {
			wg.Add(batch)
			for i := 0; i < batch; i++ {
				jobs <- n + uint64(i)
			}
			wg.Wait()
			n += batch
		}
		return n
	})
}
