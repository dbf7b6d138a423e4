package main

// Two goroutines take two mutexes in opposite order: each holds one and
// waits for the other's, for good.  A barrier makes the deadlock certain
// instead of likely.

import "sync"

func init() { declare(kindLeak, "lock-order") }

type account struct {
	mu      sync.Mutex
	balance int
}

func transfer(from, to *account, amount int, bothHold *sync.WaitGroup) {
	from.mu.Lock()
	bothHold.Done()
	bothHold.Wait() // the other transfer now holds `to`
	to.mu.Lock()
	from.balance -= amount
	to.balance += amount
	to.mu.Unlock()
	from.mu.Unlock()
}

func lockOrderDeadlock(n int) {
	for i := 0; i < n; i++ {
		a, b := &account{balance: 100}, &account{balance: 100}
		var bothHold sync.WaitGroup
		bothHold.Add(2)
		for _, pair := range [][2]*account{{a, b}, {b, a}} {
			spawned("lock-order")
			go transfer(pair[0], pair[1], 10, &bothHold) // site:lock-order
		}
		leaked("lock-order", 2)
	}
}
