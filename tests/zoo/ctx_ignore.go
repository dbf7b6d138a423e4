package main

// Ignored context cancellation: the watcher is handed a context but only
// ranges over its updates channel, which nobody closes; cancelling the
// context does not stop it.

import (
	"context"
	"sync/atomic"
)

func init() { declare(kindLeak, "ctx-ignore") }

type config struct{ version string }

func watchConfig(ctx context.Context, updates <-chan config, apply func(config)) {
	for u := range updates { // never looks at ctx.Done()
		apply(u)
	}
}

var applied int64

func applyConfig(c config) { atomic.AddInt64(&applied, int64(len(c.version))) }

func ctxIgnored(n int) {
	for i := 0; i < n; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		updates := make(chan config)
		spawned("ctx-ignore")
		go watchConfig(ctx, updates, applyConfig) // site:ctx-ignore
		updates <- config{version: "v1"}
		cancel()
		leaked("ctx-ignore", 1)
	}
}
