package main

import "leakzoo/harness"

// Fan-out with early return: ask n+1 replicas, keep the first answer and
// return.  The results channel is unbuffered, so every slower replica
// blocks forever on its send ("chan send"): n leak, the winner ends.
var siteFanout = harness.NewSite("fanout-send", true)

func queryReplica(i int, results chan<- int) {
	v := i * i
	results <- v
	siteFanout.Done() // only the winner gets here
}

func firstReply(replicas int) int {
	results := make(chan int)
	for i := 0; i < replicas; i++ {
		siteFanout.Spawn()
		go queryReplica(i, results) // site:fanout-send
	}
	return <-results
}

func fanoutLeak(n int) { firstReply(n + 1) }
