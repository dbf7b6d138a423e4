package main

import (
	"fmt"
	"leakzoo/harness"
	"net/http"
	"sync"
)

// An HTTP handler that starts work outliving the request: the background
// refresh waits for a cache warm-up signal (a sync.Cond) that is never
// broadcast ("sync.Cond.Wait").  One leak per request.
var siteHTTPWork = harness.NewSite("http-work", true)

var (
	warmMu   sync.Mutex
	warmCond = sync.NewCond(&warmMu)
	warm     bool
)

func refreshInBackground(id string) {
	warmMu.Lock()
	for !warm {
		warmCond.Wait()
	}
	warmMu.Unlock()
	_ = id
	siteHTTPWork.Done()
}

func handleRefresh(w http.ResponseWriter, r *http.Request) {
	siteHTTPWork.Spawn()
	go refreshInBackground(r.URL.Query().Get("id")) // site:http-work
	fmt.Fprintln(w, "refresh scheduled")
}

func httpLeak(n int) {
	for i := 0; i < n; i++ {
		getf("/refresh?id=%d", i)
	}
}
