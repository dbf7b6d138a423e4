package main

// A double send: the worker sends its result, then, on a late error
// check, sends again on the same unbuffered channel; the caller took the
// first value and left.

import "errors"

func init() { declare(kindLeak, "double-send") }

var errLate = errors.New("late validation failure")

type outcome struct {
	v   int
	err error
}

func compute(x int, out chan<- outcome) {
	out <- outcome{v: x * 2}
	if x >= 0 { // always: the error path sends a second time
		out <- outcome{err: errLate} // should have returned after the first send
	}
}

func doubleSend(n int) {
	for i := 0; i < n; i++ {
		out := make(chan outcome)
		spawned("double-send")
		go compute(i, out) // site:double-send
		<-out
		leaked("double-send", 1)
	}
}
