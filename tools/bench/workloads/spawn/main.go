// spawn: goroutine creation and exit, nothing else.  Batches of 64
// goroutines that each call wg.Done and return; one park per batch (the
// main goroutine's wg.Wait).  Unit: one goroutine lifecycle.
//
// -depth N runs the go statement N calls deeper than it otherwise is (about
// 5 frames below the goroutine's entry), so that the creation stack walk
// has that many more frames to follow.
package main

import (
	"flag"
	"sync"
	"time"

	"gostray.bench/harness"
)

const batch = 64

var depth = flag.Int("depth", 0, "extra `N` calls between the goroutine's entry and the go statement")

func spawnBatches(until time.Time) uint64 {
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
}

//go:noinline
func nested(left int, until time.Time) uint64 {
	if left > 0 {
		return nested(left-1, until) + 0
	}
	return spawnBatches(until)
}

func main() {
	harness.Run("goroutine", nil, func(until time.Time) uint64 {
		return nested(*depth, until)
	})
}
