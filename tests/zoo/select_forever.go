package main

// Select with no exit path: a background helper that "keeps running" with
// an empty select once its setup is done.

import "sync/atomic"

func init() { declare(kindLeak, "select-forever") }

var registered int64

func keepAlive() {
	atomic.AddInt64(&registered, 1)
	select {}
}

func selectNoExit(n int) {
	for i := 0; i < n; i++ {
		spawned("select-forever")
		go keepAlive() // site:select-forever
		leaked("select-forever", 1)
	}
}
