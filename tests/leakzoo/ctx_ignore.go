package main

import (
	"context"
	"leakzoo/harness"
)

// Ignored cancellation: the watcher is handed a context but only looks at
// it between updates; the caller cancels and leaves, no update ever comes,
// so it waits on its channel forever ("chan receive").
var siteCtxIgnore = harness.NewSite("ctx-ignore", true)

type update struct{ version int }

func watchUpdates(ctx context.Context, updates <-chan update) {
	for {
		u := <-updates
		if ctx.Err() != nil {
			siteCtxIgnore.Done()
			return
		}
		_ = u.version
	}
}

func subscribeOnce(parent context.Context) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	updates := make(chan update)
	siteCtxIgnore.Spawn()
	go watchUpdates(ctx, updates) // site:ctx-ignore
}

func ctxIgnoreLeak(n int) {
	for i := 0; i < n; i++ {
		subscribeOnce(context.Background())
	}
}
