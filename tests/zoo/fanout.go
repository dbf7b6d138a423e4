package main

// Unbuffered send after the receiver left: a request fans out to every
// replica and returns with the first answer; the slower replicas block
// forever sending on a channel nobody reads any more.

func init() { declare(kindLeak, "fanout-send") }

const replicas = 3

//go:noinline
func queryReplica(i int) int {
	sum := 0
	for k := 0; k < 1000*(i+1); k++ {
		sum += k
	}
	return sum
}

func firstReply() int {
	ch := make(chan int) // should have been make(chan int, replicas)
	for i := 0; i < replicas; i++ {
		spawned("fanout-send")
		go func(i int) { ch <- queryReplica(i) }(i) // site:fanout-send
	}
	return <-ch
}

func fanoutRequests(n int) {
	for r := 0; r < n; r++ {
		firstReply()
		leaked("fanout-send", replicas-1)
	}
}
