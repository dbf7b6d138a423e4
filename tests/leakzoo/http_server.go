package main

import (
	"fmt"
	"io"
	"io/ioutil"
	"leakzoo/harness"
	"net"
	"net/http"
)

// The zoo's HTTP server (127.0.0.1, any port) and the client the program
// uses to call itself.  Keep-alives are off on both sides so that every
// connection's goroutines (the server's conn.serve, the transport's read
// and write loops) end with their request: the zoo can reach quiescence.
var siteHTTPServe = harness.NewSite("http-serve", false)

var (
	baseURL string
	client  = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
)

func serve(srv *http.Server, ln net.Listener) {
	defer siteHTTPServe.Done()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		harness.Fatalf("http: %v", err)
	}
}

func startHTTP() {
	mux := http.NewServeMux()
	mux.HandleFunc("/refresh", handleRefresh)
	mux.HandleFunc("/quote", handleQuote)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		harness.Fatalf("http: %v", err)
	}
	baseURL = "http://" + ln.Addr().String()
	srv := &http.Server{Handler: mux}
	srv.SetKeepAlivesEnabled(false)
	siteHTTPServe.Spawn()
	go serve(srv, ln) // site:http-serve
}

func get(path string) {
	resp, err := client.Get(baseURL + path)
	if err != nil {
		harness.Fatalf("GET %s: %v", path, err)
	}
	io.Copy(ioutil.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		harness.Fatalf("GET %s: %s", path, resp.Status)
	}
}

func getf(format string, args ...interface{}) { get(fmt.Sprintf(format, args...)) }
