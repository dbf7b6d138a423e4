// Command leakzoo-iter: coroutine goroutines (iter.Pull, Go 1.23+).  A loop
// pulls from thousands of iterators and stops each one: their coroutine
// goroutines come and go (they end through coroexit -> gdestroy, not
// goexit) and must not look like leaks.  Next to it, iter.Pull2 iterators
// whose stop function is never called: each leaks its coroutine goroutine.
//
// The coroutines' creation site is not a go statement of ours but the
// newcoro call inside iter.Pull / iter.Pull2 (the "function" of the site
// in the truth file); the markers sit on our calls.  The protocol is
// tests/leakzoo/harness's, imported through go.mod's replace directive.
package main

import (
	"embed"
	"iter"
	"time"

	"leakzoo/harness"
)

//go:embed *.go
var sources embed.FS

var (
	siteIterLoop = harness.NewSite("iter-loop", false)
	siteIterLeak = harness.NewSite("iter-leak", true)
)

func init() {
	siteIterLoop.SetFunction("iter.Pull")
	siteIterLeak.SetFunction("iter.Pull2")
}

func main() {
	harness.Main(harness.Zoo{Sources: sources, Phase1: phase1, Phase2: phase2})
}

// Leaked iter.Pull2 coroutines in phase 1 and phase 2.
const iterLeak1, iterLeak2 = 4, 7

func count(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := 0; i < n; i++ {
			if !yield(i) {
				return
			}
		}
	}
}

func pairs(n int) iter.Seq2[int, string] {
	return func(yield func(int, string) bool) {
		for i := 0; i < n; i++ {
			if !yield(i, "v") {
				return
			}
		}
	}
}

// sumFirst pulls a few values and stops the iterator: its coroutine ends.
func sumFirst(k int) int {
	siteIterLoop.Spawn()
	next, stop := iter.Pull(count(10)) // site:iter-loop
	defer siteIterLoop.Done()
	defer stop()
	s := 0
	for i := 0; i < k; i++ {
		v, ok := next()
		if !ok {
			break
		}
		s += v
	}
	return s
}

// peek takes one pair and forgets to call stop: the coroutine stays parked
// in its yield forever.
func peek() int {
	siteIterLeak.Spawn()
	next, _ := iter.Pull2(pairs(10)) // site:iter-leak
	k, _, _ := next()
	return k
}

func iterLeak(n int) {
	for i := 0; i < n; i++ {
		peek()
	}
}

func phase1() {
	for i := 0; i < 100; i++ {
		sumFirst(i % 12)
	}
	iterLeak(iterLeak1)
}

func phase2(d time.Duration) {
	iterLeak(iterLeak2)
	until := time.Now().Add(d)
	for time.Now().Before(until) {
		for i := 0; i < 20; i++ {
			sumFirst(i % 12)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
