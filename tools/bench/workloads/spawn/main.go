// spawn: goroutine creation and exit, nothing else.  Batches of 64
// goroutines that each call wg.Done and return; one park per batch (the
// main goroutine's wg.Wait).  Unit: one goroutine lifecycle.
package main

import (
	"sync"
	"time"

	"gostray.bench/harness"
)

const batch = 64

func main() {
	harness.Run("goroutine", nil, func(until time.Time) uint64 {
		var wg sync.WaitGroup
		var n uint64
		for time.Now().Before(until) {
			for b := 0; b < 16; b++ {
				wg.Add(batch)
				for i := 0; i < batch; i++ {
					go func() { wg.Done() }()
				}
				wg.Wait()
			}
			n += 16 * batch
		}
		return n
	})
}
