// Package harness runs a leak zoo: creation sites with exact counts, the
// phase protocol driven by signals, quiescence, the truth file and the
// self-check.  tests/leakzoo and tests/leakzoo-iter (which imports it
// through a replace directive) are its two programs.
//
// Protocol (stdout lines, one each):
//
//	start    phase 1: every leak site leaks its first count, the long-lived
//	         controls start; wait for quiescence; print READY
//	SIGUSR1  phase 2: every leak site leaks its second count, the healthy
//	         controls run for -phase2 (default 2s); wait until all of them
//	         drained; print PHASE2-DONE
//	SIGUSR2  write the truth file (-truth FILE); print TRUTH-WRITTEN
//	SIGTERM  exit 0
//
// Truth file: {"num_goroutine": runtime.NumGoroutine(), "sites": {NAME:
// {"live": goroutines of the site alive now, "phase1": alive when READY was
// printed (what a tracer attached then finds already there), "phase2":
// created after SIGUSR1, "leak": bool, "function": set only for sites that
// are not a go statement of ours (iter.Pull's coroutines)}}, ...}.
//
// -selfcheck runs both phases without waiting for signals and checks, at
// each quiescent point, the counts against the program's own goroutine dump
// (runtime/pprof "goroutine" debug=2: the file:line under each "created by"
// line is the go statement): per marker line of the embedded sources, and no
// goroutine created at an unmarked line of ours.  Exit 1 on any mismatch.
package harness

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path"
	"regexp"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	truthPath  = flag.String("truth", "", "write the truth JSON to `FILE` on SIGUSR2")
	selfCheck  = flag.Bool("selfcheck", false, "run both phases without signals and check the counts against the runtime's own goroutine dump")
	phase2Time = flag.Duration("phase2", 2*time.Second, "how long the healthy controls run in phase 2")
	verbose    = flag.Bool("v", false, "log each step on stderr")
)

// Zoo is what a zoo program gives Main.
type Zoo struct {
	// Sources: the program's own .go files (//go:embed *.go), scanned for
	// "// site:NAME" markers by the self-check.
	Sources fs.FS
	// Phase1 leaks the first counts and starts the long-lived controls.
	Phase1 func()
	// Phase2 leaks the second counts and runs the healthy controls for d;
	// it returns when their drivers are done.
	Phase2 func(d time.Duration)
	// ExitedByDesign: goroutines of a leak site that end in phase 2 (a
	// fan-out's winner); nil means none.
	ExitedByDesign func(*Site) int64
}

var zoo Zoo

// A Site is one go statement (or, with SetFunction, a runtime creator such
// as iter.Pull).  Spawn() is called right before the go statement, Done()
// by goroutines that end, on their way out: at quiescence live is exact.
type Site struct {
	name    string
	leak    bool
	fn      string // creator function, for sites that are not our go statements
	live    int64
	created int64
	phase1  int64 // live when READY was printed
	base    int64 // created when SIGUSR1 arrived
	phase2  int64 // created during phase 2
}

var sites = map[string]*Site{}

func NewSite(name string, leak bool) *Site {
	if sites[name] != nil {
		panic("duplicate site " + name)
	}
	s := &Site{name: name, leak: leak}
	sites[name] = s
	return s
}

func (s *Site) Spawn() {
	atomic.AddInt64(&s.live, 1)
	atomic.AddInt64(&s.created, 1)
}

func (s *Site) Done() { atomic.AddInt64(&s.live, -1) }

func (s *Site) Live() int64 { return atomic.LoadInt64(&s.live) }

// SetFunction: the site's goroutines are created by fn (iter.Pull), not by
// a go statement of the zoo; the marker sits on the zoo's call of fn.
func (s *Site) SetFunction(fn string) { s.fn = fn }

func siteNames() []string {
	var names []string
	for n := range sites {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func logf(format string, args ...interface{}) {
	if *verbose {
		fmt.Fprintf(os.Stderr, "zoo: "+format+"\n", args...)
	}
}

// Fatalf reports a broken zoo on stderr and exits 3.
func Fatalf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "zoo: "+format+"\n", args...)
	os.Exit(3)
}

// baseGoroutines: main and os/signal's loop, counted once signal.Notify ran.
var baseGoroutines int

func expectedGoroutines() int {
	n := baseGoroutines
	for _, s := range sites {
		n += int(s.Live())
	}
	return n
}

// quiesce waits until every goroutine that announced its end is gone, and
// every transient goroutine of the standard library (net/http connections)
// too: runtime.NumGoroutine() equals main + signal loop + live per site.
func quiesce(what string) {
	deadline := time.Now().Add(30 * time.Second)
	var below time.Time
	for {
		want, got := expectedGoroutines(), runtime.NumGoroutine()
		if got == want {
			// Twice, 20 ms apart: a goroutine of the standard library
			// may be about to start another one.
			time.Sleep(20 * time.Millisecond)
			if expectedGoroutines() == want && runtime.NumGoroutine() == want {
				logf("%s: quiescent, %d goroutines", what, got)
				return
			}
			continue
		}
		if got < want {
			if below.IsZero() {
				below = time.Now()
			} else if time.Since(below) > time.Second {
				dumpGoroutines(os.Stderr, 1)
				Fatalf("%s: %d goroutines, fewer than the %d accounted for", what, got, want)
			}
		} else {
			below = time.Time{}
		}
		if time.Now().After(deadline) {
			dumpGoroutines(os.Stderr, 1)
			Fatalf("%s: not quiescent after 30s: %d goroutines, %d expected", what, got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func dumpGoroutines(w interface{ Write([]byte) (int, error) }, debug int) {
	pprof.Lookup("goroutine").WriteTo(w, debug)
}

type siteTruth struct {
	Live     int64  `json:"live"`
	Phase1   int64  `json:"phase1"`
	Phase2   int64  `json:"phase2"`
	Leak     bool   `json:"leak"`
	Function string `json:"function,omitempty"`
}

type truth struct {
	NumGoroutine       int                  `json:"num_goroutine"`
	ExpectedGoroutines int                  `json:"expected_goroutines"`
	BaseGoroutines     int                  `json:"base_goroutines"`
	GoVersion          string               `json:"go_version"`
	PID                int                  `json:"pid"`
	Sites              map[string]siteTruth `json:"sites"`
}

func currentTruth() truth {
	t := truth{
		NumGoroutine:       runtime.NumGoroutine(),
		ExpectedGoroutines: expectedGoroutines(),
		BaseGoroutines:     baseGoroutines,
		GoVersion:          runtime.Version(),
		PID:                os.Getpid(),
		Sites:              map[string]siteTruth{},
	}
	for name, s := range sites {
		t.Sites[name] = siteTruth{Live: s.Live(), Phase1: s.phase1, Phase2: s.phase2, Leak: s.leak, Function: s.fn}
	}
	return t
}

func writeTruth() {
	if *truthPath == "" {
		return
	}
	b, err := json.MarshalIndent(currentTruth(), "", "  ")
	if err != nil {
		Fatalf("truth: %v", err)
	}
	tmp := *truthPath + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		Fatalf("truth: %v", err)
	}
	if err := os.Rename(tmp, *truthPath); err != nil {
		Fatalf("truth: %v", err)
	}
}

func endPhase1() {
	for _, s := range sites {
		s.phase1 = s.Live()
	}
}

func startPhase2() {
	for _, s := range sites {
		s.base = atomic.LoadInt64(&s.created)
	}
}

func endPhase2() {
	for _, s := range sites {
		s.phase2 = atomic.LoadInt64(&s.created) - s.base
	}
}

// Main runs the protocol; it returns only for -selfcheck, after a pass.
func Main(z Zoo) {
	zoo = z
	flag.Parse()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGTERM, syscall.SIGINT)
	baseGoroutines = runtime.NumGoroutine()

	zoo.Phase1()
	quiesce("phase 1")
	endPhase1()
	if *selfCheck {
		runSelfCheck()
		return
	}
	fmt.Println("READY")

	phase2Done := false
	for sig := range sigs {
		switch sig {
		case syscall.SIGUSR1:
			if phase2Done {
				fmt.Fprintln(os.Stderr, "zoo: SIGUSR1 again: ignored")
				continue
			}
			startPhase2()
			zoo.Phase2(*phase2Time)
			quiesce("phase 2")
			endPhase2()
			phase2Done = true
			fmt.Println("PHASE2-DONE")
		case syscall.SIGUSR2:
			quiesce("truth")
			writeTruth()
			fmt.Println("TRUTH-WRITTEN")
		default:
			os.Exit(0)
		}
	}
}

// ---------------------------------------------------------------- self-check

type marker struct {
	file string
	line int
}

var markerRE = regexp.MustCompile(`//\s*site:([A-Za-z0-9_.-]+)\s*$`)

// markers: site name -> file:line of its "// site:NAME" comment, from the
// sources embedded in the program (the very files it was built from).
func markers() (map[string]marker, map[string]bool, []string) {
	marks := map[string]marker{}
	files := map[string]bool{}
	var errs []string
	err := fs.WalkDir(zoo.Sources, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") {
			return err
		}
		files[path.Base(p)] = true
		b, err := fs.ReadFile(zoo.Sources, p)
		if err != nil {
			return err
		}
		for i, l := range strings.Split(string(b), "\n") {
			m := markerRE.FindStringSubmatch(l)
			if m == nil || strings.Contains(l, "markerRE") {
				continue
			}
			if old, dup := marks[m[1]]; dup {
				errs = append(errs, fmt.Sprintf("site:%s marked twice (%s:%d, %s:%d)", m[1], old.file, old.line, path.Base(p), i+1))
			}
			marks[m[1]] = marker{path.Base(p), i + 1}
		}
		return nil
	})
	if err != nil {
		errs = append(errs, "embedded sources: "+err.Error())
	}
	return marks, files, errs
}

// parseDump counts goroutines per creation point in a debug=2 dump:
// "created by FUNC[ in goroutine N]\n\tFILE:LINE +0x..".
func parseDump(text string) (total int, byLine map[marker]int, byFunc map[string]int) {
	byLine, byFunc = map[marker]int{}, map[string]int{}
	for _, block := range strings.Split(text, "\n\n") {
		lines := strings.Split(strings.Trim(block, "\n"), "\n")
		if !strings.HasPrefix(lines[0], "goroutine ") {
			continue
		}
		total++
		for i, l := range lines {
			if !strings.HasPrefix(l, "created by ") || i+1 >= len(lines) {
				continue
			}
			fn := strings.TrimPrefix(l, "created by ")
			if j := strings.Index(fn, " in goroutine "); j >= 0 {
				fn = fn[:j]
			}
			if j := strings.Index(fn, "["); j >= 0 {
				fn = fn[:j]
			}
			byFunc[fn]++
			loc := strings.TrimSpace(lines[i+1])
			if j := strings.Index(loc, " "); j >= 0 {
				loc = loc[:j]
			}
			if j := strings.LastIndex(loc, ":"); j >= 0 {
				n, _ := strconv.Atoi(loc[j+1:])
				byLine[marker{path.Base(loc[:j]), n}]++
			}
		}
	}
	return
}

// checkAgainstDump compares want(site) with the goroutine dump.
func checkAgainstDump(stage string, want func(*Site) int64) []string {
	marks, files, errs := markers()
	var buf bytes.Buffer
	dumpGoroutines(&buf, 2)
	n := runtime.NumGoroutine()
	total, byLine, byFunc := parseDump(buf.String())
	if total != n {
		errs = append(errs, fmt.Sprintf("%s: the dump lists %d goroutines, NumGoroutine says %d", stage, total, n))
	}
	if exp := expectedGoroutines(); n != exp {
		errs = append(errs, fmt.Sprintf("%s: NumGoroutine %d, accounted for %d", stage, n, exp))
	}
	marked := map[marker]bool{}
	for _, name := range siteNames() {
		s := sites[name]
		m, ok := marks[name]
		if !ok {
			errs = append(errs, fmt.Sprintf("site %s has no // site:%s marker", name, name))
			continue
		}
		marked[m] = true
		var got int
		where := fmt.Sprintf("%s:%d", m.file, m.line)
		if s.fn != "" {
			got, where = byFunc[s.fn], "created by "+s.fn
		} else {
			got = byLine[m]
		}
		if int64(got) != want(s) {
			errs = append(errs, fmt.Sprintf("%s: site %s (%s): %d in the dump, %d counted", stage, name, where, got, want(s)))
		}
	}
	for name, m := range marks {
		if sites[name] == nil {
			errs = append(errs, fmt.Sprintf("marker site:%s (%s:%d) names no site", name, m.file, m.line))
		}
	}
	for m, c := range byLine {
		if files[m.file] && !marked[m] {
			errs = append(errs, fmt.Sprintf("%s: %d goroutines created at unmarked %s:%d", stage, c, m.file, m.line))
		}
	}
	return errs
}

// distinct: leak sites must not share a count, so that two sites mixed up
// by a tracer cannot pass.
func distinct(field string, get func(*Site) int64) []string {
	seen := map[int64]string{}
	var errs []string
	for _, name := range siteNames() {
		s := sites[name]
		if !s.leak {
			continue
		}
		v := get(s)
		if other, dup := seen[v]; dup {
			errs = append(errs, fmt.Sprintf("leak sites %s and %s share %s %d", other, name, field, v))
		}
		seen[v] = name
	}
	return errs
}

func exitedByDesign(s *Site) int64 {
	if zoo.ExitedByDesign == nil {
		return 0
	}
	return zoo.ExitedByDesign(s)
}

func runSelfCheck() {
	errs := checkAgainstDump("phase 1", func(s *Site) int64 { return s.phase1 })
	startPhase2()
	zoo.Phase2(*phase2Time)
	quiesce("phase 2")
	endPhase2()
	errs = append(errs, checkAgainstDump("phase 2", func(s *Site) int64 { return s.Live() })...)
	errs = append(errs, distinct("phase1", func(s *Site) int64 { return s.phase1 })...)
	errs = append(errs, distinct("phase2", func(s *Site) int64 { return s.phase2 })...)
	errs = append(errs, distinct("live", func(s *Site) int64 { return s.Live() })...)
	for _, name := range siteNames() {
		s := sites[name]
		if s.leak && (s.phase1 == 0 || s.phase2 == 0) {
			errs = append(errs, fmt.Sprintf("leak site %s leaked nothing in a phase (phase1 %d, phase2 %d)", name, s.phase1, s.phase2))
		}
		if s.leak && s.Live() != s.phase1+s.phase2-exitedByDesign(s) {
			errs = append(errs, fmt.Sprintf("leak site %s: live %d, phase1 %d + phase2 %d - %d", name, s.Live(), s.phase1, s.phase2, exitedByDesign(s)))
		}
	}
	writeTruth()
	for _, name := range siteNames() {
		s := sites[name]
		fmt.Printf("site %-16s leak=%-5v live=%-5d phase1=%-4d phase2=%d\n", name, s.leak, s.Live(), s.phase1, s.phase2)
	}
	if len(errs) > 0 {
		for _, e := range errs {
			fmt.Println("SELFCHECK FAIL: " + e)
		}
		os.Exit(1)
	}
	fmt.Printf("SELFCHECK OK %s: %d sites, %d goroutines\n", runtime.Version(), len(sites), runtime.NumGoroutine())
}
