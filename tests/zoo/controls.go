package main

// Healthy controls: high churn, bursts that drain, helpers cancelled by
// their requests, a fixed worker pool that lives for good and a pool that
// is shut down properly, goroutines that sleep a known number of times
// (the park probe's count), child processes forked and exec'd while the
// probes are in (each must exit 0).  None of them leaks.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"
)

func init() {
	declare(kindChurn, "churn")
	declare(kindHealthy, "churn-driver", "burst", "cancel-helper",
		"pool-fixed", "pool-closed", "sleeper", "fork-runner")
}

var work int64

//go:noinline
func churnWork(wg *sync.WaitGroup, i int) {
	defer wg.Done()
	if i%16 == 0 {
		time.Sleep(time.Millisecond) // some of them park
	}
	atomic.AddInt64(&work, int64(queryReplica(0)&1))
}

// runChurn starts total short goroutines, about 6,000 a second, and waits
// for all of them.
func runChurn(total int, done chan<- struct{}) {
	var wg sync.WaitGroup
	const batch = 150
	for n := 0; n < total; {
		for i := 0; i < batch && n < total; i++ {
			n++
			wg.Add(1)
			spawned("churn")
			go churnWork(&wg, n) // site:churn
		}
		time.Sleep(25 * time.Millisecond)
	}
	wg.Wait()
	close(done)
}

// bursts starts size goroutines at once, waits until all reported, rests,
// and does it again.
func bursts(count, size int) {
	for b := 0; b < count; b++ {
		results := make(chan int, size)
		for i := 0; i < size; i++ {
			spawned("burst")
			go func(i int) { results <- queryReplica(i % 3) }(i) // site:burst
		}
		for i := 0; i < size; i++ {
			<-results
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// lookupWithDeadline asks a helper and gives up early when told to; the
// helper watches the context, so it exits either way.
func lookupWithDeadline(giveUp bool) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := make(chan int)
	spawned("cancel-helper")
	go func() { // site:cancel-helper
		v := queryReplica(2)
		select {
		case out <- v:
		case <-ctx.Done():
		}
	}()
	if giveUp {
		return // cancel() releases the helper
	}
	<-out
}

func cancelledHelpers(n int) {
	for i := 0; i < n; i++ {
		lookupWithDeadline(i%2 == 0)
	}
}

const fixedPoolSize = 3

var (
	fixedJobs    = make(chan int)
	fixedResults = make(chan int)
)

func fixedWorker() {
	for j := range fixedJobs {
		fixedResults <- j + 1
	}
}

// startFixedPool starts the pool in phase 1; it serves for good.
func startFixedPool() {
	for i := 0; i < fixedPoolSize; i++ {
		spawned("pool-fixed")
		go fixedWorker()        // site:pool-fixed
		leaked("pool-fixed", 1) // not a leak: a pool of fixed size
	}
}

func feedFixedPool(jobs int) {
	for j := 0; j < jobs; j++ {
		fixedJobs <- j
		<-fixedResults
	}
}

// closedPool runs a pool and shuts it down the right way.
func closedPool(size, jobs int) {
	in := make(chan int)
	var wg sync.WaitGroup
	var sum int64
	for i := 0; i < size; i++ {
		wg.Add(1)
		spawned("pool-closed")
		go func() { // site:pool-closed
			defer wg.Done()
			for j := range in {
				atomic.AddInt64(&sum, int64(j))
			}
		}()
	}
	for j := 0; j < jobs; j++ {
		in <- j
	}
	close(in)
	wg.Wait()
}

// sleepers starts n goroutines that sleep k times a millisecond each and
// exit: n*k parks with wait reason "sleep" (time.Sleep parks exactly once
// a call) at one go statement, which the park probe must count (--park).
func sleepers(n, k int) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		spawned("sleeper")
		go func() { // site:sleeper
			defer wg.Done()
			for j := 0; j < k; j++ {
				time.Sleep(time.Millisecond)
				slept("sleeper")
			}
		}()
	}
	wg.Wait()
}

// forkChildren runs /bin/true n times from one goroutine: fork and exec
// of a process whose text carries the probes' breakpoints.  A child that
// died of one (SIGTRAP) fails the zoo.
func forkChildren(n int) {
	done := make(chan error)
	spawned("fork-runner")
	go func() { // site:fork-runner
		for i := 0; i < n; i++ {
			if err := exec.Command("/bin/true").Run(); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	if err := <-done; err != nil {
		fmt.Fprintf(os.Stderr, "zoo: a forked child failed: %v\n", err)
		os.Exit(1)
	}
}
