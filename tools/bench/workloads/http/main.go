// http: a net/http server on loopback, driven by hey from tools/bench/bench.
// Keep-alive connections: each request parks the connection's goroutine in
// the netpoller and starts (and ends) net/http's background-read goroutine.
// Unit: one request served inside the measured window.
package main

import (
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"gostray.bench/harness"
)

var served uint64

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.Stderr.WriteString("http workload: " + err.Error() + "\n")
		os.Exit(1)
	}
	body := []byte("ok\n")
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		atomic.AddUint64(&served, 1)
		w.Write(body)
	})}
	go srv.Serve(ln)
	info := map[string]interface{}{"addr": ln.Addr().String()}
	harness.Run("request", info, func(until time.Time) uint64 {
		n0 := atomic.LoadUint64(&served)
		time.Sleep(time.Until(until))
		return atomic.LoadUint64(&served) - n0
	})
}
