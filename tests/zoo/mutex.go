package main

// Mutex never unlocked: an error path returns while holding the lock;
// every later caller blocks in Lock forever.

import (
	"errors"
	"sync"
)

func init() { declare(kindLeak, "mutex-wait") }

type cache struct {
	mu sync.Mutex
	m  map[string]int
}

var errEmptyKey = errors.New("empty key")

func (c *cache) load(key string) (int, error) {
	c.mu.Lock()
	if key == "" {
		return 0, errEmptyKey // forgot c.mu.Unlock()
	}
	v := c.m[key]
	c.mu.Unlock()
	return v, nil
}

func (c *cache) refresh(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key]++
}

func mutexNeverUnlocked(n int) {
	c := &cache{m: map[string]int{}}
	c.load("") // leaves the mutex locked
	for i := 0; i < n; i++ {
		spawned("mutex-wait")
		go c.refresh("k") // site:mutex-wait
		leaked("mutex-wait", 1)
	}
}
