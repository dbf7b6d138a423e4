package main

// An n-cast with one reader: the broadcaster sends the notice to every
// listener in turn over unbuffered channels, but only the first listener
// is still reading: it blocks on the second for good.

func init() { declare(kindLeak, "ncast-one-reader") }

type notice struct{ id int }

func broadcast(ev notice, listeners []chan notice) {
	for _, l := range listeners {
		l <- ev
	}
}

func ncastOneReader(n int) {
	for i := 0; i < n; i++ {
		listeners := []chan notice{make(chan notice), make(chan notice), make(chan notice)}
		spawned("ncast-one-reader")
		go broadcast(notice{id: i}, listeners) // site:ncast-one-reader
		<-listeners[0]                         // the other listeners went away
		leaked("ncast-one-reader", 1)
	}
}
