package main

// Steady churn, for the tests of the end of a trace: with -steady-churn,
// once READY is printed, a goroutine every 10 ms that lives 50 ms, so that
// about five are alive at any instant and some are born and some exit in
// every millisecond the trace takes to end.  Its go statements carry
// `// steady-site:NAME`, not `// site:`: the phases' truth does not count
// them (the program is never quiescent while they run).

import (
	"flag"
	"time"
)

var steadyChurn = flag.Bool("steady-churn", false,
	"once READY, start a goroutine every 10 ms that lives 50 ms, for good")

// never is never closed: the requests' select has two cases, so that they
// wait in "select", as service handlers with a timeout do.
var never = make(chan struct{})

func steadyRequest() {
	t := time.NewTimer(50 * time.Millisecond)
	select {
	case <-t.C:
	case <-never:
	}
}

func startSteadyChurn() {
	go func() { // steady-site:driver
		tick := time.NewTicker(10 * time.Millisecond)
		for range tick.C {
			go steadyRequest() // steady-site:churn
		}
	}()
}
