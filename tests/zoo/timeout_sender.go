package main

// A timeout that leaves an unbuffered sender behind: the request waits for
// the backend's answer or a deadline; when the deadline wins, nobody will
// ever receive the answer and the backend goroutine blocks on its send.

import "time"

func init() { declare(kindLeak, "timeout-sender") }

func slowBackend(answer chan<- int, started chan<- struct{}) {
	started <- struct{}{}
	time.Sleep(20 * time.Millisecond) // slower than the deadline
	answer <- 42
}

func timeoutSender(n int) {
	for i := 0; i < n; i++ {
		answer := make(chan int) // should have been make(chan int, 1)
		started := make(chan struct{})
		spawned("timeout-sender")
		go slowBackend(answer, started) // site:timeout-sender
		<-started
		select {
		case <-answer:
			panic("zoo: the backend beat its deadline")
		case <-time.After(time.Millisecond):
		}
		leaked("timeout-sender", 1)
	}
}
