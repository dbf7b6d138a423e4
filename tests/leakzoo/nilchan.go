package main

import "leakzoo/harness"

// Nil channels block forever: a send or a receive on a channel that was
// never made ("chan send (nil chan)", "chan receive (nil chan)").
var (
	siteNilSend = harness.NewSite("nil-send", true)
	siteNilRecv = harness.NewSite("nil-recv", true)
)

type notifier struct {
	events chan string // never made: the constructor forgot make()
}

func (nt *notifier) publish(e string) { nt.events <- e }

func (nt *notifier) consume() {
	for e := range nt.events {
		_ = e
	}
}

func nilSendLeak(n int) {
	nt := &notifier{}
	for i := 0; i < n; i++ {
		siteNilSend.Spawn()
		go nt.publish("started") // site:nil-send
	}
}

func nilRecvLeak(n int) {
	nt := &notifier{}
	for i := 0; i < n; i++ {
		siteNilRecv.Spawn()
		go nt.consume() // site:nil-recv
	}
}
