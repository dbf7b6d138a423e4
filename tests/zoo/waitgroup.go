package main

// WaitGroup misuse: Add counts one worker too many (the last one was never
// started), so the goroutine waiting to close `done` waits forever.  The
// workers themselves finish normally.

import "sync"

func init() {
	declare(kindLeak, "wg-wait")
	declare(kindHealthy, "wg-worker")
}

const wgWorkers = 2

func waitGroupMisuse(n int) {
	for i := 0; i < n; i++ {
		var wg sync.WaitGroup
		wg.Add(wgWorkers + 1) // one more than started below
		for w := 0; w < wgWorkers; w++ {
			spawned("wg-worker")
			go func() { defer wg.Done(); queryReplica(0) }() // site:wg-worker
		}
		done := make(chan struct{})
		spawned("wg-wait")
		go func() { wg.Wait(); close(done) }() // site:wg-wait
		leaked("wg-wait", 1)
	}
}
