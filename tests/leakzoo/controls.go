package main

import (
	"leakzoo/harness"
	"sync"
	"time"
)

// The healthy controls of phase 2 run side by side, each in its driver
// goroutine, for the same duration.
var siteDriver = harness.NewSite("control-driver", false)

func runRequests(until time.Time) {
	for time.Now().Before(until) {
		get("/quote")
		time.Sleep(10 * time.Millisecond)
	}
}

func drive(control func(time.Time), until time.Time, wg *sync.WaitGroup) {
	defer wg.Done()
	defer siteDriver.Done()
	control(until)
}

func runControls(d time.Duration) {
	until := time.Now().Add(d)
	controls := []func(time.Time){runChurn, feedPool, runBursts, runRequests}
	var wg sync.WaitGroup
	wg.Add(len(controls))
	for _, c := range controls {
		siteDriver.Spawn()
		go drive(c, until, &wg) // site:control-driver
	}
	wg.Wait()
}
