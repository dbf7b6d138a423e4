// Package harness is the start/stop protocol every benchmark workload
// shares with tools/bench/bench, so that attaching a tracer is never timed:
//
//  1. the workload prints {"ready":...} on stdout and waits for SIGUSR1
//     (the driver attaches the tracer meanwhile);
//  2. on SIGUSR1 it runs its loop for -d and prints one JSON result line;
//  3. it stays alive until stdin is closed, so the driver can read the
//     tracer's counters while the target still exists.
package harness

import (
	"encoding/json"
	"flag"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

var duration = flag.Duration("d", time.Second, "how long to measure after SIGUSR1")

func emit(v map[string]interface{}) {
	b, _ := json.Marshal(v)
	os.Stdout.Write(append(b, '\n'))
}

// Run prints ready (with info merged in), waits for SIGUSR1, calls body
// with the deadline and reports body's operation count per unit.
// body must return soon after the deadline.
func Run(unit string, info map[string]interface{}, body func(until time.Time) uint64) {
	flag.Parse()
	start := make(chan os.Signal, 1)
	signal.Notify(start, syscall.SIGUSR1)
	ready := map[string]interface{}{"ready": true, "pid": os.Getpid()}
	for k, v := range info {
		ready[k] = v
	}
	emit(ready)
	<-start

	t0 := time.Now()
	ops := body(t0.Add(*duration))
	elapsed := time.Since(t0)
	res := map[string]interface{}{
		"unit":       unit,
		"ops":        ops,
		"elapsed_ns": elapsed.Nanoseconds(),
		"ns_per_op":  0.0,
		"per_s":      float64(ops) / elapsed.Seconds(),
	}
	if ops > 0 {
		res["ns_per_op"] = float64(elapsed.Nanoseconds()) / float64(ops)
	}
	emit(res)
	io.Copy(io.Discard, os.Stdin)
}
