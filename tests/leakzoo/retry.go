package main

import (
	"errors"
	"leakzoo/harness"
	"time"
)

// A retry loop without a budget: the dependency never comes back, the loop
// sleeps and retries forever ("sleep").
var siteRetry = harness.NewSite("retry-forever", true)

var errUnavailable = errors.New("dependency unavailable")

func dialDependency() error { return errUnavailable }

func connectWithRetry(backoff time.Duration) {
	for {
		if err := dialDependency(); err == nil {
			siteRetry.Done()
			return
		}
		time.Sleep(backoff)
	}
}

func retryLeak(n int) {
	for i := 0; i < n; i++ {
		siteRetry.Spawn()
		go connectWithRetry(100 * time.Millisecond) // site:retry-forever
	}
}
