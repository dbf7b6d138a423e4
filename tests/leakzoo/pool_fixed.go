package main

import (
	"leakzoo/harness"
	"sync"
	"time"
)

// Healthy: a fixed pool of long-lived workers.  Live stays at the pool
// size: that is correct, not a leak.
var sitePoolFixed = harness.NewSite("pool-fixed", false)

type job struct {
	n    int
	done *sync.WaitGroup
}

var poolJobs = make(chan job)

func poolFixedWorker() {
	defer sitePoolFixed.Done()
	for j := range poolJobs {
		_ = j.n * j.n
		j.done.Done()
	}
}

func startPool(size int) {
	for i := 0; i < size; i++ {
		sitePoolFixed.Spawn()
		go poolFixedWorker() // site:pool-fixed
	}
}

// feedPool hands the pool batches of jobs and waits for each batch.
func feedPool(until time.Time) {
	var wg sync.WaitGroup
	for n := 0; time.Now().Before(until); n++ {
		wg.Add(20)
		for i := 0; i < 20; i++ {
			poolJobs <- job{n*20 + i, &wg}
		}
		wg.Wait()
		time.Sleep(5 * time.Millisecond)
	}
}
