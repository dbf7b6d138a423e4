package main

import (
	"leakzoo/harness"
	"sync"
	"time"
)

// Healthy: bursts of goroutines that each work a little (sleep) and end;
// every burst drains before the next.
var siteBurst = harness.NewSite("burst", false)

func burstTask(i int, wg *sync.WaitGroup) {
	defer wg.Done()
	defer siteBurst.Done()
	time.Sleep(time.Duration(2+i%10) * time.Millisecond)
}

func runBursts(until time.Time) {
	var wg sync.WaitGroup
	for time.Now().Before(until) {
		wg.Add(200)
		for i := 0; i < 200; i++ {
			siteBurst.Spawn()
			go burstTask(i, &wg) // site:burst
		}
		wg.Wait()
		time.Sleep(200 * time.Millisecond)
	}
}
