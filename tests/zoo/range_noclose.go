package main

// A range over a channel nobody closes: the request hands its items to a
// consumer goroutine and returns; the producer forgot close(items), so
// the consumer's range never ends.

import "sync/atomic"

func init() { declare(kindLeak, "range-noclose") }

var consumed int64

func consumeAll(items <-chan int) {
	for v := range items {
		atomic.AddInt64(&consumed, int64(v))
	}
}

func rangeNoClose(n int) {
	for i := 0; i < n; i++ {
		items := make(chan int)
		spawned("range-noclose")
		go consumeAll(items) // site:range-noclose
		for v := 1; v <= 3; v++ {
			items <- v
		}
		// missing: close(items)
		leaked("range-noclose", 1)
	}
}
