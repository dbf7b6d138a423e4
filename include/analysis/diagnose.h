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
	char main_reason[40];	/* most common wait reason, "" if none is parked */
	uint64_t main_reason_count;
	double created_per_s;
	double exited_per_s;
};

/*
 * The one rule for a site's main wait reason, used by every view: the
 * reason most of its live parked goroutines wait on (the lower value on a
 * tie), named as the runtime names it, or "waitreason N" when this Go
 * version has no name for it.
 */
void diagnose_wait_name(int go_minor, unsigned reason, char *buf, size_t len);

void diagnose_site(const struct diagnose_ctx *dc, const struct site *s,
		   struct diagnosis *out);

/* Every site, judged, in the collector's order (the views' one order is
 * the report model's, include/output/model.h).  A malloc'ed array of *n. */
struct diagnosis *diagnose_all(const struct diagnose_ctx *dc, size_t *n);

#endif /* GOSTRAY_DIAGNOSE_H */
