package main

import "leakzoo/harness"

// "select {}" with no exit path: a helper meant to keep something alive
// blocks forever ("select (no cases)").
var siteSelectForever = harness.NewSite("select-forever", true)

func keepAlive(id int) {
	_ = id
	select {}
}

func selectForeverLeak(n int) {
	for i := 0; i < n; i++ {
		siteSelectForever.Spawn()
		go keepAlive(i) // site:select-forever
	}
}
