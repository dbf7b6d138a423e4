/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Leak verdicts: for one creation site, `leak`, `suspect` or `ok`, with a
 * one-line reason, from what the trace measured (README.md "Leak
 * verdicts" states the rules for users; this is their one home).
 *
 * Evidence, strongest first:
 *   - what the goroutines wait on: a nil channel can never be woken (Go
 *     1.26+ also marks goroutines its GC proved unreachable); nor can
 *     `select {}`, but that is Go's idiom to block for good: the main
 *     goroutine in it is a daemon's design, one such goroutine at a site
 *     that does not grow is at most suspect, more of them are a leak;
 *   - survivors against lifetime: goroutines created during the trace
 *     still alive long after the site's usual lifetime (4x the 90th
 *     percentile of the lifetimes of its exits, at least 5 s), while the
 *     live count grew, and the site did it more than once (it already
 *     had survivors from before the trace, or the stuck ones were born
 *     over more than a second: a pool that starts once is not a leak);
 *   - the baseline: many goroutines parked for over an hour before gostray
 *     attached are a leak on the first second;
 *   - the trend: a live count that keeps rising while exits do not keep
 *     up, before any survivor is old enough to tell (suspect).
 * Goroutines waiting on I/O (idle connections), in system calls or
 * running are never a certain leak: at most `suspect`.  The runtime's own
 * goroutines are always `ok`.
 */
#ifndef GOSTRAY_VERDICT_H
#define GOSTRAY_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum verdict_kind {
	VERDICT_OK,
	VERDICT_SUSPECT,
	VERDICT_LEAK,
};

#define VERDICT_MIN_AGE_NS (5ull * 1000000000ull)
#define VERDICT_LIFETIME_FACTOR 4
#define VERDICT_LONG_PARKED_NS (3600ull * 1000000000ull)
#define VERDICT_BASELINE_MANY 1000	/* goroutines of one site */

/* How a parked goroutine's wait reason says it may be woken. */
enum wait_class {
	WAIT_NONE,		/* not parked (running, runnable) */
	WAIT_FOREVER,		/* nil channel: never, and never meant */
	WAIT_SELECT_EMPTY,	/* select {}: never, Go's idiom to block for good */
	WAIT_INTERNAL,		/* by another goroutine: channels, locks, timers */
	WAIT_EXTERNAL,		/* by the outside world: I/O, system calls */
	WAIT_RUNTIME,		/* the runtime's own machinery (GC, tracer) */
};

/* Classifies a wait reason as the runtime names it ("chan send",
 * "chan receive (nil chan)", "IO wait"...). */
enum wait_class verdict_wait_class(const char *reason);

struct verdict_input {
	bool system;		/* the runtime's own goroutines */
	uint64_t window_ns;	/* how long the trace has run */
	uint64_t live;		/* alive now */
	uint64_t live_at_start;	/* alive when the trace began */
	uint64_t created;	/* during the trace */
	uint64_t exited;
	/* lifetimes of goroutines born and exited during the trace */
	uint64_t timed_exits;
	uint64_t lifetime_p90_ns;
	/* survivors (see verdict_age_threshold) */
	uint64_t new_alive;	/* born during the trace, alive now */
	uint64_t new_aged;	/* ... and older than the threshold */
	uint64_t aged_birth_span_ns;	/* between the first and last of those births */
	uint64_t baseline_alive;	/* from before the trace, alive now */
	uint64_t long_parked;	/* alive and parked for over VERDICT_LONG_PARKED_NS */
	uint64_t oldest_ns;	/* age of the oldest alive */
	bool oldest_lower_bound;
	/* live goroutines by what they wait on (latest snapshot) */
	uint64_t forever;	/* WAIT_FOREVER, plus those the GC proved leaked */
	uint64_t select_empty;	/* WAIT_SELECT_EMPTY */
	bool main_goroutine;	/* the site of the main goroutine (runtime.main) */
	uint64_t internal;
	uint64_t external;	/* WAIT_EXTERNAL and goroutines in system calls */
	const char *main_reason;	/* the most common wait reason, or NULL */
	uint64_t main_reason_count;
	const char *forever_reason;	/* the reason of the forever ones */
	/* the live count at the start, middle and end of the window */
	uint64_t live_mid;
};

struct verdict {
	enum verdict_kind kind;
	char reason[200];
};

/* The age past which a goroutine born during the trace counts as a
 * survivor: 4x the p90 lifetime of the site's exits, at least 5 s. */
uint64_t verdict_age_threshold(uint64_t lifetime_p90_ns, uint64_t timed_exits);

void verdict_judge(const struct verdict_input *in, struct verdict *out);

const char *verdict_name(enum verdict_kind k);

#endif /* GOSTRAY_VERDICT_H */
