package main

// time.Ticker never stopped: a poller that loops on its ticker with no way
// out; the goroutine (and the ticker) live for good.

import (
	"sync/atomic"
	"time"
)

func init() { declare(kindLeak, "ticker-loop") }

var polls int64

func pollForever(every time.Duration) {
	t := time.NewTicker(every) // never t.Stop(), no quit channel
	for range t.C {
		atomic.AddInt64(&polls, 1)
	}
}

func tickersNeverStopped(n int) {
	for i := 0; i < n; i++ {
		spawned("ticker-loop")
		go pollForever(250 * time.Millisecond) // site:ticker-loop
		leaked("ticker-loop", 1)
	}
}
