package main

// A method contract broken: Start starts a loop that only Stop ends, and
// the request returns without calling Stop.  The loop wakes on its
// ticker for good.

import "time"

func init() { declare(kindLeak, "start-no-stop") }

type watcher struct {
	stop  chan struct{}
	ticks int
}

func (w *watcher) loop(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			w.ticks++
		}
	}
}

func (w *watcher) Start() {
	spawned("start-no-stop")
	go w.loop(time.Hour) // site:start-no-stop
}

func (w *watcher) Stop() { close(w.stop) }

func startWithoutStop(n int) {
	for i := 0; i < n; i++ {
		w := &watcher{stop: make(chan struct{})}
		w.Start()
		// missing: defer w.Stop()
		leaked("start-no-stop", 1)
	}
}
