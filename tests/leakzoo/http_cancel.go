package main

import (
	"context"
	"fmt"
	"leakzoo/harness"
	"net/http"
	"sync/atomic"
)

// Healthy: a request's helper bound to the request's context.  Half the
// requests do not wait for it; the server cancels the context when the
// handler returns, and the helper gives up its unbuffered send.
var siteCancelHelper = harness.NewSite("cancel-helper", false)

var quotes int64

func priceHelper(ctx context.Context, out chan<- int) {
	defer siteCancelHelper.Done()
	select {
	case out <- 100:
	case <-ctx.Done():
	}
}

func handleQuote(w http.ResponseWriter, r *http.Request) {
	out := make(chan int)
	siteCancelHelper.Spawn()
	go priceHelper(r.Context(), out) // site:cancel-helper
	if atomic.AddInt64(&quotes, 1)%2 == 0 {
		fmt.Fprintln(w, "no price yet") // returns: the context is cancelled
		return
	}
	fmt.Fprintf(w, "price %d\n", <-out)
}
