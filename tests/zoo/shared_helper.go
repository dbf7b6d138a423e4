package main

// One go statement, two call paths: a shared helper starts a watcher on a
// subscription's updates; the orders code and the billing code both call
// it, and neither ever closes the channel, so every watcher waits forever.
// By site it is one leak; by creation stack (gostray --by stack) it is two,
// one per caller, each with its own count.

func init() {
	declare(kindLeak, "shared-watch")
	declareCallers("shared-watch", "orders-watch", "billing-watch")
}

func watchUpdates(updates <-chan int) {
	for range updates { // nobody sends, nobody closes
	}
}

//go:noinline
func startWatcher(via string, updates <-chan int) {
	spawnedVia("shared-watch", via)
	go watchUpdates(updates) // site:shared-watch
}

//go:noinline
func watchOrders(n int) {
	for i := 0; i < n; i++ {
		startWatcher("orders-watch", make(chan int)) // caller:orders-watch
		leakedVia("shared-watch", "orders-watch", 1)
	}
}

//go:noinline
func watchBilling(n int) {
	for i := 0; i < n; i++ {
		startWatcher("billing-watch", make(chan int)) // caller:billing-watch
		leakedVia("shared-watch", "billing-watch", 1)
	}
}

// sharedWatchers leaks n watchers through the orders path and 2n through
// the billing path, so that a mix-up of the two shows.
func sharedWatchers(n int) {
	watchOrders(n)
	watchBilling(2 * n)
}
