package main

import (
	"leakzoo/harness"
	"sync"
)

// WaitGroup misuse: Add counts one task too many, so the goroutine that
// waits for the batch waits forever ("semacquire" / "sync.WaitGroup.Wait").
// The workers themselves end: they are a healthy site.
var (
	siteWGWait   = harness.NewSite("wg-wait", true)
	siteWGWorker = harness.NewSite("wg-worker", false)
)

func batchTask(wg *sync.WaitGroup) {
	defer siteWGWorker.Done()
	wg.Done()
}

func waitBatch(wg *sync.WaitGroup, finished chan<- struct{}) {
	wg.Wait()
	close(finished)
	siteWGWait.Done()
}

func runBatch(tasks int) <-chan struct{} {
	var wg sync.WaitGroup
	wg.Add(tasks + 1) // bug: one more than the tasks started
	for i := 0; i < tasks; i++ {
		siteWGWorker.Spawn()
		go batchTask(&wg) // site:wg-worker
	}
	finished := make(chan struct{})
	siteWGWait.Spawn()
	go waitBatch(&wg, finished) // site:wg-wait
	return finished
}

func waitGroupLeak(n int) {
	for i := 0; i < n; i++ {
		runBatch(2)
	}
}
