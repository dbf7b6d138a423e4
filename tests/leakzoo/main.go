// Command leakzoo leaks goroutines in every way the literature knows, by
// exact, distinct counts per go statement, next to healthy controls that
// churn, pool, burst and cancel without leaking.  gostray's integration
// tests (tests/integration/run.py) attach to it and compare gostray's
// report with the truth the program writes; harness/ holds the protocol.
//
// Every go statement carries a "// site:NAME" comment on its line.
package main

import (
	"embed"
	"time"

	"leakzoo/harness"
)

//go:embed *.go
var sources embed.FS

func main() {
	harness.Main(harness.Zoo{Sources: sources, Phase1: phase1, Phase2: phase2, ExitedByDesign: exitedByDesign})
}

// plan: goroutines each leak site leaks in phase 1 (before gostray
// attaches) and in phase 2 (while it is attached).  Counts are distinct
// across sites (and the lives they add up to), so that two sites mixed up
// cannot pass.
var plan = []struct {
	leak           func(n int)
	phase1, phase2 int
}{
	{fanoutLeak, 3, 8},
	{poolNoCloseLeak, 5, 12},
	{ctxIgnoreLeak, 7, 14},
	{nilSendLeak, 11, 16},
	{nilRecvLeak, 13, 18},
	{selectForeverLeak, 17, 20},
	{tickerLeak, 19, 21},
	{retryLeak, 23, 22},
	{waitGroupLeak, 29, 24},
	{mutexLeak, 31, 25},
	{httpLeak, 37, 26},
}

// Sizes of the long-lived healthy controls.
const poolSize = 6

func phase1() {
	startHTTP()
	startPool(poolSize)
	for _, p := range plan {
		p.leak(p.phase1)
	}
}

// phase2 leaks the second counts, then runs the healthy controls side by
// side for d and returns when their drivers are done.
func phase2(d time.Duration) {
	for _, p := range plan {
		p.leak(p.phase2)
	}
	runControls(d)
}

// exitedByDesign: goroutines of a leak site that end although the site
// leaks (the fan-out's winner), during phase 2.
func exitedByDesign(s *harness.Site) int64 {
	if s == siteFanout {
		return 1
	}
	return 0
}
