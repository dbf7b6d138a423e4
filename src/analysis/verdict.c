// SPDX-License-Identifier: BSD-2-Clause
/*
 * Leak verdicts (rules in include/analysis/verdict.h and README.md "Leak verdicts").
 * Pure: numbers in, a verdict and one line out, so that every rule has a
 * unit test (tests/unit/test_verdict.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/duration.h"
#include "analysis/verdict.h"
#include "common/timeunits.h"


const char *verdict_name(enum verdict_kind k)
{
	switch (k) {
	case VERDICT_LEAK: return "leak";
	case VERDICT_SUSPECT: return "suspect";
	default: return "ok";
	}
}

enum wait_class verdict_wait_class(const char *reason)
{
	static const char *const forever[] = {
		"chan receive (nil chan)", "chan send (nil chan)",
	};
	static const char *const external[] = { "IO wait" };
	/* What other goroutines (or their timers) wake: a leak when
	 * nobody will. */
	static const char *const internal_prefix[] = {
		"chan ", "select", "sync.", "semacquire", "sleep", "coroutine",
		"synctest.",
	};
	size_t i;

	if (!reason || !*reason)
		return WAIT_NONE;
	if (!strcmp(reason, "select (no cases)"))
		return WAIT_SELECT_EMPTY;
	for (i = 0; i < sizeof(forever) / sizeof(*forever); i++)
		if (!strcmp(reason, forever[i]))
			return WAIT_FOREVER;
	for (i = 0; i < sizeof(external) / sizeof(*external); i++)
		if (!strcmp(reason, external[i]))
			return WAIT_EXTERNAL;
	for (i = 0; i < sizeof(internal_prefix) / sizeof(*internal_prefix); i++)
		if (!strncmp(reason, internal_prefix[i], strlen(internal_prefix[i])))
			return WAIT_INTERNAL;
	return WAIT_RUNTIME;
}

uint64_t verdict_age_threshold(uint64_t lifetime_p90_ns, uint64_t timed_exits)
{
	uint64_t t = timed_exits ? lifetime_p90_ns * VERDICT_LIFETIME_FACTOR : 0;

	return t > VERDICT_MIN_AGE_NS ? t : VERDICT_MIN_AGE_NS;
}


/* "; 63 wait on chan send; oldest 3h12m+" */
static void add_wait_and_age(const struct verdict_input *in, char *buf, size_t len)
{
	size_t used = strlen(buf);
	char age[24];

	if (in->main_reason && in->main_reason_count && used < len) {
		snprintf(buf + used, len - used, "; %" PRIu64 " wait on %s",
			 in->main_reason_count, in->main_reason);
		used = strlen(buf);
	}
	if (in->live && used < len) {
		format_age(age, sizeof(age), in->oldest_ns);
		snprintf(buf + used, len - used, "; oldest %s%s", age,
			 in->oldest_lower_bound ? "+" : "");
	}
}

/* The live count rose from the start to the middle to the end of the
 * window, and by a margin worth a look. */
static bool rising(const struct verdict_input *in)
{
	uint64_t growth = in->live > in->live_at_start ? in->live - in->live_at_start : 0;
	uint64_t margin = in->live_at_start / 10 > 10 ? in->live_at_start / 10 : 10;

	return growth >= margin && in->live_mid > in->live_at_start &&
	       in->live > in->live_mid && in->created > in->exited;
}

/* Survivors born during the trace, outliving the site's usual lifetime,
 * while the count grew; and not once only. */
static bool survivors_pile_up(const struct verdict_input *in, bool *repeated)
{
	bool grew = in->live > in->live_at_start;

	*repeated = (in->baseline_alive >= 1 && in->new_aged >= 2) ||
		    (in->new_aged >= 3 && in->aged_birth_span_ns >= NS_PER_S);
	return grew && in->new_aged >= 1;
}

static void survivors_reason(const struct verdict_input *in, char *buf, size_t len)
{
	char window[24], life[24], thr[24];

	format_age(window, sizeof(window), in->window_ns);
	format_age(thr, sizeof(thr), verdict_age_threshold(in->lifetime_p90_ns, in->timed_exits));
	if (in->timed_exits)
		format_age(life, sizeof(life), in->lifetime_p90_ns);
	snprintf(buf, len, "+%" PRIu64 " in %s (%.2g/s), %" PRIu64 " alive past %s (%s%s)",
		 in->live - in->live_at_start, window,
		 per_second(in->live - in->live_at_start, in->window_ns),
		 in->new_aged, thr, in->timed_exits ? "usual lifetime " : "none exited",
		 in->timed_exits ? life : "");
}

/*
 * `select {}` blocks for good, on purpose as often as not: a daemon's main
 * goroutine ends in it (caddy's does), and so may one goroutine a package
 * parks for the life of the process.  Many of them at one site, or a site
 * that keeps making them, are a leak.  True when it judged.
 */
static bool judge_select_empty(const struct verdict_input *in, struct verdict *out)
{
	char *r = out->reason;
	size_t rl = sizeof(out->reason);

	if (in->main_goroutine) {
		out->kind = VERDICT_OK;
		snprintf(r, rl, "the main goroutine blocks in select {} for good: a daemon "
			 "by design");
	} else if (in->select_empty == 1 && in->live == 1 && in->created <= 1) {
		out->kind = VERDICT_SUSPECT;
		snprintf(r, rl, "1 blocked in select {} for good: Go's idiom to park a "
			 "goroutine for the life of the process; one, not growing");
	} else {
		out->kind = VERDICT_LEAK;
		snprintf(r, rl, "%" PRIu64 " blocked forever in select {}: nothing can wake "
			 "them%s", in->select_empty, in->select_empty > 1 ? "" : in->live > 1 ?
			 ", one of the site's many" : ", and the site keeps making them");
	}
	add_wait_and_age(in, r, rl);
	return true;
}

void verdict_judge(const struct verdict_input *in, struct verdict *out)
{
	char *r = out->reason;
	size_t rl = sizeof(out->reason);
	bool repeated, external_most = in->external > in->internal;

	memset(out, 0, sizeof(*out));
	out->kind = VERDICT_OK;
	if (in->system) {
		snprintf(r, rl, "the runtime's own goroutines");
		return;
	}
	if (!in->live) {
		if (in->created || in->exited)
			snprintf(r, rl, "none alive: %" PRIu64 " created, %" PRIu64 " exited",
				 in->created, in->exited);
		else
			snprintf(r, rl, "none alive");
		return;
	}
	if (in->forever) {
		out->kind = VERDICT_LEAK;
		snprintf(r, rl, "%" PRIu64 " blocked forever on %s: nothing can wake them",
			 in->forever, in->forever_reason ? in->forever_reason : "nothing");
		add_wait_and_age(in, r, rl);
		return;
	}
	if (in->select_empty && judge_select_empty(in, out))
		return;
	if (survivors_pile_up(in, &repeated)) {
		survivors_reason(in, r, rl);
		add_wait_and_age(in, r, rl);
		if (!repeated) {
			out->kind = VERDICT_SUSPECT;
			strncat(r, "; once so far", rl - strlen(r) - 1);
		} else if (external_most || !in->internal) {
			out->kind = VERDICT_SUSPECT;
			strncat(r, "; waiting on the outside", rl - strlen(r) - 1);
		} else {
			out->kind = VERDICT_LEAK;
		}
		return;
	}
	if (in->live_at_start >= VERDICT_BASELINE_MANY &&
	    in->long_parked * 10 >= in->live * 9) {
		char since[24];

		format_age(since, sizeof(since), VERDICT_LONG_PARKED_NS);
		out->kind = external_most || !in->internal ? VERDICT_SUSPECT : VERDICT_LEAK;
		snprintf(r, rl, "%" PRIu64 " of %" PRIu64 " parked for over %s, since before "
			 "the trace", in->long_parked, in->live, since);
		add_wait_and_age(in, r, rl);
		return;
	}
	if (rising(in)) {
		char window[24];

		out->kind = VERDICT_SUSPECT;
		format_age(window, sizeof(window), in->window_ns);
		snprintf(r, rl, "rising: +%" PRIu64 " in %s, %" PRIu64 " created, %" PRIu64
			 " exited", in->live - in->live_at_start, window, in->created,
			 in->exited);
		add_wait_and_age(in, r, rl);
		return;
	}
	if (!in->created)
		snprintf(r, rl, "steady: %" PRIu64 " alive since before the trace, none "
			 "created", in->live);
	else
		snprintf(r, rl, "steady: %" PRIu64 " alive, %" PRIu64 " created, %" PRIu64
			 " exited", in->live, in->created, in->exited);
	add_wait_and_age(in, r, rl);
}
