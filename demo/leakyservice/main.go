// Command leakyservice is gostray's demo: a small HTTP service with the
// goroutine leaks real services ship with.  Run it with -load and its
// goroutine count climbs like a staircase; `gostray top PID` shows which
// go statements are to blame (the ones marked `// site:` below).
//
//	leakyservice -addr 127.0.0.1:8080 -load
//
// Endpoints:
//
//	/search?q=   asks three backends, answers with the first reply or after
//	             a timeout; the slower backends' goroutines block forever
//	             on an unbuffered channel (leak).
//	/checkout    answers at once and records an audit event in a goroutine
//	             that blocks on a queue whose consumer died (leak).
//	/subscribe   starts a watcher that ignores the request's context and
//	             waits for updates nobody sends (leak).
//	/quote       a helper bound to the request's context (healthy).
//	/healthz     no goroutine at all (healthy).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"io/ioutil"
	"log"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	addr    = flag.String("addr", "127.0.0.1:8080", "listen on `HOST:PORT` (port 0: any free port)")
	load    = flag.Bool("load", false, "send traffic to itself, so that it leaks steadily")
	rate    = flag.Int("rate", 50, "requests per second the -load loop sends")
	timeout = flag.Duration("search-timeout", 30*time.Millisecond, "how long /search waits for its backends")
)

type result struct {
	backend string
	hits    int
}

// queryBackend pretends to be a remote call that takes 5-60 ms.
func queryBackend(name, q string) result {
	time.Sleep(time.Duration(5+rand.Intn(55)) * time.Millisecond)
	return result{backend: name, hits: len(q) * len(name)}
}

func handleSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	results := make(chan result) // unbuffered: a late backend can never deliver
	for _, b := range []string{"primary", "replica-a", "replica-b"} {
		go func(b string) { results <- queryBackend(b, q) }(b) // site:search-backend
	}
	select {
	case res := <-results:
		fmt.Fprintf(w, "%d hits from %s\n", res.hits, res.backend)
	case <-time.After(*timeout):
		http.Error(w, "backends too slow", http.StatusGatewayTimeout)
	}
}

// The audit consumer crashed long ago (it was never restarted): every
// checkout's audit goroutine waits on this queue forever.
var auditQueue = make(chan string)

func recordAudit(event string) { auditQueue <- event }

func handleCheckout(w http.ResponseWriter, r *http.Request) {
	order := atomic.AddInt64(&orders, 1)
	go recordAudit("checkout " + strconv.FormatInt(order, 10)) // site:checkout-audit
	fmt.Fprintf(w, "order %d accepted\n", order)
}

var orders int64

type update struct{ version int }

// watch is meant to end with its subscriber, but only reads updates.
func watch(ctx context.Context, updates <-chan update) {
	for u := range updates {
		_ = u
	}
}

func handleSubscribe(w http.ResponseWriter, r *http.Request) {
	updates := make(chan update)
	go watch(r.Context(), updates) // site:subscribe-watch
	fmt.Fprintln(w, "subscribed")
}

func handleQuote(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 100*time.Millisecond)
	defer cancel()
	price := make(chan int, 1)
	go func() { price <- 100 + rand.Intn(10) }() // site:quote-helper
	select {
	case p := <-price:
		fmt.Fprintf(w, "price %d\n", p)
	case <-ctx.Done():
		http.Error(w, "timeout", http.StatusGatewayTimeout)
	}
}

func handleHealthz(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "ok goroutines=%d\n", runtime.NumGoroutine())
}

// selfLoad sends a mix of requests to the service, forever.
func selfLoad(base string) {
	client := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 8},
	}
	paths := []string{"/search?q=gopher", "/quote", "/healthz", "/quote",
		"/search?q=leak", "/checkout", "/healthz", "/quote", "/subscribe", "/quote"}
	tick := time.NewTicker(time.Second / time.Duration(*rate))
	defer tick.Stop()
	for i := 0; ; i++ {
		<-tick.C
		resp, err := client.Get(base + paths[i%len(paths)])
		if err != nil {
			log.Printf("load: %v", err)
			continue
		}
		io.Copy(ioutil.Discard, resp.Body)
		resp.Body.Close()
	}
}

func main() {
	flag.Parse()
	if *rate < 1 {
		log.Fatal("leakyservice: -rate must be at least 1")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/search", handleSearch)
	mux.HandleFunc("/checkout", handleCheckout)
	mux.HandleFunc("/subscribe", handleSubscribe)
	mux.HandleFunc("/quote", handleQuote)
	mux.HandleFunc("/healthz", handleHealthz)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("leakyservice: %v", err)
	}
	fmt.Printf("leakyservice: listening on http://%s (PID %d)\n", ln.Addr(), os.Getpid())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { // site:serve
		if err := srv.Serve(ln); err != http.ErrServerClosed {
			log.Fatalf("leakyservice: %v", err)
		}
	}()
	if *load {
		go selfLoad("http://" + ln.Addr().String()) // site:self-load
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	<-sigs
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
}
