package main

// Retry loop without a budget: reconnects to a backend that is gone, with
// backoff, forever.

import (
	"errors"
	"time"
)

func init() { declare(kindLeak, "retry-forever") }

var errUnavailable = errors.New("backend unavailable")

func dialBackend() error { return errUnavailable }

func reconnect() {
	backoff := 50 * time.Millisecond
	for {
		if dialBackend() == nil {
			return
		}
		time.Sleep(backoff) // no attempt limit, no context
		if backoff < time.Second {
			backoff *= 2
		}
	}
}

func retriesWithoutBudget(n int) {
	for i := 0; i < n; i++ {
		spawned("retry-forever")
		go reconnect() // site:retry-forever
		leaked("retry-forever", 1)
	}
}
