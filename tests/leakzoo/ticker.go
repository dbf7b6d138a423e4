package main

import (
	"leakzoo/harness"
	"time"
)

// A poller on a time.Ticker nobody stops: it wakes up every period,
// forever (mostly parked on the ticker's channel).
var siteTicker = harness.NewSite("ticker-forever", true)

func pollStatus(period time.Duration) {
	t := time.NewTicker(period)
	polls := 0
	for range t.C {
		polls++
	}
}

func tickerLeak(n int) {
	for i := 0; i < n; i++ {
		siteTicker.Spawn()
		go pollStatus(200 * time.Millisecond) // site:ticker-forever
	}
}
