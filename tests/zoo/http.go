package main

// HTTP handler spawning work that outlives the request: /order hands an
// audit record to a goroutine that sends it to a queue nobody consumes; the
// response is long gone, the goroutine stays.  /quote is the healthy
// control: its helper is bound to the request's context and can always
// finish.  The program is its own client, on a loopback listener.

import (
	"context"
	"fmt"
	"io"
	"io/ioutil"
	"net"
	"net/http"
	"os"
)

func init() {
	declare(kindLeak, "http-handler-work")
	declare(kindHealthy, "http-serve", "http-helper")
}

var (
	baseURL    string
	auditQueue = make(chan string) // its consumer was never started
	// Keep-alives off: no idle connection goroutines linger after a request.
	client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
)

func publishAudit(entry string) { auditQueue <- entry }

func handleOrder(w http.ResponseWriter, r *http.Request) {
	spawned("http-handler-work")
	go publishAudit("order " + r.URL.RawQuery) // site:http-handler-work
	leaked("http-handler-work", 1)
	fmt.Fprintln(w, "ok")
}

func handleQuote(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	res := make(chan int, 1) // the helper can always deliver, then exit
	spawned("http-helper")
	go func(ctx context.Context) { res <- price(ctx) }(ctx) // site:http-helper
	select {
	case p := <-res:
		fmt.Fprintln(w, p)
	case <-ctx.Done():
	}
}

func price(ctx context.Context) int {
	if ctx.Err() != nil {
		return 0
	}
	return queryReplica(1)
}

func startHTTPServer() {
	mux := http.NewServeMux()
	mux.HandleFunc("/order", handleOrder)
	mux.HandleFunc("/quote", handleQuote)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(os.Stderr, "zoo: %v\n", err)
		os.Exit(1)
	}
	baseURL = "http://" + ln.Addr().String()
	srv := &http.Server{Handler: mux}
	spawned("http-serve")
	go srv.Serve(ln)        // site:http-serve
	leaked("http-serve", 1) // not a leak: the server, alive for good
}

func get(path string) {
	resp, err := client.Get(baseURL + path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "zoo: GET %s: %v\n", path, err)
		os.Exit(1)
	}
	io.Copy(ioutil.Discard, resp.Body)
	resp.Body.Close()
}

func httpLeakyRequests(n int) {
	for i := 0; i < n; i++ {
		get(fmt.Sprintf("/order?id=%d", i))
	}
}

func httpHealthyRequests(n int) {
	for i := 0; i < n; i++ {
		get("/quote")
	}
}
