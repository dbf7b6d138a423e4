package main

// An RWMutex writer that never unlocks: a reload takes the write lock and
// returns early on an error; every reader after it blocks in RLock.

import "sync"

func init() { declare(kindLeak, "rwmutex-reader") }

type table struct {
	mu   sync.RWMutex
	rows map[string]string
}

func (t *table) reload(src map[string]string) bool {
	t.mu.Lock()
	if len(src) == 0 {
		return false // forgot t.mu.Unlock()
	}
	t.rows = src
	t.mu.Unlock()
	return true
}

func (t *table) lookup(key string, found *int) {
	t.mu.RLock()
	if _, ok := t.rows[key]; ok {
		*found++
	}
	t.mu.RUnlock()
}

func rwmutexReaders(n int) {
	for i := 0; i < n; i++ {
		t := &table{rows: map[string]string{"k": "v"}}
		t.reload(nil)
		var found int
		spawned("rwmutex-reader")
		go t.lookup("k", &found) // site:rwmutex-reader
		leaked("rwmutex-reader", 1)
	}
}
