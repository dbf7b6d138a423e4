package main

// Nil channel send and receive: a notifier built without its channel (the
// zero value of a struct field); both ends block forever, a certain leak.

func init() { declare(kindLeak, "nil-send", "nil-recv") }

type event struct{ id int }

type notifier struct {
	events chan event // never made
}

func nilSends(n int) {
	var nt notifier
	for i := 0; i < n; i++ {
		spawned("nil-send")
		go func(id int) { nt.events <- event{id} }(i) // site:nil-send
		leaked("nil-send", 1)
	}
}

func nilReceives(n int) {
	var nt notifier
	for i := 0; i < n; i++ {
		spawned("nil-recv")
		go func() { // site:nil-recv
			for ev := range nt.events {
				_ = ev
			}
		}()
		leaked("nil-recv", 1)
	}
}
