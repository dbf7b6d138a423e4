// dumptarget: the target of `gostray dump` in tools/bench/bench --dump
// (issue 4).  It first parks -n goroutines (default 100000) in a mix of the
// states a leaking service piles up, 3-10 frames below their entry:
//
//	chan receive   on a channel nobody sends on
//	chan send      on an unbuffered channel nobody receives from
//	select         on two such channels
//	sync.Mutex     Lock of a mutex main holds forever
//	sync.Cond      Wait on a condition never signalled
//	sleep          time.Sleep of a day
//
// created by three different functions, some with a few KB of locals so
// that their stacks have grown past the first 2 KB.  Then it prints one
// JSON ready line ({"ready":true,"pid":...,"addr":...,"parked":N,
// "goroutines":runtime.NumGoroutine()}) and serves HTTP on loopback:
//
//	/            "ok\n", the request hey times
//	/goroutines  runtime.NumGoroutine() in decimal, to check a dump's count
//
// until its stdin is closed.
package main

import (
	"encoding/json"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

const kinds = 6

var (
	count = flag.Int("n", 100000, "goroutines to park before serving")

	recvCh = make(chan int) // nobody sends on it
	sendCh = make(chan int) // nobody receives from it
	selA   = make(chan int) // nor on these
	selB   = make(chan int)
	held   sync.Mutex // locked by main, never unlocked
	condMu sync.Mutex
	cond   = sync.NewCond(&condMu)
	parked int64
	sink   int64
)

// park blocks forever in the state of kind, after counting itself.
//
//go:noinline
func park(kind int) {
	atomic.AddInt64(&parked, 1)
	switch kind {
	case 0:
		<-recvCh
	case 1:
		sendCh <- 1
	case 2:
		select {
		case <-selA:
		case <-selB:
		}
	case 3:
		held.Lock()
	case 4:
		condMu.Lock()
		for {
			cond.Wait()
		}
	case 5:
		time.Sleep(24 * time.Hour)
	}
}

// A call chain of distinct functions, so that stacks differ by depth.

//go:noinline
func handle(depth, kind int) {
	if depth <= 0 {
		park(kind)
		return
	}
	fetch(depth-1, kind)
}

//go:noinline
func fetch(depth, kind int) {
	if depth <= 0 {
		park(kind)
		return
	}
	decode(depth-1, kind)
}

// decode keeps a few KB of locals: its goroutines' stacks have grown.
//
//go:noinline
func decode(depth, kind int) {
	var buf [3000]byte
	buf[depth] = byte(kind)
	if depth <= 0 {
		park(kind)
		atomic.AddInt64(&sink, int64(buf[0]))
		return
	}
	store(depth-1, kind)
	atomic.AddInt64(&sink, int64(buf[depth]))
}

//go:noinline
func store(depth, kind int) {
	if depth <= 0 {
		park(kind)
		return
	}
	retry(depth-1, kind)
}

//go:noinline
func retry(depth, kind int) {
	if depth <= 0 {
		park(kind)
		return
	}
	handle(depth-1, kind)
}

// Three creation sites.

//go:noinline
func startWorkers(from, to int) {
	for i := from; i < to; i++ {
		go handle(1+i%3, i%kinds)
	}
}

//go:noinline
func startFetchers(from, to int) {
	for i := from; i < to; i++ {
		go fetch(i%4, i%kinds)
	}
}

//go:noinline
func startDecoders(from, to int) {
	for i := from; i < to; i++ {
		go func(i int) { decode(i%2, i%kinds) }(i)
	}
}

func main() {
	flag.Parse()
	held.Lock()
	n := *count
	startWorkers(0, n/2)
	startFetchers(n/2, n*4/5)
	startDecoders(n*4/5, n)
	for atomic.LoadInt64(&parked) < int64(n) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // the last ones reach their park

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.Stderr.WriteString("dumptarget: " + err.Error() + "\n")
		os.Exit(1)
	}
	body := []byte("ok\n")
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Write(body)
	})
	mux.HandleFunc("/goroutines", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strconv.Itoa(runtime.NumGoroutine()) + "\n"))
	})
	go http.Serve(ln, mux)

	b, _ := json.Marshal(map[string]interface{}{
		"ready": true, "pid": os.Getpid(), "addr": ln.Addr().String(),
		"parked": n, "goroutines": runtime.NumGoroutine(),
	})
	os.Stdout.Write(append(b, '\n'))
	io.Copy(io.Discard, os.Stdin)
}
