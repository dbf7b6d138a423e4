package main

// Receiver waiting on a channel nobody closes: a worker pool whose
// producer stopped early (an error path) without closing the jobs channel;
// the workers wait in `range jobs` forever.

import "errors"

func init() { declare(kindLeak, "pool-worker") }

const leakyPoolSize = 4

func poolWorker(jobs <-chan int, results chan<- int) {
	for j := range jobs {
		results <- j * j
	}
}

var errBadBatch = errors.New("bad batch")

func produce(jobs chan<- int, results <-chan int, batch []int) error {
	for _, j := range batch {
		if j < 0 {
			return errBadBatch // forgot close(jobs)
		}
		jobs <- j
		<-results
	}
	close(jobs)
	return nil
}

func leakyPools(n int) {
	for p := 0; p < n; p++ {
		jobs := make(chan int)
		results := make(chan int)
		for w := 0; w < leakyPoolSize; w++ {
			spawned("pool-worker")
			go poolWorker(jobs, results) // site:pool-worker
		}
		if produce(jobs, results, []int{1, 2, 3, -1, 5}) != nil {
			leaked("pool-worker", leakyPoolSize)
		}
	}
}
