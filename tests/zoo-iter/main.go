// Command zoo-iter checks coroutine goroutines (iter.Pull, Go 1.23+): they
// are created by the runtime's newcoro and leave through coroexit, not
// goexit, so a tracer that misses that exit path shows every pulled
// iterator as a leak.  It speaks the leak zoo's protocol (tests/zoo):
// "READY <pid>" after phase 1, phase 2 on SIGUSR1 ("PHASE2-DONE"), the
// truth file on SIGUSR2 ("TRUTH-WRITTEN"), exit on SIGTERM.
//
// Sites: iter.Pull and iter.Pull2 are creation sites inside the standard
// library, so the truth names them by function ("function" in the truth
// file) instead of a marker.  Most pulled iterators are stopped or run to
// the end; a few are abandoned, which is a real leak.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"iter"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	truthPath = flag.String("truth", "", "write the truth JSON to `FILE` on SIGUSR2")
	dumpPath  = flag.String("pprof", "", "write goroutine dumps (pprof debug=2) to `FILE`.phase1 and FILE.final")
	scale     = flag.Int("scale", 1, "multiply every leak count by `N`")
	pulls     = flag.Int("pulls", 3000, "iterators each phase-2 worker pulls")
)

type site struct {
	Kind          string `json:"kind"`
	Function      string `json:"function,omitempty"` // for sites without a marker
	Live          int64  `json:"live"`
	LivePhase1    int64  `json:"live_phase1"`
	CreatedPhase1 int64  `json:"created_phase1"`
	CreatedPhase2 int64  `json:"created_phase2"`
}

var (
	sites = map[string]*site{
		"iter-pull":   {Kind: "leak", Function: "iter.Pull"},
		"iter-pull2":  {Kind: "churn", Function: "iter.Pull2"},
		"iter-worker": {Kind: "healthy"},
	}
	phase int32 = 1
	base  int
)

func spawned(name string) {
	s := sites[name]
	if atomic.LoadInt32(&phase) == 1 {
		atomic.AddInt64(&s.CreatedPhase1, 1)
	} else {
		atomic.AddInt64(&s.CreatedPhase2, 1)
	}
}

func count(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := 0; i < n; i++ {
			if !yield(i) {
				return
			}
		}
	}
}

func pairs(n int) iter.Seq2[int, int] {
	return func(yield func(int, int) bool) {
		for i := 0; i < n; i++ {
			if !yield(i, i*i) {
				return
			}
		}
	}
}

// pullSome pulls a few values and stops the iterator: its coroutine exits.
func pullSome() int {
	spawned("iter-pull")
	next, stop := iter.Pull(count(10))
	defer stop()
	sum := 0
	for i := 0; i < 3; i++ {
		v, _ := next()
		sum += v
	}
	return sum
}

// pullAll runs a Pull2 iterator to its end: its coroutine returns by itself.
func pullAll() int {
	spawned("iter-pull2")
	next, stop := iter.Pull2(pairs(4))
	defer stop()
	sum := 0
	for {
		_, v, ok := next()
		if !ok {
			return sum
		}
		sum += v
	}
}

var abandoned []func() (int, bool) // pulled once, never stopped: leaked

func abandon(n int) {
	for i := 0; i < n; i++ {
		spawned("iter-pull")
		next, _ := iter.Pull(count(100))
		next()
		abandoned = append(abandoned, next)
		atomic.AddInt64(&sites["iter-pull"].Live, 1)
	}
}

func worker(wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; i < *pulls; i++ {
		pullSome()
		pullAll()
	}
}

func waitQuiescent() {
	want := base
	for _, s := range sites {
		want += int(atomic.LoadInt64(&s.Live))
	}
	deadline := time.Now().Add(20 * time.Second)
	for stable := 0; stable < 5; time.Sleep(5 * time.Millisecond) {
		if runtime.NumGoroutine() != want {
			stable = 0
		} else {
			stable++
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "zoo-iter: not quiescent: %d goroutines, want %d\n",
				runtime.NumGoroutine(), want)
			return
		}
	}
}

func dump(path string) {
	f, err := os.Create(path)
	if err == nil {
		err = pprof.Lookup("goroutine").WriteTo(f, 2)
		f.Close()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "zoo-iter: %v\n", err)
		os.Exit(1)
	}
}

func phase1() {
	for i := 0; i < 50; i++ { // born and gone before attach
		pullSome()
		pullAll()
	}
	abandon(5 * *scale)
	waitQuiescent()
	for _, s := range sites {
		s.LivePhase1 = s.Live
	}
	if *dumpPath != "" {
		dump(*dumpPath + ".phase1")
	}
}

func phase2() {
	atomic.StoreInt32(&phase, 2)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		spawned("iter-worker")
		go worker(&wg) // site:iter-worker
	}
	abandon(3 * *scale)
	wg.Wait()
	waitQuiescent()
}

func writeTruth() {
	t := map[string]any{
		"pid":           os.Getpid(),
		"go_version":    runtime.Version(),
		"scale":         *scale,
		"phase":         atomic.LoadInt32(&phase),
		"num_goroutine": runtime.NumGoroutine(),
		"sites":         sites,
	}
	if *dumpPath != "" {
		dump(*dumpPath + ".final")
	}
	b, err := json.MarshalIndent(t, "", "  ")
	if err == nil {
		err = os.WriteFile(*truthPath, append(b, '\n'), 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "zoo-iter: truth: %v\n", err)
		os.Exit(1)
	}
}

func main() {
	flag.Parse()
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGTERM, syscall.SIGINT)
	base = runtime.NumGoroutine()
	phase1()
	fmt.Printf("READY %d\n", os.Getpid())
	for sig := range sigs {
		switch {
		case sig == syscall.SIGUSR1 && atomic.LoadInt32(&phase) == 1:
			phase2()
			fmt.Println("PHASE2-DONE")
		case sig == syscall.SIGUSR2 && *truthPath != "":
			writeTruth()
			fmt.Println("TRUTH-WRITTEN")
		case sig == syscall.SIGTERM || sig == syscall.SIGINT:
			os.Exit(0)
		}
	}
}
