package main

import (
	"errors"
	"leakzoo/harness"
	"sync"
)

// A mutex never unlocked: loadState returns early on an error and forgets
// the Unlock; every later updater blocks on Lock ("semacquire" /
// "sync.Mutex.Lock").
var siteMutex = harness.NewSite("mutex-wait", true)

var (
	stateMu   sync.Mutex
	state     int
	loadOnce  sync.Once
	errNoDisk = errors.New("state file missing")

	stateFileMissing = true
)

func loadState() error {
	stateMu.Lock()
	if stateFileMissing {
		return errNoDisk // bug: stateMu stays locked
	}
	stateMu.Unlock()
	return nil
}

func updateState(v int) {
	stateMu.Lock()
	state = v
	stateMu.Unlock()
	siteMutex.Done()
}

func mutexLeak(n int) {
	loadOnce.Do(func() { _ = loadState() })
	for i := 0; i < n; i++ {
		siteMutex.Spawn()
		go updateState(i) // site:mutex-wait
	}
}
