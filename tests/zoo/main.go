// Command zoo is gostray's leak zoo: one program holding the goroutine
// leak patterns the literature knows, plus healthy controls, driven by a
// deterministic protocol so that the integration tests can assert exact
// counts per creation site.
//
// Every `go` statement the tests assert on carries `// site:NAME` on its
// line; tests/integration/run.py reads the markers to learn file:line.
// A site reached through several call paths (shared_helper.go) has each
// path's call line marked `// caller:NAME`, and its per-caller counts in
// the truth.
//
// Protocol (stdout is line oriented; every line is written unbuffered):
//
//	start      phase 1: every leak site leaks a fixed number of goroutines,
//	           the fixed worker pool and the HTTP server start; once the
//	           process is quiescent it prints "READY <pid>".
//	SIGUSR1    phase 2: every leak site leaks a further fixed number, the
//	           healthy controls run (churn, bursts, cancelled helpers,
//	           pools, HTTP requests) for a few seconds and drain; once the
//	           process is quiescent it prints "PHASE2-DONE".
//	SIGUSR2    writes the truth file (-truth) and prints "TRUTH-WRITTEN";
//	           with -leakprofile, then the runtime's goroutineleak profile
//	           ("LEAKPROFILE-WRITTEN", or "LEAKPROFILE-NONE" before Go 1.26).
//	SIGHUP     with -exec "PROG ARG...": replaces itself with PROG (execve,
//	           same PID).
//	SIGTERM    exits 0 (SIGINT too).
//
// With -steady-churn, a steady churn runs from READY on (steady_churn.go):
// the program is then never quiescent, and phase 2 is not for it.
//
// Quiescent means runtime.NumGoroutine() equals the goroutines the program
// knows must be alive (main, os/signal's loop and every leaked or pooled
// goroutine): everything transient has exited.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io/ioutil"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	truthPath  = flag.String("truth", "", "write the truth JSON to `FILE` on SIGUSR2")
	execArgv   = flag.String("exec", "", "on SIGHUP, replace the program with `PROG ARG...` (exec, same PID)")
	dumpPath   = flag.String("pprof", "", "write goroutine dumps (pprof debug=2) to `FILE`.phase1 at READY and FILE.final with the truth")
	scale      = flag.Int("scale", 1, "multiply every leak count by `N`")
	churnTotal = flag.Int("churn", 15000, "goroutines the churn control starts in phase 2")
	settle     = flag.Duration("settle", 20*time.Second, "give up waiting for quiescence after this long")
	leakPath   = flag.String("leakprofile", "", "after the truth, write the runtime's goroutineleak profile (debug=2) to `FILE` (Go 1.26+ with it)")
)

// Site kinds, as written to the truth file: the runner applies different
// assertions to each.
const (
	kindLeak    = "leak"    // goroutines that never exit
	kindHealthy = "healthy" // controls: exit, or a fixed pool that stays
	kindChurn   = "churn"   // healthy, and thousands of goroutines in phase 2
)

type site struct {
	kind       string
	created    [3]int64 // go statements executed, by phase (1, 2)
	live       int64    // goroutines of this site that must be alive now
	livePhase1 int64    // live when phase 1 ended (READY)
	sleeps     int64    // time.Sleep calls its goroutines made: one park each
	callers    map[string]*site
}

var (
	sites       = map[string]*site{}
	phase int32 = 1
	// Goroutines alive before any scenario ran: main and os/signal's loop.
	baseGoroutines int
)

// declare registers a site name; every marker in the zoo has one.
func declare(kind string, names ...string) {
	for _, n := range names {
		sites[n] = &site{kind: kind}
	}
}

// declareCallers registers the call paths (caller markers) that reach site
// NAME's go statement.
func declareCallers(name string, callers ...string) {
	s := lookup(name)
	s.callers = map[string]*site{}
	for _, c := range callers {
		s.callers[c] = &site{kind: s.kind}
	}
}

func lookupCaller(name, caller string) *site {
	c, ok := lookup(name).callers[caller]
	if !ok {
		panic("zoo: undeclared caller " + caller + " of " + name)
	}
	return c
}

func lookup(name string) *site {
	s, ok := sites[name]
	if !ok {
		panic("zoo: undeclared site " + name)
	}
	return s
}

// spawned counts one execution of the go statement marked NAME; call it
// right before the statement.
func spawned(name string) {
	atomic.AddInt64(&lookup(name).created[atomic.LoadInt32(&phase)], 1)
}

// leaked records that n goroutines of NAME will stay alive for good.
func leaked(name string, n int) {
	atomic.AddInt64(&lookup(name).live, int64(n))
}

// slept records one time.Sleep by a goroutine of NAME, after it returned.
func slept(name string) {
	atomic.AddInt64(&lookup(name).sleeps, 1)
}

// spawnedVia and leakedVia are spawned and leaked for a go statement
// reached through the call marked `// caller:CALLER`.
func spawnedVia(name, caller string) {
	spawned(name)
	atomic.AddInt64(&lookupCaller(name, caller).created[atomic.LoadInt32(&phase)], 1)
}

func leakedVia(name, caller string, n int) {
	leaked(name, n)
	atomic.AddInt64(&lookupCaller(name, caller).live, int64(n))
}

func expectedGoroutines() int {
	n := baseGoroutines
	for _, s := range sites {
		n += int(atomic.LoadInt64(&s.live))
	}
	return n
}

// waitQuiescent waits until NumGoroutine has matched the expected count on
// a few polls in a row, so that exiting goroutines are really gone.
func waitQuiescent(what string) {
	want := expectedGoroutines()
	deadline := time.Now().Add(*settle)
	stable := 0
	for stable < 5 {
		if runtime.NumGoroutine() == want {
			stable++
		} else {
			stable = 0
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "zoo: %s: not quiescent after %v: %d goroutines, want %d\n",
				what, *settle, runtime.NumGoroutine(), want)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func writeDump(path string) {
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "zoo: %v\n", err)
		os.Exit(1)
	}
	if err := pprof.Lookup("goroutine").WriteTo(f, 2); err != nil {
		fmt.Fprintf(os.Stderr, "zoo: goroutine dump: %v\n", err)
		os.Exit(1)
	}
	f.Close()
}

// writeLeakProfile asks the runtime which goroutines its GC proves leaked
// (Go 1.26 with GOEXPERIMENT=goroutineleakprofile, 1.27 by default): the
// profile's debug=2 form is every goroutine's stack, the leaked ones
// marked "(leaked)"; from then on they are in the runtime's leaked state.
func writeLeakProfile(path string) {
	p := pprof.Lookup("goroutineleak")
	if p == nil {
		fmt.Println("LEAKPROFILE-NONE")
		return
	}
	f, err := os.Create(path)
	if err == nil {
		err = p.WriteTo(f, 2)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "zoo: goroutineleak profile: %v\n", err)
		os.Exit(1)
	}
	fmt.Println("LEAKPROFILE-WRITTEN")
}

type siteTruth struct {
	Kind          string               `json:"kind"`
	Live          int64                `json:"live"`
	LivePhase1    int64                `json:"live_phase1"`
	CreatedPhase1 int64                `json:"created_phase1"`
	CreatedPhase2 int64                `json:"created_phase2"`
	Sleeps        int64                `json:"sleeps,omitempty"`
	Callers       map[string]siteTruth `json:"callers,omitempty"`
}

func (s *site) truth() siteTruth {
	t := siteTruth{
		Kind:          s.kind,
		Live:          atomic.LoadInt64(&s.live),
		LivePhase1:    s.livePhase1,
		CreatedPhase1: atomic.LoadInt64(&s.created[1]),
		CreatedPhase2: atomic.LoadInt64(&s.created[2]),
		Sleeps:        atomic.LoadInt64(&s.sleeps),
	}
	if s.callers != nil {
		t.Callers = map[string]siteTruth{}
		for name, c := range s.callers {
			t.Callers[name] = c.truth()
		}
	}
	return t
}

type truth struct {
	PID          int                  `json:"pid"`
	GoVersion    string               `json:"go_version"`
	Scale        int                  `json:"scale"`
	Phase        int32                `json:"phase"`
	NumGoroutine int                  `json:"num_goroutine"`
	Expected     int                  `json:"expected_goroutines"`
	Sites        map[string]siteTruth `json:"sites"`
}

func writeTruth(path string) {
	// NumGoroutine and the dump come first, back to back, so that they
	// describe the same moment; nothing below starts a goroutine.
	t := truth{
		PID:          os.Getpid(),
		GoVersion:    runtime.Version(),
		Scale:        *scale,
		Phase:        atomic.LoadInt32(&phase),
		NumGoroutine: runtime.NumGoroutine(),
		Expected:     expectedGoroutines(),
		Sites:        map[string]siteTruth{},
	}
	if *dumpPath != "" {
		writeDump(*dumpPath + ".final")
	}
	for name, s := range sites {
		t.Sites[name] = s.truth()
	}
	b, err := json.MarshalIndent(t, "", "  ")
	if err == nil {
		err = ioutil.WriteFile(path, append(b, '\n'), 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "zoo: truth: %v\n", err)
		os.Exit(1)
	}
}

// The scenarios, run in this order in both phases.  n is each leak's count
// for the phase; phase 2 counts differ from phase 1 counts and every site's
// counts differ from the others', so that a mix-up of sites shows.
type scenario struct {
	name   string
	p1, p2 int
	run    func(n int)
}

var leaks = []scenario{
	{"fanout", 7, 5, fanoutRequests},        // fanout-send: 2 losers per request
	{"pool-no-close", 3, 2, leakyPools},     // pool-worker: 4 workers per pool
	{"ctx-ignore", 11, 6, ctxIgnored},       // ctx-ignore
	{"nil-send", 13, 1, nilSends},           // nil-send
	{"nil-recv", 17, 2, nilReceives},        // nil-recv
	{"select-forever", 19, 7, selectNoExit}, // select-forever
	{"ticker", 5, 3, tickersNeverStopped},   // ticker-loop
	{"retry", 9, 4, retriesWithoutBudget},   // retry-forever
	{"waitgroup", 23, 9, waitGroupMisuse},   // wg-wait (wg-worker exits)
	{"mutex", 29, 10, mutexNeverUnlocked},   // mutex-wait
	{"http", 6, 5, httpLeakyRequests},       // http-handler-work
	{"shared", 7, 4, sharedWatchers},        // shared-watch: n + 2n
	{"range-noclose", 4, 11, rangeNoClose},
	{"start-no-stop", 8, 13, startWithoutStop},
	{"double-send", 2, 14, doubleSend},
	{"ncast", 1, 17, ncastOneReader}, // ncast-one-reader
	{"timeout-sender", 15, 16, timeoutSender},
	{"lock-order", 9, 9, lockOrderDeadlock}, // lock-order: 2 per request
	{"rwmutex", 20, 22, rwmutexReaders},     // rwmutex-reader
	{"cond", 24, 25, condNobodySignals},     // cond-wait
	{"method", 25, 27, methodLeak},          // method-leak
}

func runLeaks(p int) {
	for _, sc := range leaks {
		n := sc.p1
		if p == 2 {
			n = sc.p2
		}
		sc.run(n * *scale)
	}
}

func phase1() {
	startFixedPool()
	startHTTPServer()
	runLeaks(1)
	waitQuiescent("phase 1")
	for _, s := range sites {
		s.livePhase1 = atomic.LoadInt64(&s.live)
		for _, c := range s.callers {
			c.livePhase1 = atomic.LoadInt64(&c.live)
		}
	}
	if *dumpPath != "" {
		writeDump(*dumpPath + ".phase1")
	}
}

func phase2() {
	atomic.StoreInt32(&phase, 2)
	churnDone := make(chan struct{})
	spawned("churn-driver")
	go runChurn(*churnTotal, churnDone) // site:churn-driver
	runLeaks(2)
	bursts(10, 300)
	cancelledHelpers(200)
	feedFixedPool(2000)
	closedPool(6, 500)
	httpHealthyRequests(20)
	sleepers(8, 125)
	forkChildren(20)
	<-churnDone
	waitQuiescent("phase 2")
}

func main() {
	flag.Parse()
	if flag.NArg() != 0 || *scale < 1 {
		flag.Usage()
		os.Exit(2)
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGTERM, syscall.SIGINT,
		syscall.SIGHUP)
	baseGoroutines = runtime.NumGoroutine()

	phase1()
	fmt.Printf("READY %d\n", os.Getpid())
	if *steadyChurn {
		startSteadyChurn()
	}
	for sig := range sigs {
		switch sig {
		case syscall.SIGUSR1:
			if atomic.LoadInt32(&phase) == 2 {
				fmt.Fprintln(os.Stderr, "zoo: SIGUSR1 again: phase 2 already ran")
				continue
			}
			phase2()
			fmt.Println("PHASE2-DONE")
		case syscall.SIGUSR2:
			if *truthPath == "" {
				fmt.Fprintln(os.Stderr, "zoo: SIGUSR2 without -truth FILE")
				continue
			}
			writeTruth(*truthPath)
			fmt.Println("TRUTH-WRITTEN")
			if *leakPath != "" {
				writeLeakProfile(*leakPath)
			}
		case syscall.SIGHUP:
			argv := strings.Fields(*execArgv)
			if len(argv) == 0 {
				fmt.Fprintln(os.Stderr, "zoo: SIGHUP without -exec PROG")
				continue
			}
			err := syscall.Exec(argv[0], argv, os.Environ())
			fmt.Fprintf(os.Stderr, "zoo: exec %s: %v\n", argv[0], err)
			os.Exit(1)
		default:
			os.Exit(0)
		}
	}
}
