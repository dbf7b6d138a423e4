/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Verdicts for a trace's sites: gathers each site's evidence from the
 * collector (survivors, lifetimes, wait reasons, its series) into a
 * verdict_input and judges it (include/analysis/verdict.h).
 */
#ifndef GOSTRAY_DIAGNOSE_H
#define GOSTRAY_DIAGNOSE_H

#include "analysis/collector.h"
#include "analysis/verdict.h"

struct diagnose_ctx {
	const struct collector *c;
	int go_minor;		/* for wait reason names */
	uint64_t start_ns;	/* the attach */
	uint64_t now_ns;	/* the end of the window */
};

struct diagnosis {
	const struct site *site;
	struct verdict verdict;
	const char *main_reason;	/* most common wait reason, NULL if none */
	uint64_t main_reason_count;
	double created_per_s;
	double exited_per_s;
};

void diagnose_site(const struct diagnose_ctx *dc, const struct site *s,
		   struct diagnosis *out);

/* Every site, judged, sorted by verdict (leak first) then live count
 * (then created).  A malloc'ed array of *n. */
struct diagnosis *diagnose_all(const struct diagnose_ctx *dc, size_t *n);

#endif /* GOSTRAY_DIAGNOSE_H */
