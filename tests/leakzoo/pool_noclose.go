package main

import (
	"leakzoo/harness"
	"sync"
)

// A worker pool whose producer stopped without closing the jobs channel:
// the workers range over it forever ("chan receive").
var sitePoolNoClose = harness.NewSite("pool-noclose", true)

func poolWorker(jobs <-chan int, processed *sync.WaitGroup) {
	for j := range jobs {
		_ = j * 2
		processed.Done()
	}
	sitePoolNoClose.Done() // never: nobody closes jobs
}

func poolNoCloseLeak(n int) {
	jobs := make(chan int)
	var processed sync.WaitGroup
	for i := 0; i < n; i++ {
		sitePoolNoClose.Spawn()
		go poolWorker(jobs, &processed) // site:pool-noclose
	}
	// The producer sends its batch and returns: "close(jobs)" forgotten.
	processed.Add(3 * n)
	for j := 0; j < 3*n; j++ {
		jobs <- j
	}
	processed.Wait()
}
