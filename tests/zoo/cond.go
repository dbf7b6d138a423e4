package main

// A sync.Cond nobody signals: the waiter waits for a "ready" that the
// request was meant to announce with Broadcast, and never does.

import "sync"

func init() { declare(kindLeak, "cond-wait") }

type gate struct {
	mu    sync.Mutex
	cond  *sync.Cond
	ready bool
}

func awaitReady(g *gate) {
	g.mu.Lock()
	for !g.ready {
		g.cond.Wait()
	}
	g.mu.Unlock()
}

func condNobodySignals(n int) {
	for i := 0; i < n; i++ {
		g := &gate{}
		g.cond = sync.NewCond(&g.mu)
		spawned("cond-wait")
		go awaitReady(g) // site:cond-wait
		// missing: g.mu.Lock(); g.ready = true; g.cond.Broadcast(); g.mu.Unlock()
		leaked("cond-wait", 1)
	}
}
