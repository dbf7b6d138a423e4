package main

import (
	"leakzoo/harness"
	"sync"
	"sync/atomic"
	"time"
)

// Healthy: high churn, thousands of short goroutines per second, each
// ending at once.  Live ends at 0.
var siteChurn = harness.NewSite("churn", false)

var churned int64

func churnTask(wg *sync.WaitGroup) {
	defer wg.Done()
	defer siteChurn.Done()
	atomic.AddInt64(&churned, 1)
}

func runChurn(until time.Time) {
	var wg sync.WaitGroup
	for time.Now().Before(until) {
		wg.Add(50)
		for i := 0; i < 50; i++ {
			siteChurn.Spawn()
			go churnTask(&wg) // site:churn
		}
		wg.Wait()
		time.Sleep(10 * time.Millisecond)
	}
}
